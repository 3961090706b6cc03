//! Everything about the scheduler's API; no UI here.

pub mod client;
pub mod clusters;
pub mod credentials;
#[cfg(feature = "kerberos")]
pub mod kerberos;
pub mod maintenance;
pub mod model;
pub mod task_stream;
pub mod wire;
pub mod zk;
