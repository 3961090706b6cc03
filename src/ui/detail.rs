//! Detail views: one task, one update (the rollout screen), a job's config groups, a role's quota.

use ratatui::Frame;
use ratatui::layout::{Constraint as Size, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Hyperlink;
use crate::app::State;
use crate::app::resource::{Data, PendingScope, ResourceKey};
use crate::app::rows::{status_style, update_style};
use crate::app::{Freshness, Screen};
use crate::aurora::model::*;
use crate::diff::{DiffLine, diff_lines};
use crate::domain::format::{age, number, time};
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) -> Vec<Hyperlink> {
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

pub(super) fn loading_text(state: &State) -> String {
    match state.freshness() {
        Freshness::Failed { error, .. } => format!(" could not load: {error}"),
        _ => " loading…".into(),
    }
}

pub(super) fn kv<'a>(theme: &Theme, k: &str, v: impl Into<String>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {k:<16}"), theme.get("text.key")),
        Span::styled(v.into(), theme.get("text.value")),
    ])
}

pub(super) fn heading<'a>(theme: &Theme, s: &str) -> Line<'a> {
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
    links: &mut Vec<Hyperlink>,
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
        links.push(Hyperlink {
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

/// Each instance state's glyph and legend word, so the grid reads without colour (the mono
/// theme, colour-blind eyes, a screenshot in a ticket). One glyph per state of `instance_style`.
pub(super) const INSTANCE_GLYPHS: &[(&str, char, &str)] = &[
    ("instance.pending", '·', "pending"),
    ("instance.updating", '▸', "updating"),
    ("instance.updated", '✓', "updated"),
    ("instance.failed", '✗', "failed"),
    ("instance.rolling_back", '◂', "rolling back"),
    ("instance.rolled_back", '↩', "rolled back"),
    ("instance.removed", '−', "removed"),
];

pub(super) fn instance_glyph(style: &str) -> char {
    INSTANCE_GLYPHS
        .iter()
        .find(|(s, _, _)| *s == style)
        .map(|(_, g, _)| *g)
        .unwrap_or('?')
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
    // A rollback counts what it has put back, out of what the update had touched; counting
    // "updated" instances would run backwards while it works.
    let rollback = d.is_rollback();
    let (done, total) = if rollback {
        d.rollback_progress()
    } else {
        d.progress()
    };
    let failed = states.count(&[
        JobUpdateAction::INSTANCE_UPDATE_FAILED,
        JobUpdateAction::INSTANCE_ROLLBACK_FAILED,
    ]);
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
        Span::styled(
            "█".repeat(filled),
            theme.get(if rollback {
                "instance.rolled_back"
            } else {
                "instance.updated"
            }),
        ),
        Span::styled("░".repeat(bar_w - filled), theme.get("instance.pending")),
        Span::styled(
            if rollback {
                format!(" rolled back {done}/{total}")
            } else {
                format!(" {done}/{total} updated")
            },
            theme.get("text.value"),
        ),
    ]));
    let touched = states.len();
    if touched > MAX_INSTANCE_CELLS as u64 {
        // Too many to draw one by one (below, only the first are): name them as ranges here.
        lines.push(kv(
            theme,
            "instances",
            format!("{} ({touched})", format_ranges(&states.ranges)),
        ));
    }
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
    if let Some(eta) = estimate(d, rollback, done, total, state.now).filter(|_| {
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
    let per_line = ((width as usize).saturating_sub(2) / 6).max(1);
    // One cell per instance, for as many as a real job has; beyond that the ranges are shown
    // as ranges (a scheduler may name two billion instances in one 15-byte range).
    let cells: Vec<Span> = states
        .iter()
        .take(MAX_INSTANCE_CELLS)
        .map(|(i, a)| {
            let style = instance_style(a, !states.is_desired(i));
            Span::styled(
                format!("{i:>4}{} ", instance_glyph(style)),
                theme.get(style),
            )
        })
        .collect();
    for chunk in cells.chunks(per_line) {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(chunk.iter().cloned());
        lines.push(Line::from(spans));
    }
    if touched > MAX_INSTANCE_CELLS as u64 {
        lines.push(Line::from(Span::styled(
            format!(
                " … {} more; all {touched} instances: {}",
                touched - MAX_INSTANCE_CELLS as u64,
                format_ranges(&states.ranges)
            ),
            theme.get("text.muted"),
        )));
    }
    let mut legend = vec![Span::raw(" ")];
    legend.extend(
        INSTANCE_GLYPHS
            .iter()
            .map(|(style, glyph, word)| Span::styled(format!("{glyph} {word} "), theme.get(style))),
    );
    lines.push(Line::from(legend));
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
    instance_event_lines(theme, d, &mut lines);
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

/// The most instances drawn one cell each in an update's view (Aurora's default limit on a
/// job's instances is 4000).
const MAX_INSTANCE_CELLS: usize = 10_000;

/// At most this many instance events are listed; the rest are counted.
const INSTANCE_EVENTS_SHOWN: usize = 50;

/// What happened to each instance (INSTANCE_UPDATING, UPDATED, ROLLING_BACK, …), newest first,
/// as Aurora's own UI lists them per instance.
fn instance_event_lines<'a>(theme: &Theme, d: &JobUpdateDetails, out: &mut Vec<Line<'a>>) {
    let mut events: Vec<&JobInstanceUpdateEvent> = d.instance_events.iter().flatten().collect();
    // Newest first; events of the same moment keep their order, reversed, so a later action
    // of the same instance still comes first.
    events.reverse();
    events.sort_by_key(|e| std::cmp::Reverse(e.timestamp_ms));
    out.push(Line::raw(""));
    out.push(heading(theme, "INSTANCE EVENTS (newest first)"));
    if events.is_empty() {
        out.push(Line::from(Span::styled(
            "   none yet",
            theme.get("text.muted"),
        )));
    }
    for e in events.iter().take(INSTANCE_EVENTS_SHOWN) {
        let action = e.action;
        out.push(Line::from(vec![
            Span::styled(
                format!(" {}  ", time(e.timestamp_ms)),
                theme.get("text.muted"),
            ),
            Span::styled(
                format!("instance {:<5} ", e.instance_id.unwrap_or(-1)),
                theme.get("text.key"),
            ),
            Span::styled(
                format!(
                    "{:<26}",
                    action.map(|a| a.to_string()).unwrap_or_else(|| "?".into())
                ),
                theme.get(instance_style(action, false)),
            ),
            Span::styled(
                e.message
                    .as_deref()
                    .map(|m| format!("  {}", m.replace('\n', " ")))
                    .unwrap_or_default(),
                theme.get("text"),
            ),
        ]));
    }
    if events.len() > INSTANCE_EVENTS_SHOWN {
        out.push(Line::from(Span::styled(
            format!(
                "   … {} older instance events",
                events.len() - INSTANCE_EVENTS_SHOWN
            ),
            theme.get("text.muted"),
        )));
    }
}

/// Time to finish at the pace seen so far: instances done per minute since the work began —
/// the first instance event going forward, the start of the rollback going back (the forward
/// pace says nothing about how fast a rollback goes, and its count of updated instances falls).
fn estimate(
    d: &JobUpdateDetails,
    rollback: bool,
    done: usize,
    total: usize,
    now: i64,
) -> Option<String> {
    let first = if rollback {
        d.rollback_started_ms()?
    } else {
        d.instance_events
            .iter()
            .flatten()
            .filter_map(|e| e.timestamp_ms)
            .min()?
    };
    if done == 0 || now <= first || done > total {
        return None;
    }
    let per_ms = done as f64 / (now - first) as f64;
    let left_ms = (total - done) as f64 / per_ms;
    Some(format!(
        "about {} left {}at the current pace",
        age(left_ms as i64, Some(0)),
        if rollback { "to roll back " } else { "" }
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
            number(*prod),
            number(*limit),
            ratio * 100.0,
            number(*nonprod),
            number([pd.cpus, pd.ram_mb as f64, pd.disk_mb as f64, pd.gpus as f64][i]),
            number(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(instance: i32, at_s: i64, action: JobUpdateAction) -> JobInstanceUpdateEvent {
        JobInstanceUpdateEvent {
            instance_id: Some(instance),
            timestamp_ms: Some(at_s * 1000),
            action: Some(action),
            message: None,
        }
    }

    /// Ten instances updated over ten minutes, then a rollback from minute 10: by minute 12,
    /// four of the ten are rolled back.
    fn rolling_back() -> JobUpdateDetails {
        let mut events = Vec::new();
        for i in 0..10 {
            events.push(ev(i, i as i64 * 60, JobUpdateAction::INSTANCE_UPDATING));
            events.push(ev(i, i as i64 * 60 + 50, JobUpdateAction::INSTANCE_UPDATED));
        }
        for i in 0..4 {
            events.push(ev(
                9 - i,
                600 + i as i64 * 30,
                JobUpdateAction::INSTANCE_ROLLING_BACK,
            ));
            events.push(ev(
                9 - i,
                600 + i as i64 * 30 + 20,
                JobUpdateAction::INSTANCE_ROLLED_BACK,
            ));
        }
        let all = Range {
            first: Some(0),
            last: Some(29),
        };
        JobUpdateDetails {
            update: Some(JobUpdate {
                summary: Some(JobUpdateSummary {
                    state: Some(JobUpdateState {
                        status: Some(JobUpdateStatus::ROLLING_BACK),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                instructions: Some(JobUpdateInstructions {
                    desired_state: Some(InstanceTaskConfig {
                        instances: Some(vec![all]),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            }),
            update_events: Some(vec![JobUpdateEvent {
                status: Some(JobUpdateStatus::ROLLING_BACK),
                timestamp_ms: Some(600_000),
                ..Default::default()
            }]),
            instance_events: Some(events),
        }
    }

    #[test]
    fn a_rollback_is_counted_and_paced_on_its_own() {
        let d = rolling_back();
        assert!(d.is_rollback());
        assert_eq!(d.rollback_progress(), (4, 10));
        // Forward progress counts 6 of 30 updated: the old screen's count, falling.
        assert_eq!(d.progress(), (6, 30));
        // 4 rolled back in 2 minutes: 6 left take 3 minutes.
        assert_eq!(
            estimate(&d, true, 4, 10, 720_000).as_deref(),
            Some("about 3m left to roll back at the current pace")
        );
        // Nothing rolled back yet: no pace, no estimate.
        assert_eq!(estimate(&d, true, 0, 10, 720_000), None);
    }

    #[test]
    fn a_forward_update_is_not_a_rollback() {
        let mut d = rolling_back();
        d.instance_events
            .as_mut()
            .unwrap()
            .retain(|e| !e.action.unwrap().is_rollback());
        d.update_events = None;
        if let Some(st) = d
            .update
            .as_mut()
            .and_then(|u| u.summary.as_mut())
            .and_then(|s| s.state.as_mut())
        {
            st.status = Some(JobUpdateStatus::ROLLING_FORWARD);
        }
        assert!(!d.is_rollback());
        assert_eq!(d.progress(), (10, 30));
        assert_eq!(
            estimate(&d, false, 10, 30, 600_000).as_deref(),
            Some("about 20m left at the current pace")
        );
    }
}
