//! Eos: a terminal operations console for the Apache Aurora scheduler.

pub mod aurora;
pub mod cli;
pub mod get;
pub mod sim;
pub mod simcmd;
pub mod table;
