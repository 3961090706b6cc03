//! The roles view (`:roles`, the first screen): every role with its job counts.

use super::cells::{n, t};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, Table};
use crate::aurora::model::*;

pub fn roles_table() -> Table {
    Table::new(vec![
        Column::new("ROLE", 0),
        Column::right("JOBS", 6),
        Column::right("CRON", 6),
    ])
}

pub fn role_rows(roles: &[RoleSummary]) -> Vec<Row> {
    roles
        .iter()
        .map(|r| {
            let role = r.role.clone().unwrap_or_default();
            Row::new(
                role.clone(),
                vec![
                    role.clone(),
                    r.job_count.unwrap_or(0).to_string(),
                    r.cron_job_count.unwrap_or(0).to_string(),
                ],
                vec![t(&role), n(r.job_count), n(r.cron_job_count)],
            )
            .target(Nav::Jobs(Some(role)))
        })
        .collect()
}
