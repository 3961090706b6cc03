//! On a Docker Swarm, Aurora's places are the Swarm's own: the console's home is the services
//! view (the bottom of the stack), `:hosts` opens the nodes and `:jobs`/roles the services.

use super::{Nav, Screen, State};

impl State {
    /// Whether the console is on a Swarm: its home screen is the services view.
    pub fn on_swarm(&self) -> bool {
        matches!(self.stack.first(), Some(Screen::Services { .. }))
    }

    /// Where `nav` leads on this scheduler.
    pub(super) fn swarm_place(&self, nav: Nav) -> Nav {
        if !self.on_swarm() {
            return nav;
        }
        match nav {
            Nav::Hosts => Nav::Nodes,
            Nav::Roles | Nav::Jobs(None) => Nav::Services,
            other => other,
        }
    }
}
