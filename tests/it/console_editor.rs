//! The update editor (`e` on a job): the reducer on synthetic data (open, edit, settings,
//! preview, confirm, exactly one startJobUpdate; Esc anywhere sends nothing and asks before
//! discarding edits; Cancel goes back to the preview; unsent edits offered again; refusals), and one
//! run end to end through the real client against the simulator.

use crate::reducer_common::{ch as key, ctrl, k as special, mutations};

use crossterm::event::KeyCode;
use eos::app::dialog::Dialog;
use eos::app::editor::{Field, Previewed, Step};
use eos::app::ops::Operation;
use eos::app::resource::{Data, ResourceKey};
use eos::app::{
    Action, Effect, Fetched, Level, Mutated, MutationOutcome, Nav, Screen, State, update,
};
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;
const JOB: &str = "www-data/prod/hello";

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(c));
    }
}

fn generation_of(fx: &[Effect], k: &ResourceKey) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::Fetch { key, generation } if key == k => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch of {k:?} in {fx:?}"))
}

fn reply(s: &mut State, fx: &[Effect], key: ResourceKey, result: Result<Data, String>) {
    let generation = generation_of(fx, &key);
    update(
        s,
        Action::Fetched(Box::new(Fetched {
            key,
            generation,
            at: s.now,
            latency_ms: 3,
            result,
            cluster: Some("test-cluster".into()),
        })),
    );
}

fn preview_request(fx: &[Effect]) -> Option<(u64, JobUpdateRequest)> {
    fx.iter().find_map(|e| match e {
        Effect::PreviewUpdate { id, request } => Some((*id, (**request).clone())),
        _ => None,
    })
}

fn job_key() -> JobKey {
    JobKey::parse(JOB).unwrap()
}

