//! Eos: a terminal operations console for the Apache Aurora scheduler.

pub mod aurora;
pub mod sim;
