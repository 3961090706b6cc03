//! Detail views: one task, one update (the rollout screen), a job's config groups, a role's quota.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint as Size, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Link;
use crate::app::State;
use crate::app::resource::{Data, PendingScope, ResourceKey};
use crate::app::rows::{age, status_style, update_style};
use crate::app::{Freshness, Screen};
use crate::aurora::model::*;
use crate::diff::{DiffLine, diff_lines};
use crate::get::time;
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) -> Vec<Link> {
    let mut links = Vec::new();
    let (lines, scroll) = match state.top() {
        Screen::Task { id, scroll } => (task_lines(state, theme, id, area, &mut links), *scroll),
        Screen::Update { key, scroll } => (update_lines(state, theme, key, area.width), *scroll),
        Screen::Config { job, scroll } => (config_lines(state, theme, job), *scroll),
        Screen::Quota { role } => {
            draw_quota(state, theme, role, frame, area);
            return links;
        }
        _ => return links,
    };
    let lines = match lines {
        Some(l) => l,
        None => vec![Line::from(Span::styled(
            loading_text(state),
            theme.get("text.muted"),
        ))],
    };
    let max = lines.len().saturating_sub(area.height as usize / 2);
    let scroll = scroll.min(max);
    // Links were placed assuming no scroll; shift them and drop the ones scrolled away.
    links.retain_mut(|l| {
        let y = l.y as usize;
        if y < area.y as usize + scroll {
            return false;
        }
        l.y = (y - scroll) as u16;
        l.y < area.y + area.height
    });
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    links
}

fn loading_text(state: &State) -> String {
    match state.freshness() {
        Freshness::Failed { error, .. } => format!(" could not load: {error}"),
        _ => " loading…".into(),
    }
}

fn kv<'a>(theme: &Theme, k: &str, v: impl Into<String>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {k:<16}"), theme.get("text.key")),
        Span::styled(v.into(), theme.get("text.value")),
    ])
}

fn heading<'a>(theme: &Theme, s: &str) -> Line<'a> {
    Line::from(Span::styled(format!(" {s}"), theme.get("text.heading")))
}

fn resources_text(c: &TaskConfig) -> String {
    let t = c.totals();
    let mut s = format!(
        "{} CPU · {} MiB RAM · {} MiB disk",
        t.cpus, t.ram_mb, t.disk_mb
    );
    if t.gpus > 0 {
        s.push_str(&format!(" · {} GPU", t.gpus));
    }
    s
}

fn constraint_text(c: &Constraint) -> String {
    let name = c.name.as_deref().unwrap_or("?");
    match &c.constraint {
        Some(TaskConstraint::Value(v)) => format!(
            "{name} {} {}",
            if v.negated == Some(true) {
                "not in"
            } else {
                "in"
            },
            v.values
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(",")
        ),
        Some(TaskConstraint::Limit(l)) => format!("{name} limit {}", l.limit.unwrap_or(0)),
        _ => name.to_owned(),
    }
}