fn running_config() -> TaskConfig {
    TaskConfig {
        job: Some(job_key()),
        owner: Some(Identity {
            user: Some("www-data".into()),
        }),
        is_service: Some(true),
        production: Some(true),
        tier: Some("preferred".into()),
        priority: Some(0),
        max_task_failures: Some(1),
        resources: Some(vec![
            Resource::NumCpus(0.5),
            Resource::RamMb(128),
            Resource::DiskMb(256),
            Resource::NamedPort("http".into()),
        ]),
        metadata: Some(vec![Metadata {
            key: Some("team".into()),
            value: Some("blue".into()),
        }]),
        executor_config: Some(ExecutorConfig {
            name: Some(AURORA_EXECUTOR_NAME.into()),
            // Aurora's own spacing: kept byte for byte when not edited.
            data: Some(r#"{"task": {"name": "hello", "processes": [{"cmdline": "./serve --port {{thermos.ports[http]}}"}]}}"#.into()),
        }),
        ..Default::default()
    }
}

fn summary(cron: Option<&str>) -> JobSummary {
    JobSummary {
        job: Some(JobConfiguration {
            key: Some(job_key()),
            cron_schedule: cron.map(str::to_owned),
            task_config: Some(running_config()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn config_summary(groups: Vec<(TaskConfig, Vec<Range>)>) -> Data {
    Data::Config(Box::new(ConfigSummary {
        key: Some(job_key()),
        groups: Some(
            groups
                .into_iter()
                .map(|(c, r)| ConfigGroup {
                    config: Some(c),
                    instances: Some(r),
                })
                .collect(),
        ),
    }))
}

/// The jobs view of www-data with its jobs (and no updates) loaded.
fn jobs_view(cron: Option<&str>) -> State {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Open(Nav::Jobs(Some("www-data".into()))));
    reply(
        &mut s,
        &fx,
        ResourceKey::Jobs(Some("www-data".into())),
        Ok(Data::Jobs(vec![summary(cron)])),
    );
    reply(
        &mut s,
        &fx,
        ResourceKey::Updates(Some("www-data".into())),
        Ok(Data::Updates(vec![])),
    );
    s
}

/// `e` on the job, answered with one config group on instances 0-2.
fn opened() -> State {
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    assert!(matches!(
        s.overlays.editor.as_deref().map(|e| &e.step),
        Some(Step::Loading)
    ));
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![(
            running_config(),
            vec![Range::new(0, 2)],
        )])),
    );
    s
}

fn editor_error(s: &State) -> String {
    s.overlays
        .editor
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap_or_default()
}

/// Replaces the config line containing `needle` by typing, as a person would (indentation
/// goes; a trailing comma stays).
fn edit_line(s: &mut State, needle: &str, new: &str) {
    let ed = s.overlays.editor.as_ref().unwrap();
    assert_eq!(ed.focus, Field::Config);
    let target = ed
        .config
        .lines()
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", ed.config_text()));
    let row = ed.config.cursor().0;
    let len = ed.config.lines()[target].chars().count();
    // Keep the JSON's separator: the new text is the field alone.
    let ed_line_had_comma = ed.config.lines()[target].ends_with(',') && !new.ends_with(',');
    let step = if target > row {
        KeyCode::Down
    } else {
        KeyCode::Up
    };
    for _ in 0..target.abs_diff(row) {
        update(s, special(step));
    }
    update(s, special(KeyCode::End));
    for _ in 0..len {
        update(s, special(KeyCode::Backspace));
    }
    typed(s, new);
    if ed_line_had_comma {
        typed(s, ",");
    }
}

/// Moves to a settings field and replaces its text.
fn set_field(s: &mut State, f: Field, text: &str) {
    while s.overlays.editor.as_ref().unwrap().focus != f {
        update(s, special(KeyCode::Tab));
    }
    let len = s
        .overlays
        .editor
        .as_ref()
        .unwrap()
        .setting(f)
        .unwrap()
        .text()
        .chars()
        .count();
    update(s, special(KeyCode::End));
    for _ in 0..len {
        update(s, special(KeyCode::Backspace));
    }
    typed(s, text);
}

fn diff_reply(add: &[i32], update_ids: &[i32], unchanged: &[i32]) -> GetJobUpdateDiffResult {
    let group = |ids: &[i32]| {
        Some(if ids.is_empty() {
            vec![]
        } else {
            vec![ConfigGroup {
                config: Some(running_config()),
                instances: Some(ranges_of(ids.iter().copied())),
            }]
        })
    };
    GetJobUpdateDiffResult {
        add: group(add),
        remove: Some(vec![]),
        update: group(update_ids),
        unchanged: group(unchanged),
    }
}

#[test]
fn edit_settings_preview_confirm_sends_exactly_one_start_update() {
    let mut s = opened();
    let ed = s.overlays.editor.as_ref().unwrap();
    assert_eq!(ed.step, Step::Edit);
    let text = ed.config_text();
    // The full config, executor data shown parsed.
    assert!(text.contains("\"value\": \"blue\""), "{text}");
    assert!(text.contains("\"cmdline\": \"./serve"), "{text}");
    // Default settings: the current instance count, the Aurora client's defaults.
    let values: Vec<String> = Field::SETTINGS
        .iter()
        .map(|f| ed.setting(*f).unwrap().text())
        .collect();
    assert_eq!(values, vec!["3", "1", "0", "0", "45", "y", "", ""]);

    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 256");
    edit_line(&mut s, "\"value\": \"blue\"", "\"value\": \"green\"");
    set_field(&mut s, Field::Instances, "4");
    set_field(&mut s, Field::Batch, "2");
    set_field(&mut s, Field::MaxPerInstance, "3");
    set_field(&mut s, Field::MaxFailed, "1");
    set_field(&mut s, Field::MinWait, "30");
    set_field(&mut s, Field::Rollback, "n");
    set_field(&mut s, Field::Pulse, "600");
    set_field(&mut s, Field::Message, "more memory");
    // Enter in the last field previews (as Ctrl-S does anywhere).
    let fx = update(&mut s, special(KeyCode::Enter));
    let (id, request) = preview_request(&fx).expect("a preview is asked for");
    assert!(mutations(&fx).is_empty(), "a preview sends no mutation");

    let mut expected_config = running_config();
    expected_config.resources.as_mut().unwrap()[1] = Resource::RamMb(256);
    expected_config.metadata.as_mut().unwrap()[0].value = Some("green".into());
    assert_eq!(request.task_config.as_ref(), Some(&expected_config));
    assert_eq!(
        request
            .task_config
            .as_ref()
            .unwrap()
            .executor_config
            .as_ref()
            .unwrap()
            .data,
        running_config().executor_config.unwrap().data,
        "untouched executor data is sent byte for byte"
    );
    assert_eq!(request.instance_count, Some(4));
    let st = request.settings.clone().unwrap();
    assert_eq!(st.update_group_size, Some(2));
    assert_eq!(
        st.update_strategy,
        Some(JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
            group_size: Some(2)
        }))
    );
    assert_eq!(st.wait_for_batch_completion, Some(false));
    assert_eq!(st.max_per_instance_failures, Some(3));
    assert_eq!(st.max_failed_instances, Some(1));
    assert_eq!(st.min_wait_in_instance_running_ms, Some(30_000));
    assert_eq!(st.rollback_on_failure, Some(false));
    assert_eq!(st.block_if_no_pulses_after_ms, Some(600_000));

    // The scheduler's answer: instance 3 added, 0-2 updated.
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Ok(diff_reply(&[3], &[0, 1, 2], &[])),
        })),
    );
    let Step::Preview(p) = &s.overlays.editor.as_ref().unwrap().step else {
        panic!("no preview: {:?}", s.overlays.editor.as_ref().unwrap().step);
    };
    assert!(p.changes());
    assert_eq!(
        p.instance_lines(),
        vec![
            ("add", "3 (1)".to_owned()),
            ("remove", "—".to_owned()),
            ("update", "0-2 (3)".to_owned()),
            ("unchanged", "—".to_owned()),
        ]
    );
    let mut changed: Vec<String> = p
        .config_diff
        .iter()
        .filter_map(|d| match d {
            eos::diff::DiffLine::Added(l) | eos::diff::DiffLine::Removed(l) => {
                Some(l.trim().trim_end_matches(',').to_owned())
            }
            _ => None,
        })
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        vec![
            "\"ramMb\": 128",
            "\"ramMb\": 256",
            "\"value\": \"blue\"",
            "\"value\": \"green\"",
        ]
    );

    // Enter: the ordinary confirmation, the job name to type, focus in its field.
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(fx.is_empty());
    let Some(Dialog::Confirm(c)) = &s.overlays.dialog else {
        panic!("no confirmation");
    };
    assert_eq!(c.focus, eos::app::dialog::Focus::Typed);
    assert_eq!(c.require.as_deref(), Some("hello"));
    assert!(c.op.destructive());
    assert!(
        c.op.describe()
            .iter()
            .any(|(k, v)| k == "settings" && v.starts_with("batch 2"))
    );
    typed(&mut s, "hello");
    update(&mut s, special(KeyCode::Enter)); // to the enabled Start update
    let fx = update(&mut s, special(KeyCode::Enter));
    let sent = mutations(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    assert_eq!(
        sent[0],
        Operation::StartUpdate {
            request: Box::new(request.clone()),
            message: Some("more memory".into()),
        }
    );
    assert!(s.overlays.editor.is_none() && s.overlays.dialog.is_none());
    // Nothing left to send it again.
    for a in [
        special(KeyCode::Enter),
        special(KeyCode::Enter),
        key('e'),
        special(KeyCode::Enter),
    ] {
        assert!(mutations(&update(&mut s, a)).is_empty());
    }
    s.overlays.editor = None;
    s.overlays.dialog = None;

    // The scheduler accepted: the live update screen opens.
    let id = match &fx[0] {
        Effect::Mutate { id, .. } => *id,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Action::Mutated(Box::new(Mutated {
            id,
            op: sent[0].clone(),
            outcome: MutationOutcome::Done {
                code: ResponseCode::OK,
                messages: vec![],
                update_key: Some(format!("{JOB}/u-1")),
                pulse: None,
            },
        })),
    );
    assert!(matches!(s.top(), Screen::Update { key, .. } if key == &format!("{JOB}/u-1")));
}

