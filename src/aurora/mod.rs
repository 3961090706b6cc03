//! Everything about the scheduler's API; no UI here.

pub mod client;
pub mod clusters;
pub mod credentials;
pub mod maintenance;
pub mod model;
pub mod wire;
pub mod zk;
