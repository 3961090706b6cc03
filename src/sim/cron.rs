//! Cron runs: fire every cron job whose next run time the simulated clock has passed, with its
//! collision policy. The expressions themselves are parsed in `crontab.rs`.

use super::state::{JobIdx, State};
use crate::aurora::model::CronCollisionPolicy;

impl State {
    /// Fires every cron job whose next run time the clock has passed.
    pub fn run_crons(&mut self) {
        let now = self.now;
        let due: Vec<JobIdx> = self
            .cron_jobs
            .iter()
            .copied()
            .filter(|&j| {
                self.jobs[j as usize]
                    .cron
                    .as_ref()
                    .is_some_and(|c| c.run_waiting || c.next_run_ms.is_some_and(|n| n <= now))
            })
            .collect();
        for j in due {
            self.fire_cron(j, false);
        }
    }

    /// One cron run (scheduled, or `startCronJob` when `manual`), honouring the collision policy.
    pub fn fire_cron(&mut self, j: JobIdx, manual: bool) {
        let now = self.now;
        let Some(cron) = self.jobs[j as usize].cron.as_mut() else {
            return;
        };
        if !manual && cron.next_run_ms.is_some_and(|n| n <= now) {
            cron.next_run_ms = cron.expr.next_after(now);
        } else if !manual && !cron.run_waiting {
            return;
        }
        let policy = cron.policy;
        let count = cron.instance_count;
        let config = cron.config.clone();
        let was_waiting = cron.run_waiting;
        let active: Vec<_> = self.jobs[j as usize].active.values().copied().collect();
        if !active.is_empty() {
            if policy == CronCollisionPolicy::KILL_EXISTING {
                if !was_waiting {
                    for t in active {
                        // AuroraCronJob.KILL_AUDIT_MESSAGE.
                        self.kill_task(t, "Killed by cronScheduler".to_owned());
                    }
                }
                let waiting = !self.jobs[j as usize].active.is_empty();
                if let Some(c) = self.jobs[j as usize].cron.as_mut() {
                    c.run_waiting = waiting;
                }
                if waiting {
                    return;
                }
            } else {
                // CANCEL_NEW (and the deprecated RUN_OVERLAP, treated the same way).
                if let Some(c) = self.jobs[j as usize].cron.as_mut() {
                    c.run_waiting = false;
                }
                return;
            }
        }
        if let Some(c) = self.jobs[j as usize].cron.as_mut() {
            c.run_waiting = false;
        }
        for i in 0..count {
            self.create_task(j, i, config.clone(), None, 0, 0);
        }
    }
}