/// Esc on an edited editor: the question, then its answer (`discard`: Tab to the button).
fn esc_and_answer(s: &mut State, discard: bool) {
    let fx = update(s, special(KeyCode::Esc));
    assert!(mutations(&fx).is_empty());
    let Some(Dialog::Ask(a)) = &s.overlays.dialog else {
        panic!("Esc with edits asks first: {:?}", s.overlays.dialog);
    };
    assert!(a.title.contains("Discard your changes?"), "{}", a.title);
    assert!(
        s.overlays.editor.is_some(),
        "nothing is closed before the answer"
    );
    if discard {
        update(s, special(KeyCode::Tab));
    }
    let fx = update(s, special(KeyCode::Enter));
    assert!(mutations(&fx).is_empty());
    assert!(s.overlays.dialog.is_none());
    assert_eq!(s.overlays.editor.is_none(), discard);
}

fn nothing_sent(s: &State) {
    assert!(s.overlays.editor.is_none() && s.overlays.dialog.is_none());
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("nothing was sent")
    );
    assert!(s.pending_mutations.is_empty());
}

/// Edits ram to 512 and previews it (the scheduler says 0-2 would be updated).
fn previewed_edit() -> State {
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 512");
    let (id, _) = preview_request(&update(&mut s, ctrl('s'))).unwrap();
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Ok(diff_reply(&[], &[0, 1, 2], &[])),
        })),
    );
    assert!(matches!(
        s.overlays.editor.as_ref().unwrap().step,
        Step::Preview(_)
    ));
    s
}

