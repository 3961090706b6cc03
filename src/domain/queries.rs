//! The task queries behind every read of tasks: one definition each, asked by the console's
//! polls and by `eos get` alike (they used to be built in both, and could drift).

use crate::aurora::model::{JobKey, ScheduleStatus, TaskQuery};

/// A job's tasks; only the active ones (`ScheduleStatus::ACTIVE`) when `active_only`.
pub fn job_query(key: &JobKey, active_only: bool) -> TaskQuery {
    TaskQuery {
        role: key.role.clone(),
        environment: key.environment.clone(),
        job_name: key.name.clone(),
        statuses: active_only.then(|| ScheduleStatus::ACTIVE.to_vec()),
        ..Default::default()
    }
}

/// A job's tasks by its `ROLE/ENV/NAME` text, or why that is not a job key.
pub fn job_query_text(job: &str, active_only: bool) -> Result<TaskQuery, String> {
    let key = JobKey::parse(job).ok_or_else(|| format!("bad job key {job:?}"))?;
    Ok(job_query(&key, active_only))
}

/// Every active task of the cluster (the hosts view joins them by host).
pub fn active_query() -> TaskQuery {
    TaskQuery {
        statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
        ..Default::default()
    }
}

/// The active tasks placed on one host.
pub fn host_query(host: &str) -> TaskQuery {
    TaskQuery {
        slave_hosts: Some(vec![host.to_owned()]),
        ..active_query()
    }
}

/// One task by id.
pub fn task_query(id: &str) -> TaskQuery {
    TaskQuery {
        task_ids: Some(vec![id.to_owned()]),
        ..Default::default()
    }
}

/// Tasks waiting to be placed: PENDING and THROTTLED, cluster-wide (triage).
pub fn stuck_query() -> TaskQuery {
    TaskQuery {
        statuses: Some(vec![ScheduleStatus::PENDING, ScheduleStatus::THROTTLED]),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_query_names_the_job_and_filters_only_when_asked() {
        let key = JobKey::parse("www/prod/hello").unwrap();
        let all = job_query(&key, false);
        assert_eq!(all.role.as_deref(), Some("www"));
        assert_eq!(all.environment.as_deref(), Some("prod"));
        assert_eq!(all.job_name.as_deref(), Some("hello"));
        assert_eq!(all.statuses, None);
        let active = job_query(&key, true);
        assert_eq!(active.statuses, Some(ScheduleStatus::ACTIVE.to_vec()));
        assert!(job_query_text("not-a-key", true).is_err());
    }

    #[test]
    fn a_host_query_asks_for_the_active_tasks_of_that_host() {
        let q = host_query("h1");
        assert_eq!(q.slave_hosts, Some(vec!["h1".to_owned()]));
        assert_eq!(q.statuses, active_query().statuses);
    }
}