fn task_lines<'a>(
    state: &State,
    theme: &Theme,
    id: &str,
    area: Rect,
    links: &mut Vec<Link>,
) -> Option<Vec<Line<'a>>> {
    let Some(Data::Task(task)) = state.data(&ResourceKey::Task(id.to_owned())) else {
        return None;
    };
    let Some(task) = task else {
        return Some(vec![Line::from(Span::styled(
            format!(" no task {id} (it may have been pruned from history)"),
            theme.get("status.failed"),
        ))]);
    };
    let a = task.assigned_task.clone().unwrap_or_default();
    let cfg = task.config().cloned().unwrap_or_default();
    let status = task.status();
    let mut lines = vec![
        kv(theme, "task id", id),
        kv(
            theme,
            "job",
            task.job().map(|j| j.to_string()).unwrap_or_default(),
        ),
        kv(theme, "instance", task.instance_id().to_string()),
        Line::from(vec![
            Span::styled(format!(" {:<16}", "status"), theme.get("text.key")),
            Span::styled(status.to_string(), theme.get(status_style(status))),
            Span::styled(
                format!(
                    "  for {}",
                    age(state.now, task.latest_event().and_then(|e| e.timestamp))
                ),
                theme.get("text.muted"),
            ),
        ]),
    ];
    if status == ScheduleStatus::PENDING
        && let Some(Data::PendingReasons(r)) = state.data(&ResourceKey::PendingReasons(
            PendingScope::Task(id.to_owned()),
        ))
    {
        let reason = r
            .iter()
            .find(|r| r.task_id.as_deref() == Some(id))
            .and_then(|r| r.reason.clone())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "no offer evaluated yet".into());
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<16}", "pending reason"), theme.get("text.key")),
            Span::styled(reason, theme.get("status.pending")),
        ]));
    }
    let host = a.slave_host.clone().unwrap_or_default();
    lines.push(kv(theme, "host", host.clone()));
    lines.push(kv(theme, "agent", a.slave_id.clone().unwrap_or_default()));
    lines.push(kv(
        theme,
        "ports",
        a.assigned_ports
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
    ));
    lines.push(kv(theme, "resources", resources_text(&cfg)));
    lines.push(kv(
        theme,
        "tier",
        format!(
            "{}{}",
            cfg.tier.clone().unwrap_or_default(),
            if cfg.production == Some(true) {
                " (production)"
            } else {
                ""
            }
        ),
    ));
    lines.push(kv(
        theme,
        "constraints",
        cfg.constraints
            .iter()
            .flatten()
            .map(constraint_text)
            .collect::<Vec<_>>()
            .join("; "),
    ));
    lines.push(kv(
        theme,
        "metadata",
        cfg.metadata
            .iter()
            .flatten()
            .map(|m| {
                format!(
                    "{}={}",
                    m.key.as_deref().unwrap_or(""),
                    m.value.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
    ));
    lines.push(kv(
        theme,
        "failures",
        task.failure_count.unwrap_or(0).to_string(),
    ));
    lines.push(kv(
        theme,
        "ancestor",
        task.ancestor_id.clone().unwrap_or_else(|| "-".into()),
    ));
    if !host.is_empty() {
        let url = crate::config::observer_link(&state.observer_url, &host, id);
        // Position of the URL text: label column is 17 cells wide.
        links.push(Link {
            x: area.x + 17,
            y: area.y + lines.len() as u16,
            text: url.clone(),
            url: url.clone(),
        });
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<16}", "sandbox"), theme.get("text.key")),
            Span::styled(url, theme.get("ui.link")),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(heading(theme, "TIMELINE"));
    for e in task.events() {
        let st = e.status.unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!(" {}  ", time(e.timestamp)), theme.get("text.muted")),
            Span::styled(
                format!("{:<11}", st.to_string()),
                theme.get(status_style(st)),
            ),
            Span::styled(
                e.message.clone().unwrap_or_default().replace('\n', " ⏎ "),
                theme.get("text"),
            ),
            Span::styled(
                e.scheduler
                    .as_deref()
                    .map(|s| format!("  @{s}"))
                    .unwrap_or_default(),
                theme.get("text.muted"),
            ),
        ]));
    }
    Some(lines)
}

fn instance_style(a: Option<JobUpdateAction>, removed: bool) -> &'static str {
    match a {
        None => "instance.pending",
        Some(JobUpdateAction::INSTANCE_UPDATED) if removed => "instance.removed",
        Some(JobUpdateAction::INSTANCE_UPDATED) => "instance.updated",
        Some(JobUpdateAction::INSTANCE_UPDATING) => "instance.updating",
        Some(JobUpdateAction::INSTANCE_ROLLING_BACK) => "instance.rolling_back",
        Some(JobUpdateAction::INSTANCE_ROLLED_BACK) => "instance.rolled_back",
        Some(_) => "instance.failed",
    }
}

/// A config's lines for a diff: sets in canonical order, the executor's config shown as JSON.
fn config_json(c: &TaskConfig) -> Vec<String> {
    crate::app::config_json::diff_lines_of(c)
}

fn diff_view<'a>(theme: &Theme, old: &TaskConfig, new: &TaskConfig, out: &mut Vec<Line<'a>>) {
    let diff = diff_lines(&config_json(old), &config_json(new), 2);
    render_diff(theme, &diff, out);
}

/// Diff lines in the theme's diff colours; "(identical)" when there is no change.
pub(super) fn render_diff<'a>(theme: &Theme, diff: &[DiffLine], out: &mut Vec<Line<'a>>) {
    if diff.is_empty() {
        out.push(Line::from(Span::styled(
            "   (identical)",
            theme.get("text.muted"),
        )));
    }
    for d in diff {
        out.push(match d {
            DiffLine::Same(s) => {
                Line::from(Span::styled(format!("   {s}"), theme.get("diff.context")))
            }
            DiffLine::Removed(s) => {
                Line::from(Span::styled(format!(" - {s}"), theme.get("diff.removed")))
            }
            DiffLine::Added(s) => {
                Line::from(Span::styled(format!(" + {s}"), theme.get("diff.added")))
            }
            DiffLine::Gap(n) => Line::from(Span::styled(
                format!("   … {n} unchanged lines"),
                theme.get("text.muted"),
            )),
        });
    }
}

