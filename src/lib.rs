//! Eos: a terminal operations console for the Apache Aurora scheduler.

pub mod app;
pub mod audit;
pub mod aurora;
pub mod bounded_reply;
pub mod cli;
pub mod color;
pub mod config;
pub mod connection;
pub mod console;
pub mod diff;
pub mod effects;
pub mod effects_logs;
pub mod get;
pub mod get_exit;
pub mod get_logs;
pub mod keymap;
pub mod logging;
pub mod observer;
pub mod run;
pub mod sim;
pub mod simcmd;
pub mod table;
pub mod theme;
pub mod timezone;
pub mod tui;
pub mod ui;