#[test]
fn esc_closes_an_unedited_editor_and_asks_before_discarding_edits() {
    // Loading: nothing to lose, Esc closes.
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    assert!(mutations(&update(&mut s, special(KeyCode::Esc))).is_empty());
    nothing_sent(&s);
    // The late config reply does not reopen anything.
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![(
            running_config(),
            vec![Range::new(0, 2)],
        )])),
    );
    assert!(s.overlays.editor.is_none());
    // Loaded, untouched: Esc closes at once.
    let mut s = opened();
    update(&mut s, special(KeyCode::Esc));
    nothing_sent(&s);
    // Edited config: Esc asks; "Keep editing" (the default) keeps the edit as it was.
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 512");
    let before = s.overlays.editor.as_ref().unwrap().config_text();
    esc_and_answer(&mut s, false);
    assert_eq!(s.overlays.editor.as_ref().unwrap().config_text(), before);
    esc_and_answer(&mut s, true);
    nothing_sent(&s);
    // An edited setting counts too.
    let mut s = opened();
    set_field(&mut s, Field::Message, "x");
    esc_and_answer(&mut s, true);
    nothing_sent(&s);
    // Waiting for the preview; its late answer is dropped.
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 512");
    let (id, _) = preview_request(&update(&mut s, ctrl('s'))).unwrap();
    esc_and_answer(&mut s, true);
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Ok(diff_reply(&[], &[0, 1, 2], &[])),
        })),
    );
    assert!(s.overlays.editor.is_none());
    // The preview.
    let mut s = previewed_edit();
    esc_and_answer(&mut s, true);
    nothing_sent(&s);
}

#[test]
fn cancel_in_the_confirmation_goes_back_to_the_preview() {
    // Esc in the confirmation, and Cancel, one Tab from the typed field that has the focus.
    for to_cancel in [vec![], vec![special(KeyCode::Tab)]] {
        let cancel = if to_cancel.is_empty() {
            special(KeyCode::Esc)
        } else {
            special(KeyCode::Enter)
        };
        let mut s = previewed_edit();
        update(&mut s, special(KeyCode::Enter));
        assert!(matches!(s.overlays.dialog, Some(Dialog::Confirm(_))));
        for a in to_cancel {
            update(&mut s, a);
        }
        let fx = update(&mut s, cancel);
        assert!(mutations(&fx).is_empty());
        assert!(s.overlays.dialog.is_none());
        let ed = s.overlays.editor.as_ref().expect("the editor stays open");
        assert!(matches!(ed.step, Step::Preview(_)), "{:?}", ed.step);
        assert!(ed.config_text().contains("\"ramMb\": 512"));
        assert!(
            s.message
                .as_ref()
                .unwrap()
                .text
                .contains("back to the preview")
        );
        // Enter again: the same confirmation, ready to send.
        update(&mut s, special(KeyCode::Enter));
        assert!(matches!(s.overlays.dialog, Some(Dialog::Confirm(_))));
    }
}

/// `e` again on the job, its config answered as `config`.
fn reopen(s: &mut State, config: TaskConfig) {
    let fx = update(s, key('e'));
    reply(
        s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![(config, vec![Range::new(0, 2)])])),
    );
}

#[test]
fn an_abandoned_edit_is_offered_again_with_its_diff_against_the_current_config() {
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 512");
    set_field(&mut s, Field::Batch, "2");
    esc_and_answer(&mut s, true);
    // Meanwhile the job changed: its cpus are now 1.5.
    let mut current = running_config();
    current.resources.as_mut().unwrap()[0] = Resource::NumCpus(1.5);
    reopen(&mut s, current.clone());
    let Some(Dialog::Ask(a)) = &s.overlays.dialog else {
        panic!("the unsent edit is offered: {:?}", s.overlays.dialog);
    };
    let text = a.lines.join("\n");
    assert!(text.contains(JOB), "{text}");
    // Against the config as it runs now: ram edited, and the edit's older cpus differ too.
    assert!(text.contains("- \"ramMb\": 128"), "{text}");
    assert!(text.contains("+ \"ramMb\": 512"), "{text}");
    assert!(text.contains("\"numCpus\": 1.5"), "{text}");
    assert!(text.contains("batch size: 1 → 2"), "{text}");
    // Restore (the default): the edit is back, ready to preview.
    update(&mut s, special(KeyCode::Enter));
    assert!(s.overlays.dialog.is_none());
    let ed = s.overlays.editor.as_ref().unwrap();
    assert_eq!(ed.step, Step::Edit);
    assert!(ed.config_text().contains("\"ramMb\": 512"));
    assert_eq!(ed.setting(Field::Batch).unwrap().text(), "2");
    // Closed again unsent, then "Start fresh": the running config, and no more offers.
    esc_and_answer(&mut s, true);
    reopen(&mut s, current.clone());
    assert!(matches!(s.overlays.dialog, Some(Dialog::Ask(_))));
    update(&mut s, special(KeyCode::Tab));
    update(&mut s, special(KeyCode::Enter));
    let ed = s.overlays.editor.as_ref().unwrap();
    assert!(ed.config_text().contains("\"ramMb\": 128"));
    assert!(!ed.edited());
    update(&mut s, special(KeyCode::Esc));
    reopen(&mut s, current);
    assert!(
        s.overlays.dialog.is_none(),
        "nothing offered after starting fresh"
    );
    // An edit of another job is not offered here.
    let mut s = opened();
    s.unsent_edits.clear();
    update(&mut s, special(KeyCode::Esc));
    reopen(&mut s, running_config());
    assert!(s.overlays.dialog.is_none());
}

