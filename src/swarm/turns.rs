//! A view joined from two list calls, listed one per refresh in turn, so that an idle console
//! costs the daemon one list call per visible view per refresh (issue 16). The half not listed
//! is shown as last listed: at most one refresh older than the other. A half older than
//! [`MAX_TURN_AGE`] (the view was left and opened again, or its refresh is slow) is never shown
//! again: both are listed, as on the first refresh. Pure; the reads are in `reads.rs`.

use std::time::{Duration, Instant};

/// How old a kept half may be and still be shown beside a fresh one. Above the default refresh
/// (5 s) with room for a slow Engine; a refresh interval longer than this lists both halves.
pub const MAX_TURN_AGE: Duration = Duration::from_secs(30);

/// What a refresh lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub a: bool,
    pub b: bool,
}

#[derive(Debug)]
pub struct Turns<A, B> {
    a: Option<(A, Instant)>,
    b: Option<(B, Instant)>,
    /// Which half the next refresh lists when both are kept and fresh enough.
    b_next: bool,
}

impl<A, B> Default for Turns<A, B> {
    fn default() -> Self {
        Turns {
            a: None,
            b: None,
            b_next: false,
        }
    }
}

impl<A, B> Turns<A, B> {
    /// What the refresh at `now` lists: one half in turn, or both when a kept half is missing
    /// or too old.
    pub fn plan(&self, now: Instant) -> Plan {
        let usable = |at: Option<Instant>| {
            at.is_some_and(|at| now.saturating_duration_since(at) <= MAX_TURN_AGE)
        };
        let (a_ok, b_ok) = (
            usable(self.a.as_ref().map(|x| x.1)),
            usable(self.b.as_ref().map(|x| x.1)),
        );
        if a_ok && b_ok {
            Plan {
                a: !self.b_next,
                b: self.b_next,
            }
        } else {
            Plan {
                a: !a_ok || !self.b_next,
                b: !b_ok || self.b_next,
            }
        }
    }

    /// Keeps what a refresh listed and turns to the other half (after both: `a` next).
    pub fn listed(&mut self, a: Option<A>, b: Option<B>, now: Instant) {
        self.b_next = a.is_some() && b.is_none();
        if let Some(a) = a {
            self.a = Some((a, now));
        }
        if let Some(b) = b {
            self.b = Some((b, now));
        }
    }

    /// The next refresh lists `a` (the half the operator just changed).
    pub fn a_next(&mut self) {
        self.b_next = false;
    }

    pub fn a(&self) -> Option<&A> {
        self.a.as_ref().map(|x| &x.0)
    }

    pub fn b(&self) -> Option<&B> {
        self.b.as_ref().map(|x| &x.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Plan = Plan { a: true, b: true };
    const A: Plan = Plan { a: true, b: false };
    const B: Plan = Plan { a: false, b: true };

    #[test]
    fn halves_are_listed_in_turn_and_a_stale_half_is_listed_again() {
        let t0 = Instant::now();
        let mut t: Turns<u32, u32> = Turns::default();
        assert_eq!(t.plan(t0), BOTH);
        t.listed(Some(1), Some(10), t0);
        let s = Duration::from_secs(5);
        assert_eq!(t.plan(t0 + s), A);
        t.listed(Some(2), None, t0 + s);
        assert_eq!((t.a(), t.b()), (Some(&2), Some(&10)));
        assert_eq!(t.plan(t0 + 2 * s), B);
        t.listed(None, Some(20), t0 + 2 * s);
        assert_eq!(t.plan(t0 + 3 * s), A);
        t.a_next();
        assert_eq!(t.plan(t0 + 3 * s), A);
        // Back on the view a minute later: neither kept half is shown.
        assert_eq!(t.plan(t0 + Duration::from_secs(70)), BOTH);
        // Only `a` too old: listed, with `b` if it is `b`'s turn.
        t.listed(None, Some(30), t0 + Duration::from_secs(40));
        assert_eq!(t.plan(t0 + Duration::from_secs(41)), A);
    }
}
