//! Widgets: state machines for the pieces screens and overlays are made of, knowing no
//! screen and no `State` — the sortable, filterable [`table`], the one-line text [`input`]
//! field, and the modal [`dialog`]s (confirm, ask, ask-for-a-count).

pub mod dialog;
pub mod input;
pub mod table;
