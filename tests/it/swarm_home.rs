//! A Docker Swarm's home screen in the reducer: a console started on a Swarm, or switched to
//! one with `:cluster`, has the services view at the bottom of its stack (a Swarm has no
//! roles), and switching back to Aurora brings the roles back.

use eos::app::clusters::Connected;
use eos::app::resource::ResourceKey;
use eos::app::{Action, Nav, Screen, State, update};
use eos::keymap::Keymap;

const T0: i64 = 1_800_000_000_000;

fn connected(s: &mut State, cluster: &str, home: Nav) -> Vec<eos::app::Effect> {
    update(
        s,
        Action::Connected(Box::new(Connected {
            cluster: cluster.into(),
            url: format!("unix:///run/{cluster}.sock"),
            warnings: Vec::new(),
            home,
        })),
    )
}

#[test]
fn a_console_started_on_a_swarm_has_only_the_services_below_it() {
    let mut s = State::new(
        "unix:///run/docker.sock",
        Keymap::builtin(),
        Nav::Services,
        T0,
    );
    update(&mut s, Action::Resize(120, 40));
    assert_eq!(s.stack.len(), 1);
    assert!(matches!(s.top(), Screen::Services { .. }));
    assert_eq!(s.top().resources(), vec![ResourceKey::SwarmServices]);
}

#[test]
fn switching_between_aurora_and_a_swarm_changes_the_home_screen() {
    let mut s = State::new("http://a.test:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(120, 40));
    s.known_clusters = vec!["aurora".into(), "swarm".into()];
    connected(&mut s, "swarm", Nav::Services);
    assert_eq!(s.stack.len(), 1);
    assert!(matches!(s.top(), Screen::Services { .. }), "{:?}", s.top());
    connected(&mut s, "aurora", Nav::Roles);
    assert!(matches!(s.top(), Screen::Roles { .. }), "{:?}", s.top());
}
