//! The console's link to the leader: fail-over as the user sees it. The edge reports what it
//! learns (the scheduler stopped or resumed answering, a redirect or ZooKeeper named another
//! leader, ZooKeeper has no leader or is down); this keeps the story and draws it as a banner
//! under the header. Data already shown stays, with its age; polls resume by themselves.
//! Nothing here ever re-sends a mutation: fail-over only re-points and re-reads.

use super::views::cells::short_url;
use super::{Level, State};

/// Ticks per second of the console's beat (250 ms).
pub const TICKS_PER_SEC: u64 = 4;

/// How long "leader changed" and "answering again" stay: ten seconds of ticks.
const NOTICE_TICKS: u64 = 40;

/// While the scheduler is out, failed polls are retried at least this often (the usual
/// backoff grows to a minute; during fail-over the user wants the first good answer).
pub const OUTAGE_RETRY_MS: i64 = 5_000;

/// Why the scheduler does not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageKind {
    /// 503 (no leader), a redirect loop, or "storage is not READY": an election is on.
    NoLeader,
    /// Connection refused, timed out, name lookup failed, or a proxy's 502/504.
    Unreachable,
}

/// What the edge learned about the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkNews {
    /// A poll failed for a fail-over reason (after the last one succeeded).
    Down { kind: OutageKind, detail: String },
    /// A poll succeeded after a fail-over failure.
    Up,
    /// Calls now go to `to` (`via`: "ZooKeeper" or "redirect").
    Moved {
        from: String,
        to: String,
        via: &'static str,
    },
    /// ZooKeeper answers, and names the leader calls already go to.
    ZkLeader,
    /// ZooKeeper answers, but no scheduler is registered: why.
    ZkNoLeader(String),
    /// ZooKeeper cannot be reached: why. Calls keep going to the last leader.
    ZkDown(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Since {
    pub what: String,
    pub tick: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// The scheduler stopped answering: how, since when.
    pub outage: Option<(OutageKind, Since)>,
    /// ZooKeeper has no leader registered.
    pub zk_no_leader: Option<Since>,
    /// ZooKeeper is unreachable.
    pub zk_down: Option<Since>,
    /// A passing notice (leader changed, answering again) and the tick it goes.
    pub notice: Option<(String, u64)>,
}

impl Link {
    /// The banner line, if any: the worst trouble first, then a passing notice.
    pub fn banner(&self, ticks: u64, leader: &str) -> Option<(String, Level)> {
        let secs = |s: &Since| ticks.saturating_sub(s.tick) / TICKS_PER_SEC;
        let leader = short_url(leader);
        if let Some(s) = &self.zk_no_leader {
            return Some((
                format!(
                    "no leader for {} s: {} (ZooKeeper); still asking {leader}",
                    secs(s),
                    s.what
                ),
                Level::Error,
            ));
        }
        if let Some((kind, s)) = &self.outage {
            let head = match kind {
                OutageKind::NoLeader => format!("no leader for {} s", secs(s)),
                OutageKind::Unreachable => format!("{leader} unreachable for {} s", secs(s)),
            };
            return Some((
                format!("{head}: {}; showing the last data, retrying", s.what),
                Level::Error,
            ));
        }
        if let Some(s) = &self.zk_down {
            return Some((
                format!(
                    "ZooKeeper unreachable for {} s ({}); still using leader {leader}",
                    secs(s),
                    s.what
                ),
                Level::Error,
            ));
        }
        self.notice
            .as_ref()
            .filter(|(_, until)| ticks < *until)
            .map(|(text, _)| (text.clone(), Level::Info))
    }
}

impl State {
    pub(super) fn on_link(&mut self, news: LinkNews) {
        let tick = self.ticks;
        let since = |what: String| Since { what, tick };
        match news {
            LinkNews::Down { kind, detail } => {
                match &mut self.link.outage {
                    // Same outage, newer words (the tick it began stays).
                    Some((k, s)) => {
                        *k = kind;
                        s.what = detail;
                    }
                    // It began when the scheduler stopped answering: the oldest request still
                    // unanswered (the one failing now among them; a time-out comes 30 s after
                    // it was sent), though not before the last answer that came back.
                    None => {
                        let began = self
                            .store
                            .values()
                            .filter(|s| s.in_flight.is_some())
                            .map(|s| s.sent_tick)
                            .min()
                            .unwrap_or(tick)
                            .max(self.last_answer_tick)
                            .min(tick);
                        self.link.outage = Some((
                            kind,
                            Since {
                                what: detail,
                                tick: began,
                            },
                        ));
                    }
                }
                self.cap_retries();
            }
            LinkNews::Up => {
                if let Some((_, s)) = self.link.outage.take() {
                    let secs = tick.saturating_sub(s.tick) / TICKS_PER_SEC;
                    self.link.notice = Some((
                        format!(
                            "{} answering again after {secs} s",
                            short_url(&self.scheduler_url)
                        ),
                        tick + NOTICE_TICKS,
                    ));
                    self.poll_everything_now();
                }
            }
            LinkNews::Moved { from, to, via } => {
                self.link.notice = Some((
                    format!(
                        "leader changed: {} → {} ({via})",
                        short_url(&from),
                        short_url(&to)
                    ),
                    tick + NOTICE_TICKS,
                ));
                self.link.outage = None;
                self.scheduler_url = to;
                self.poll_everything_now();
            }
            LinkNews::ZkLeader => {
                self.link.zk_down = None;
                self.link.zk_no_leader = None;
            }
            LinkNews::ZkNoLeader(why) => {
                self.link.zk_down = None;
                if self.link.zk_no_leader.is_none() {
                    self.link.zk_no_leader = Some(since(why));
                }
            }
            LinkNews::ZkDown(why) => match &mut self.link.zk_down {
                Some(s) => s.what = why,
                None => self.link.zk_down = Some(since(why)),
            },
        }
        self.dirty = true;
    }

    /// Every resource is due now: the visible ones are polled at the next tick, the others
    /// when their view opens. Data already held stays until the answers replace it.
    fn poll_everything_now(&mut self) {
        let now = self.now;
        for slot in self.store.values_mut() {
            slot.next_due = slot.next_due.min(now);
        }
    }

    /// During an outage no failed poll waits longer than [`OUTAGE_RETRY_MS`].
    pub(super) fn cap_retries(&mut self) {
        if self.link.outage.is_none() && self.link.zk_no_leader.is_none() {
            return;
        }
        for slot in self.store.values_mut() {
            if let Some((at, _)) = &slot.error {
                slot.next_due = slot.next_due.min(at + OUTAGE_RETRY_MS);
            }
        }
    }

    /// Rows the fail-over banner takes.
    pub fn link_banner_rows(&self) -> u16 {
        u16::from(self.link.banner(self.ticks, &self.scheduler_url).is_some())
    }

    pub fn ticks(&self) -> u64 {
        self.ticks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_trouble_shows_first_and_notices_pass() {
        let mut l = Link::default();
        assert_eq!(l.banner(0, "http://a:1"), None);
        l.notice = Some(("leader changed: a → b".into(), 40));
        assert_eq!(l.banner(39, "http://b:1").unwrap().1, Level::Info);
        assert_eq!(l.banner(40, "http://b:1"), None);
        l.zk_down = Some(Since {
            what: "connection lost".into(),
            tick: 4,
        });
        let (t, lv) = l.banner(52, "http://b:1").unwrap();
        assert_eq!(lv, Level::Error);
        assert_eq!(
            t,
            "ZooKeeper unreachable for 12 s (connection lost); still using leader b:1"
        );
        l.outage = Some((
            OutageKind::Unreachable,
            Since {
                what: "connection refused".into(),
                tick: 40,
            },
        ));
        assert!(
            l.banner(52, "http://b:1")
                .unwrap()
                .0
                .starts_with("b:1 unreachable for 3 s: connection refused")
        );
        l.zk_no_leader = Some(Since {
            what: "no scheduler registered under /aurora/scheduler".into(),
            tick: 0,
        });
        assert!(
            l.banner(48, "http://b:1")
                .unwrap()
                .0
                .starts_with("no leader for 12 s: no scheduler registered")
        );
    }
}