fn update_lines<'a>(state: &State, theme: &Theme, key: &str, width: u16) -> Option<Vec<Line<'a>>> {
    let Some(Data::UpdateDetails(d)) = state.data(&ResourceKey::UpdateDetails(key.to_owned()))
    else {
        return None;
    };
    let Some(d) = d else {
        return Some(vec![Line::from(Span::styled(
            format!(" no update {key}"),
            theme.get("status.failed"),
        ))]);
    };
    let u = d.update.clone().unwrap_or_default();
    let summary = u.summary.clone().unwrap_or_default();
    let st = summary.state.clone().unwrap_or_default();
    let status = st.status.unwrap_or_default();
    let instr = u.instructions.clone().unwrap_or_default();
    let settings = instr.settings.clone().unwrap_or_default();
    let states = d.instance_states();
    let desired: BTreeSet<i32> = instr
        .desired_state
        .iter()
        .flat_map(|g| g.instances.iter().flatten().flat_map(Range::ids))
        .collect();
    let (done, total) = d.progress();
    let failed = states
        .values()
        .filter(|a| matches!(a, Some(x) if *x == JobUpdateAction::INSTANCE_UPDATE_FAILED || *x == JobUpdateAction::INSTANCE_ROLLBACK_FAILED))
        .count();
    let mut lines = Vec::new();
    if let Some(h) = state.hold.as_ref().filter(|h| h.key == key) {
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    " HOLDING · pulsing every {}s while this screen is open ",
                    h.every_ms / 1000
                ),
                theme.get("update.hold"),
            ),
            Span::styled(
                format!(
                    "  last: {}  (h releases)",
                    h.last_result.as_deref().unwrap_or(if h.in_flight {
                        "sending…"
                    } else {
                        "-"
                    })
                ),
                theme.get("text.value"),
            ),
        ]));
    }
    lines.extend([
        Line::from(vec![
            Span::styled(format!(" {:<16}", "status"), theme.get("text.key")),
            Span::styled(status.to_string(), theme.get(update_style(status))),
            Span::styled(
                format!(
                    "  by {} · started {} ago · changed {} ago",
                    summary.user.clone().unwrap_or_default(),
                    age(state.now, st.created_timestamp_ms),
                    age(state.now, st.last_modified_timestamp_ms)
                ),
                theme.get("text.muted"),
            ),
        ]),
        kv(
            theme,
            "job",
            summary
                .key
                .as_ref()
                .and_then(|k| k.job.as_ref())
                .map(|j| j.to_string())
                .unwrap_or_default(),
        ),
        kv(
            theme,
            "update id",
            summary
                .key
                .as_ref()
                .and_then(|k| k.id.clone())
                .unwrap_or_default(),
        ),
    ]);
    // Progress bar as text so it scrolls with the page.
    let bar_w = (width as usize).saturating_sub(40).clamp(10, 60);
    let filled = (done * bar_w).checked_div(total).unwrap_or(0);
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<16}", "progress"), theme.get("text.key")),
        Span::styled("█".repeat(filled), theme.get("instance.updated")),
        Span::styled("░".repeat(bar_w - filled), theme.get("instance.pending")),
        Span::styled(format!(" {done}/{total} updated"), theme.get("text.value")),
    ]));
    let max_failed = settings.max_failed_instances.unwrap_or(0);
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<16}", "failures"), theme.get("text.key")),
        Span::styled(
            format!(
                "{failed} failed instance(s), limit {max_failed} (and {} per instance)",
                settings.max_per_instance_failures.unwrap_or(0)
            ),
            if failed as i32 > max_failed {
                theme.get("status.failed")
            } else {
                theme.get("text.value")
            },
        ),
    ]));
    if let Some(eta) = estimate(d, done, total, state.now).filter(|_| {
        // A pace means nothing while the update is paused or blocked on a pulse.
        status == JobUpdateStatus::ROLLING_FORWARD || status == JobUpdateStatus::ROLLING_BACK
    }) {
        lines.push(kv(theme, "estimate", eta));
    }
    let strategy = settings.strategy_text();
    lines.push(kv(theme, "strategy", strategy));
    lines.push(kv(
        theme,
        "watch",
        format!(
            "{}s in RUNNING · rollback on failure: {}",
            settings.min_wait_in_instance_running_ms.unwrap_or(0) / 1000,
            if settings.rollback_on_failure == Some(true) {
                "yes"
            } else {
                "no"
            }
        ),
    ));
    if let Some(p) = settings.block_if_no_pulses_after_ms.filter(|p| *p > 0) {
        lines.push(kv(
            theme,
            "pulse interval",
            format!("{}s (blocks without a pulse)", p / 1000),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(heading(theme, "INSTANCES"));
    let per_line = ((width as usize).saturating_sub(2) / 5).max(1);
    let cells: Vec<Span> = states
        .iter()
        .map(|(i, a)| {
            let removed = !desired.contains(i);
            Span::styled(format!("{i:>4} "), theme.get(instance_style(*a, removed)))
        })
        .collect();
    for chunk in cells.chunks(per_line) {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(chunk.iter().cloned());
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled("pending ", theme.get("instance.pending")),
        Span::styled("updating ", theme.get("instance.updating")),
        Span::styled("updated ", theme.get("instance.updated")),
        Span::styled("failed ", theme.get("instance.failed")),
        Span::styled("rolling back ", theme.get("instance.rolling_back")),
        Span::styled("rolled back ", theme.get("instance.rolled_back")),
        Span::styled("removed", theme.get("instance.removed")),
    ]));
    lines.push(Line::raw(""));
    lines.push(heading(theme, "EVENTS"));
    for e in d.update_events.iter().flatten() {
        let s = e.status.unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {}  ", time(e.timestamp_ms)),
                theme.get("text.muted"),
            ),
            Span::styled(format!("{:<28}", s.to_string()), theme.get(update_style(s))),
            Span::styled(e.user.clone().unwrap_or_default(), theme.get("text.key")),
            Span::styled(
                e.message
                    .as_deref()
                    .map(|m| format!("  {m}"))
                    .unwrap_or_default(),
                theme.get("text"),
            ),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(heading(theme, "CONFIG CHANGE (initial → desired)"));
    match (
        instr.initial_state.as_ref().and_then(|v| v.first()),
        &instr.desired_state,
    ) {
        (Some(old), Some(new)) => diff_view(
            theme,
            old.task.as_ref().unwrap_or(&TaskConfig::default()),
            new.task.as_ref().unwrap_or(&TaskConfig::default()),
            &mut lines,
        ),
        (None, Some(_)) => lines.push(Line::from(Span::styled(
            "   new instances only",
            theme.get("text.muted"),
        ))),
        (Some(_), None) => lines.push(Line::from(Span::styled(
            "   removes instances only",
            theme.get("text.muted"),
        ))),
        (None, None) => {}
    }
    Some(lines)
}

