//! One module per screen (vocabulary and widgets below, the screen stack above): each owns
//! its table builder and turns API data into rows, once per arrival. Views read no `State`.

pub mod cells;
pub mod clusters;
pub mod hosts;
pub mod jobs;
pub mod nodes;
pub mod roles;
pub mod services;
pub mod swarm_tasks;
pub mod swarm_triage;
pub mod swarm_update;
pub mod swarm_updates;
pub mod tasks;
pub mod triage;
pub mod updates;
