//! Eos: a terminal operations console for the Apache Aurora scheduler.

pub mod app;
pub mod audit;
pub mod aurora;
pub mod backend;
pub mod bounded_reply;
pub mod cluster_list;
pub mod cmd;
pub mod color;
pub mod config;
pub mod connection;
pub mod console;
pub mod diff;
pub mod domain;
pub mod effects;
pub mod effects_logs;
pub mod keymap;
pub mod logging;
pub mod observer;
pub mod sim;
pub mod swarm;
pub mod table;
pub mod theme;
pub mod timezone;
pub mod tomlfile;
pub mod tui;
pub mod ui;