#[test]
fn a_start_that_did_not_happen_keeps_the_edit_and_a_started_one_drops_it() {
    for (outcome, kept) in [
        (
            MutationOutcome::Refused {
                code: ResponseCode::INVALID_REQUEST,
                messages: vec!["no".into()],
            },
            true,
        ),
        (
            MutationOutcome::Done {
                code: ResponseCode::OK,
                messages: vec![],
                update_key: Some(format!("{JOB}/u-1")),
                pulse: None,
            },
            false,
        ),
    ] {
        let mut s = previewed_edit();
        update(&mut s, special(KeyCode::Enter));
        // The typed field has the focus; Enter moves to the enabled button, Enter sends.
        typed(&mut s, "hello");
        update(&mut s, special(KeyCode::Enter));
        let fx = update(&mut s, special(KeyCode::Enter));
        let (id, op) = fx
            .iter()
            .find_map(|e| match e {
                Effect::Mutate { id, op, .. } => Some((*id, op.clone())),
                _ => None,
            })
            .expect("sent");
        update(
            &mut s,
            Action::Mutated(Box::new(Mutated { id, op, outcome })),
        );
        assert_eq!(s.unsent_edits.contains_key(JOB), kept);
    }
}

#[test]
fn a_no_op_preview_is_reported_and_an_unchanged_reply_is_not_an_error() {
    let mut s = opened();
    let (id, request) = preview_request(&update(&mut s, ctrl('s'))).unwrap();
    // Nothing edited: the very config that runs, byte for byte.
    assert_eq!(request.task_config, Some(running_config()));
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Ok(diff_reply(&[], &[], &[0, 1, 2])),
        })),
    );
    let Step::Preview(p) = &s.overlays.editor.as_ref().unwrap().step else {
        panic!()
    };
    assert!(!p.changes());
    assert!(p.config_diff.is_empty());
    // Enter does not offer to send a no-op; it says why.
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(fx.is_empty() && s.overlays.dialog.is_none());
    let m = s.message.clone().unwrap();
    assert!(m.text.contains("unchanged"), "{}", m.text);
    assert_eq!(m.level, Level::Info);
    // Backspace goes back to editing.
    update(&mut s, special(KeyCode::Backspace));
    assert_eq!(s.overlays.editor.as_ref().unwrap().step, Step::Edit);

    // Should the scheduler answer a start with its no-op reply, that is reported, not an error,
    // and no update screen opens.
    s.overlays.editor = None;
    let op = Operation::StartUpdate {
        request: Box::new(request),
        message: None,
    };
    s.send(op.clone(), &mut Vec::new());
    let id = s.pending_mutations[0].0;
    update(
        &mut s,
        Action::Mutated(Box::new(Mutated {
            id,
            op,
            outcome: MutationOutcome::Done {
                code: ResponseCode::OK,
                messages: vec!["Job is unchanged by proposed update.".into()],
                update_key: None,
                pulse: None,
            },
        })),
    );
    let m = s.message.clone().unwrap();
    assert_eq!(m.level, Level::Info);
    assert!(m.text.contains("Job is unchanged by proposed update."));
    assert!(matches!(s.top(), Screen::Jobs { .. }));
}

