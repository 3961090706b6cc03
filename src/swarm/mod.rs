//! Docker Swarm as a second backend (issue 16): connecting to a Docker Engine, the Swarm's
//! objects as the operator sees them, `eos --docker get …`, and the writes with their version
//! checks. The console reaches it through the backend boundary; nothing here draws.
//!
//! - `target`: which Engine `--docker[=URL]` / `[clusters.NAME] docker` means.
//! - `client`: the connection (bollard; bounded GETs), errors by what they prove.
//! - `reads`: the GETs.
//! - `node_cache`: node names and the nodes view's halves kept between refreshes (idle cost).
//! - `turns`: a view joined from two lists, listed one per refresh in turn.
//! - `model`: rows, per-slot history, the update view, triage (pure).
//! - `get`: `eos --docker get services | tasks | task | nodes | update`.
//! - `logs`: a task's or service's log (the frames decoded, bounded, resumable).
//! - `write`: scale, restart, rollback, spec update, node availability.

pub mod client;
pub mod logs;
pub mod model;
pub mod node_cache;
pub mod reads;
pub mod target;
pub mod turns;
pub mod write;
