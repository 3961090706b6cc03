//! Eos's integration tests, as one test binary: every file in this folder is a module of it, so
//! the library and the `eos` binary are linked into one test executable instead of one per file
//! (a fresh `cargo test` spent most of its time linking 36 of them on two cores).
//!
//! Adding tests: put them in a new file `tests/it/<topic>.rs` and add `mod <topic>;` to the
//! list below (kept alphabetical). A file used to be its own crate, so in a moved file write
//! `use crate::sim_common;` (or `pty_common`, `cli_common`, `reducer_common`) where it had
//! `mod sim_common;`, and name its tests `<topic>::<test>` where a test re-runs itself by name.
//!
//! Run one file's tests with `cargo test --test it <topic>::`. The suites that need a feature
//! and outside software (peer, zk, kerberos) stay separate binaries: tests/peer.rs, tests/zk.rs
//! and tests/kerberos.rs, each with its `required-features` in Cargo.toml.

// ---- shared helpers (once for every file) ----
mod cli_common;
mod inprocess_common;
mod pty_common;
mod reducer_common;
mod sim_common;

// ---- the tests, one module per topic ----
mod backend_capabilities;
mod cli_flags;
mod client_http;
mod clusters_list;
mod color_e2e;
mod completions;
mod config_idl_names;
mod config_json;
mod console_e2e;
mod console_editor;
mod console_inprocess;
mod console_nav;
mod console_reducer;
mod console_rolling;
mod console_views;
mod dialogs_e2e;
mod failover;
mod failover_e2e;
mod get_args;
mod get_cluster_keys;
mod get_exit_codes;
mod get_json;
mod get_output;
mod get_set_order;
mod hostile;
mod hosts_reducer;
mod hosts_sim;
mod keymaps;
mod logging;
mod logs_console;
mod logs_merged;
mod logs_observer;
mod ops_e2e;
mod ops_reducer;
mod ops_sim;
mod sim_behaviour;
mod sim_faults;
mod sim_rules;
mod sim_rules_more;
mod ssh_life;
mod swarm_edit;
mod swarm_home;
mod swarm_views;
mod themes_config;
mod tls_clusters;
mod views_reducer;
mod wire_golden;
mod wire_hostile;
mod wire_roundtrip;