#[test]
fn bad_json_bad_settings_and_another_job_key_are_reported_without_a_preview() {
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 128,,");
    let fx = update(&mut s, ctrl('s'));
    assert!(preview_request(&fx).is_none());
    let e = editor_error(&s);
    assert!(e.contains("not valid JSON at line"), "{e}");
    // The cursor is put on the bad line.
    let ed = s.overlays.editor.as_ref().unwrap();
    assert!(ed.config.lines()[ed.config.cursor().0].contains(",,"));

    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": \"lots\"");
    // Move away from the bad line: the error puts the cursor back on it.
    for _ in 0..3 {
        update(&mut s, special(KeyCode::Up));
    }
    assert!(preview_request(&update(&mut s, ctrl('s'))).is_none());
    let e = editor_error(&s);
    assert!(
        e.contains("$.resources[1].ramMb: expected an integer"),
        "{e}"
    );
    let ed = s.overlays.editor.as_ref().unwrap();
    assert!(ed.config.lines()[ed.config.cursor().0].contains("lots"));

    let mut s = opened();
    set_field(&mut s, Field::Batch, "0");
    assert!(preview_request(&update(&mut s, ctrl('s'))).is_none());
    assert!(
        editor_error(&s).starts_with("batch size"),
        "{}",
        editor_error(&s)
    );
    assert_eq!(s.overlays.editor.as_ref().unwrap().focus, Field::Batch);
    // Typing clears the error; fixing it previews.
    set_field(&mut s, Field::Batch, "2");
    assert!(editor_error(&s).is_empty());
    assert!(preview_request(&update(&mut s, ctrl('s'))).is_some());
}

#[test]
fn the_job_key_cannot_be_edited_into_another_job() {
    let mut s = opened();
    edit_line(
        &mut s,
        "\"environment\": \"prod\"",
        "\"environment\": \"staging\"",
    );
    assert!(preview_request(&update(&mut s, ctrl('s'))).is_none());
    assert!(
        editor_error(&s).contains("$.job must stay www-data/prod/hello"),
        "{}",
        editor_error(&s)
    );
}

#[test]
fn a_refused_preview_returns_to_editing_with_the_reason() {
    let mut s = opened();
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 999999");
    let (id, _) = preview_request(&update(&mut s, ctrl('s'))).unwrap();
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Err("getJobUpdateDiff: INVALID_REQUEST — insufficient quota".into()),
        })),
    );
    let ed = s.overlays.editor.as_ref().unwrap();
    assert_eq!(ed.step, Step::Edit);
    assert!(editor_error(&s).contains("insufficient quota"));
    // The edit is still there.
    assert!(
        s.overlays
            .editor
            .as_ref()
            .unwrap()
            .config_text()
            .contains("\"ramMb\": 999999")
    );
}

#[test]
fn refusals_say_why() {
    let says = |s: &State, what: &str| {
        let m = s.message.clone().expect("a message");
        assert_eq!(m.level, Level::Error, "{}", m.text);
        assert!(m.text.contains(what), "{:?} lacks {what:?}", m.text);
        assert!(s.overlays.editor.is_none());
    };
    // A cron job.
    let mut s = jobs_view(Some("*/5 * * * *"));
    let fx = update(&mut s, key('e'));
    assert!(fx.is_empty());
    says(&s, "cron job");
    // An active update.
    let mut s = jobs_view(None);
    let fx = update(&mut s, Action::Tick(T0 + 10_000));
    reply(
        &mut s,
        &fx,
        ResourceKey::Updates(Some("www-data".into())),
        Ok(Data::Updates(vec![JobUpdateSummary {
            key: Some(JobUpdateKey::new(job_key(), "u-7")),
            state: Some(JobUpdateState {
                status: Some(JobUpdateStatus::ROLL_FORWARD_PAUSED),
                ..Default::default()
            }),
            ..Default::default()
        }])),
    );
    update(&mut s, key('e'));
    says(&s, "active update (u-7 ROLL_FORWARD_PAUSED)");
    // Two config groups.
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    let mut other = running_config();
    other.resources.as_mut().unwrap()[1] = Resource::RamMb(64);
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![
            (running_config(), vec![Range::new(0, 1)]),
            (other, vec![Range::new(2, 2)]),
        ])),
    );
    says(&s, "runs 2 different configs (instances 0-1 · instances 2)");
    // No active instances.
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![])),
    );
    says(&s, "no active instances");
    // Not a service.
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    let mut batch = running_config();
    batch.is_service = Some(false);
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![(batch, vec![Range::new(0, 0)])])),
    );
    says(&s, "not a service");
    // The config did not load.
    let mut s = jobs_view(None);
    let fx = update(&mut s, key('e'));
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Err("connection refused".into()),
    );
    says(&s, "did not load: connection refused");
    // Read-only: `e` is gone.
    let mut s = jobs_view(None);
    s.read_only = true;
    let fx = update(&mut s, key('e'));
    assert!(fx.is_empty());
    says(&s, "read-only");
}

