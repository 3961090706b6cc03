//! The domain layer: what Eos knows and says about a cluster, computed from the scheduler's
//! model (`aurora::model`) and nothing else — the task queries the reads ask, the hosts joined
//! from tasks and maintenance, which update a job means, and the words and numbers every front
//! end prints (ages, times, ports, CPU counts).
//!
//! It sits beneath everything that shows a cluster: the console's reducer (`app/`), its
//! drawing (`ui/`), the effect runner (`effects.rs`) and the `eos get` subcommand (`cmd/get`)
//! all import from here, and this imports none of them. Before, `eos get` was that shared
//! library and borrowed back from `app/`, so the console depended on a subcommand and the
//! subcommand on the console; a fact printed two ways (the CPU count, the task query) drifted.
//! The name is "domain" rather than "present" because queries and joins are not presentation;
//! the formatting kept here is only what more than one front end prints the same way.

pub mod format;
pub mod hosts;
pub mod queries;
pub mod updates;