/// Time to finish at the pace seen so far: instances updated per minute since the first event.
fn estimate(d: &JobUpdateDetails, done: usize, total: usize, now: i64) -> Option<String> {
    let first = d
        .instance_events
        .iter()
        .flatten()
        .filter_map(|e| e.timestamp_ms)
        .min()?;
    if done == 0 || now <= first {
        return None;
    }
    let per_ms = done as f64 / (now - first) as f64;
    let left_ms = (total - done) as f64 / per_ms;
    Some(format!(
        "about {} left at the current pace",
        age(left_ms as i64, Some(0))
    ))
}

fn config_lines<'a>(state: &State, theme: &Theme, job: &str) -> Option<Vec<Line<'a>>> {
    let Some(Data::Config(summary)) = state.data(&ResourceKey::Config(job.to_owned())) else {
        return None;
    };
    let groups = summary.groups.clone().unwrap_or_default();
    let mut lines = vec![
        kv(theme, "job", job),
        kv(theme, "config groups", groups.len().to_string()),
    ];
    for (i, g) in groups.iter().enumerate() {
        let c = g.config.clone().unwrap_or_default();
        lines.push(Line::raw(""));
        lines.push(heading(
            theme,
            &format!(
                "GROUP {} · instances {}",
                i + 1,
                format_ranges(g.instances.as_deref().unwrap_or(&[]))
            ),
        ));
        lines.push(kv(theme, "resources", resources_text(&c)));
        lines.push(kv(theme, "tier", c.tier.clone().unwrap_or_default()));
        lines.push(kv(
            theme,
            "contact",
            c.contact_email.clone().unwrap_or_default(),
        ));
        lines.push(kv(
            theme,
            "constraints",
            c.constraints
                .iter()
                .flatten()
                .map(constraint_text)
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    if groups.len() > 1 {
        lines.push(Line::raw(""));
        lines.push(heading(theme, "DIFF group 1 → group 2"));
        diff_view(
            theme,
            groups[0].config.as_ref().unwrap_or(&TaskConfig::default()),
            groups[1].config.as_ref().unwrap_or(&TaskConfig::default()),
            &mut lines,
        );
    }
    Some(lines)
}

fn draw_quota(state: &State, theme: &Theme, role: &str, frame: &mut Frame, area: Rect) {
    let Some(Data::Quota(q)) = state.data(&ResourceKey::Quota(role.to_owned())) else {
        frame.render_widget(
            Paragraph::new(loading_text(state)).style(theme.get("text.muted")),
            area,
        );
        return;
    };
    let quota = q
        .quota
        .as_ref()
        .map(ResourceAggregate::totals)
        .unwrap_or_default();
    let tot = |a: &Option<ResourceAggregate>| {
        a.as_ref()
            .map(ResourceAggregate::totals)
            .unwrap_or_default()
    };
    let (ps, nps, pd, npd) = (
        tot(&q.prod_shared_consumption),
        tot(&q.non_prod_shared_consumption),
        tot(&q.prod_dedicated_consumption),
        tot(&q.non_prod_dedicated_consumption),
    );
    let rows: [(&str, f64, f64, f64, &str); 4] = [
        ("CPU", quota.cpus, ps.cpus, nps.cpus, "cores"),
        (
            "RAM",
            quota.ram_mb as f64,
            ps.ram_mb as f64,
            nps.ram_mb as f64,
            "MiB",
        ),
        (
            "Disk",
            quota.disk_mb as f64,
            ps.disk_mb as f64,
            nps.disk_mb as f64,
            "MiB",
        ),
        (
            "GPU",
            quota.gpus as f64,
            ps.gpus as f64,
            nps.gpus as f64,
            "",
        ),
    ];
    let mut constraints = vec![Size::Length(2)];
    constraints.extend(rows.iter().map(|_| Size::Length(3)));
    constraints.push(Size::Min(1));
    let areas = Layout::vertical(constraints).split(area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" quota of {role}"), theme.get("text.heading")),
            Span::styled(
                "   production use counts against quota; non-production is shown for reference",
                theme.get("text.muted"),
            ),
        ])),
        areas[0],
    );
    for (i, (name, limit, prod, nonprod, unit)) in rows.iter().enumerate() {
        let ratio = if *limit > 0.0 {
            (prod / limit).clamp(0.0, 1.0)
        } else if *prod > 0.0 {
            1.0
        } else {
            0.0
        };
        let style = if ratio >= 0.95 {
            theme.get("gauge.full")
        } else if ratio >= 0.8 {
            theme.get("gauge.warn")
        } else {
            theme.get("gauge.ok")
        };
        let label = format!(
            "{name}: prod {} / {} {unit} ({:.0}%) · non-prod {} {unit} · dedicated prod {} non-prod {}",
            fmt_num(*prod),
            fmt_num(*limit),
            ratio * 100.0,
            fmt_num(*nonprod),
            fmt_num([pd.cpus, pd.ram_mb as f64, pd.disk_mb as f64, pd.gpus as f64][i]),
            fmt_num(
                [
                    npd.cpus,
                    npd.ram_mb as f64,
                    npd.disk_mb as f64,
                    npd.gpus as f64
                ][i]
            ),
        );
        let [text, bar, _] = Layout::vertical([Size::Length(1), Size::Length(1), Size::Length(1)])
            .areas(areas[i + 1]);
        frame.render_widget(
            Paragraph::new(format!(" {label}"))
                .style(theme.get("text"))
                .wrap(Wrap { trim: false }),
            text,
        );
        let w = bar.width.saturating_sub(2) as usize;
        let filled = ((ratio * w as f64).round() as usize).min(w);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::raw(" "),
                Span::styled("█".repeat(filled), style),
                Span::styled("░".repeat(w - filled), theme.get("gauge.empty")),
            ])),
            bar,
        );
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}