#[test]
fn e_in_the_tasks_view_edits_that_job() {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(100, 30));
    update(&mut s, Action::Open(Nav::Tasks(JOB.into())));
    let fx = update(&mut s, key('e'));
    assert!(generation_of(&fx, &ResourceKey::Config(JOB.into())) > 0);
    assert_eq!(s.overlays.editor.as_ref().unwrap().job, job_key());
    // While the editor is open, letters are text, not commands.
    reply(
        &mut s,
        &fx,
        ResourceKey::Config(JOB.into()),
        Ok(config_summary(vec![(
            running_config(),
            vec![Range::new(0, 2)],
        )])),
    );
    let before = s.stack.len();
    typed(&mut s, "q:kR");
    assert_eq!(s.stack.len(), before);
    assert!(
        s.overlays
            .editor
            .as_ref()
            .unwrap()
            .config_text()
            .starts_with("q:kR{")
    );
}

#[test]
fn the_editor_draws_its_steps() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let draw = |s: &State| {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        let theme = eos::theme::Theme::builtin();
        t.draw(|f| {
            eos::ui::render(s, &theme, f);
        })
        .unwrap();
        let buf = t.backend().buffer().clone();
        (0..40)
            .map(|y| {
                (0..120)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut s = opened();
    let screen = draw(&s);
    assert!(
        screen.contains("Start an update of www-data/prod/hello"),
        "{screen}"
    );
    assert!(
        screen.contains("TaskConfig (JSON) · running on 0-2"),
        "{screen}"
    );
    assert!(screen.contains("batch size"), "{screen}");
    assert!(screen.contains("Ctrl-S preview"), "{screen}");
    edit_line(&mut s, "\"ramMb\": 128", "\"ramMb\": 256");
    let (id, _) = preview_request(&update(&mut s, ctrl('s'))).unwrap();
    assert!(draw(&s).contains("getJobUpdateDiff"));
    update(
        &mut s,
        Action::Previewed(Box::new(Previewed {
            id,
            result: Ok(diff_reply(&[], &[0, 1, 2], &[])),
        })),
    );
    let screen = draw(&s);
    assert!(screen.contains("update      0-2 (3)"), "{screen}");
    assert!(
        screen.contains("+ ") && screen.contains("\"ramMb\": 256"),
        "{screen}"
    );
    assert!(screen.contains("Enter confirm"), "{screen}");
}

// ---- end to end: the real client against the simulator ----

mod e2e {
    use super::*;
    use crate::sim_common::driver::Driver;
    use eos::sim::SimArgs;

    async fn start() -> Driver {
        Driver::start(SimArgs {
            clock: "frozen".parse().unwrap(),
            ..SimArgs::default()
        })
        .await
        .latency(1)
    }

    /// Service jobs with one config group, no cron and no active update.
    async fn plain_jobs(w: &Driver) -> Vec<(JobKey, TaskConfig)> {
        let active: Vec<String> = w
            .client
            .get_job_update_summaries(JobUpdateQuery {
                update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
                ..Default::default()
            })
            .await
            .unwrap()
            .value
            .iter()
            .filter_map(|u| Some(u.key.as_ref()?.job.as_ref()?.to_string()))
            .collect();
        let mut out = Vec::new();
        for j in w.client.get_job_summary(None).await.unwrap().value {
            let c = j.job.unwrap();
            let key = c.key.unwrap();
            if c.cron_schedule.is_some() || active.contains(&key.to_string()) {
                continue;
            }
            let groups = w
                .client
                .get_config_summary(&key)
                .await
                .unwrap()
                .value
                .groups
                .unwrap_or_default();
            if let [g] = groups.as_slice()
                && g.config.as_ref().and_then(|c| c.is_service) == Some(true)
            {
                out.push((key, g.config.clone().unwrap()));
            }
        }
        out.sort_by_key(|(k, _)| k.to_string());
        out
    }

    async fn open_tasks(w: &mut Driver, job: &JobKey) -> State {
        let mut s = w.console("http://sim.test:8081", Nav::Roles, 120, 40);
        w.act(
            &mut s,
            [Action::Open(Nav::Tasks(job.to_string())), key('e')],
        )
        .await;
        assert_eq!(
            s.overlays.editor.as_ref().map(|e| e.step.clone()),
            Some(Step::Edit),
            "{:?}",
            s.message
        );
        s
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_edited_config_starts_an_update_in_the_simulator() {
        let mut w = start().await;
        let jobs = plain_jobs(&w).await;
        assert!(jobs.len() >= 2, "the simulator has plain service jobs");

        // A no-op first: preview says so and nothing is offered.
        let (quiet, _) = &jobs[1];
        let mut s = open_tasks(&mut w, quiet).await;
        w.act(&mut s, [ctrl('s')]).await;
        let Step::Preview(p) = &s.overlays.editor.as_ref().unwrap().step else {
            panic!("{:?}", s.overlays.editor.as_ref().unwrap().error);
        };
        assert!(!p.changes(), "{:?}", p.instance_lines());
        let request = p.request.clone();
        w.act(&mut s, [special(KeyCode::Enter)]).await;
        assert!(s.overlays.dialog.is_none() && w.sent.is_empty());
        // And the scheduler's own no-op answer to a start is reported as such.
        let outcome = eos::effects::mutate(
            &w.client,
            &Operation::StartUpdate {
                request: Box::new(request),
                message: None,
            },
            None,
            "sim",
        )
        .await;
        assert!(
            matches!(&outcome, MutationOutcome::Done { code, update_key: None, messages, .. }
                if *code == ResponseCode::OK && messages.iter().any(|m| m.contains("unchanged"))),
            "{outcome:?}"
        );

        // The real thing: more memory and a new metadata value.
        let (job, running) = &jobs[0];
        let mut s = open_tasks(&mut w, job).await;
        let ram = running.totals().ram_mb;
        let ed = s.overlays.editor.as_ref().unwrap();
        let ram_line = format!("\"ramMb\": {ram}");
        assert!(ed.config_text().contains(&ram_line));
        edit_line(&mut s, &ram_line, &format!("\"ramMb\": {}", ram + 64));
        let meta_line = s
            .overlays
            .editor
            .as_ref()
            .unwrap()
            .config
            .lines()
            .iter()
            .find(|l| l.trim_start().starts_with("\"value\":"))
            .cloned();
        if let Some(l) = &meta_line {
            edit_line(&mut s, l.trim(), "\"value\": \"edited-by-eos\"");
        }
        set_field(&mut s, Field::Batch, "2");
        set_field(&mut s, Field::MinWait, "5");
        set_field(&mut s, Field::Message, "e2e: more memory");
        w.act(&mut s, [ctrl('s')]).await;
        let Step::Preview(p) = &s.overlays.editor.as_ref().unwrap().step else {
            panic!("{:?}", s.overlays.editor.as_ref().unwrap().error);
        };
        assert!(p.changes());
        assert!(p.add.is_empty() && p.remove.is_empty());
        assert!(!p.update.is_empty(), "{:?}", p.instance_lines());
        assert!(!p.config_diff.is_empty());
        w.act(&mut s, [special(KeyCode::Enter)]).await;
        assert!(s.overlays.dialog.is_some());
        typed(&mut s, job.name());
        update(&mut s, special(KeyCode::Tab));
        w.act(&mut s, [special(KeyCode::Enter)]).await;
        assert_eq!(w.sent.len(), 1, "exactly one startJobUpdate");
        let Screen::Update {
            key: update_key, ..
        } = s.top()
        else {
            panic!("not on the update screen: {:?} {:?}", s.top(), s.message);
        };
        let update_key = JobUpdateKey::parse(update_key).unwrap();

        // Verified through the API: the update exists with the edited config and is active.
        let details = w
            .client
            .get_job_update_details(JobUpdateQuery {
                key: Some(update_key.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .value;
        let u = details[0].update.clone().unwrap();
        let desired = u.instructions.clone().unwrap().desired_state.unwrap();
        let task = desired.task.unwrap();
        assert_eq!(task.totals().ram_mb, ram + 64);
        if meta_line.is_some() {
            assert!(
                task.metadata
                    .iter()
                    .flatten()
                    .any(|m| m.value.as_deref() == Some("edited-by-eos"))
            );
        }
        // Everything else is the running config, executor data byte for byte.
        let mut expected = running.clone();
        expected.resources = task.resources.clone();
        expected.metadata = task.metadata.clone();
        assert_eq!(task, expected);
        assert_eq!(
            task.executor_config.as_ref().and_then(|e| e.data.clone()),
            running
                .executor_config
                .as_ref()
                .and_then(|e| e.data.clone())
        );
        let settings = u.instructions.unwrap().settings.unwrap();
        assert_eq!(settings.update_group_size, Some(2));
        assert!(matches!(
            settings.update_strategy,
            Some(JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
                group_size: Some(2)
            }))
        ));
        assert_eq!(settings.min_wait_in_instance_running_ms, Some(5000));
        let status = u.summary.unwrap().state.unwrap().status.unwrap();
        assert!(status.is_active(), "{status}");
        let active = w
            .client
            .get_job_update_summaries(JobUpdateQuery {
                job_key: Some(job.clone()),
                update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
                ..Default::default()
            })
            .await
            .unwrap()
            .value;
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].key.as_ref(), Some(&update_key));
        let events = details[0].update_events.clone().unwrap_or_default();
        assert_eq!(
            events.first().and_then(|e| e.message.as_deref()),
            Some("e2e: more memory")
        );
        w.stop().await;
    }
}
