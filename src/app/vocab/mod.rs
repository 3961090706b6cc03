//! The vocabulary every other layer of `app/` speaks, importing nothing above it: the named
//! commands keys are bound to ([`command`]), places to go ([`nav`]), what is read and cached
//! ([`resource`]), the mutations ([`ops`]), and the messages to and from the edge ([`events`]).

pub mod command;
pub mod events;
pub mod logs;
pub mod nav;
pub mod ops;
pub mod resource;
