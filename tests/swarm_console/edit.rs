//! `e` on a real Swarm (issue 16, "update"): the service's spec opens in the update editor as
//! JSON, is edited through keys, its diff shows in the confirmation, and once confirmed the
//! console lands on the service's live update screen and the rollout completes on the new
//! image. Bad JSON keeps the editor open with the text and an error naming the line; an
//! unchanged spec is refused before any dialog and nothing is sent; read-only refuses `e`.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use eos::app::Screen;

use super::ops::{
    KeySender, audit_entries, audited, confirm, connect_to, open_service, press, run, said,
    version_of, wait_hints,
};
use super::wait_for;
use crate::inprocess_common::key;
use crate::swarm_common::*;
use crate::{LIMIT, client, running, update_state};

fn special(keys: &KeySender, code: KeyCode, n: usize) {
    for _ in 0..n {
        keys.send(key(code)).unwrap();
    }
}

fn ctrl_s(keys: &KeySender) {
    keys.send(Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    ))))
    .unwrap();
}

/// Characters typed into the editor (no Enter: that would start a new line).
fn chars(keys: &KeySender, text: &str) {
    for c in text.chars() {
        keys.send(key(KeyCode::Char(c))).unwrap();
    }
}

/// The editor's text for the service as it is now (what `e` shows), and the line (from 0)
/// holding `needle`.
async fn spec_line(name: &str, needle: &str) -> (usize, String) {
    let (svc, _) = client().await.service(name).await.unwrap();
    let text = eos::app::spec_json::to_text(&svc.spec.unwrap());
    text.lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i, l.to_owned()))
        .unwrap_or_else(|| panic!("no {needle:?} in\n{text}"))
}

/// `e` on the open tasks view, waiting until the spec is in the editor.
async fn open_editor(keys: &KeySender, text: &std::sync::Mutex<String>) {
    press(keys, 'e');
    wait_for(text, &["ServiceSpec (JSON", "review the diff"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn e_edits_the_image_confirms_the_diff_and_lands_on_the_update() {
    let _g = shared().await;
    let name = service_name("edit-image");
    remove_service(&name);
    create_service(&name, 2, &[], &["sleep", "100000"]);
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let (row, line) = spec_line(&name, &format!("\"Image\": \"{IMAGE_V1}\"")).await;
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, _) = run(conn, audited(&log), |keys, text| async move {
        open_service(&keys, &text, &n, 2).await;
        open_editor(&keys, &text).await;
        // On the image's line, the version digit before the closing quote becomes 2.
        special(&keys, KeyCode::Down, row);
        special(&keys, KeyCode::End, 1);
        let tail = if line.ends_with(',') { 2 } else { 1 };
        special(&keys, KeyCode::Left, tail);
        special(&keys, KeyCode::Backspace, 1);
        chars(&keys, "2");
        ctrl_s(&keys);
        // The confirmation shows the diff; a spec update replaces both replicas: typed.
        wait_for(
            &text,
            &[
                "Update the service",
                &format!("- \"Image\": \"{IMAGE_V1}\""),
                &format!("+ \"Image\": \"{IMAGE_V2}\""),
                "type its name and the count",
            ],
        )
        .await;
        confirm(&keys, Some(&format!("{n} 2")));
        wait_for(&text, &[&format!("update the spec of {n}: done")]).await;
        // The live update screen, watched to the end.
        wait_for(&text, &["completed", "2/2 slots on the new spec"]).await;
        keys
    })
    .await;
    assert!(
        matches!(state.top(), Screen::SwarmUpdate { service, .. } if *service == name),
        "{:?}",
        state.top()
    );
    assert!(state.overlays.editor.is_none());
    let c = client().await;
    wait_until("the update completed", LIMIT, || async {
        update_state(&c, &name).await.as_deref() == Some("completed")
    })
    .await;
    let tasks = running(&c, &name).await;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    assert!(tasks.iter().all(|t| t.image == IMAGE_V2), "{tasks:?}");
    // One call, recorded with the spec it sent.
    let entries = audit_entries(&log);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["response_code"], "OK");
    assert_eq!(
        entries[0]["arguments"]["spec"]["TaskTemplate"]["ContainerSpec"]["Image"],
        IMAGE_V2
    );
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_json_keeps_the_editor_and_an_unchanged_spec_sends_nothing() {
    let _g = shared().await;
    let name = service_name("edit-refused");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let before = version_of(&name).await;
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, _) = run(conn, audited(&log), |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        open_editor(&keys, &text).await;
        // Unchanged: refused at once, no dialog; the editor stays.
        ctrl_s(&keys);
        wait_for(&text, &["nothing to change"]).await;
        // Broken JSON: the error names the line, the text (with the damage) stays.
        special(&keys, KeyCode::Down, 1);
        special(&keys, KeyCode::Home, 1);
        chars(&keys, "@@");
        ctrl_s(&keys);
        wait_for(&text, &["✗ spec: not valid JSON at line 2", "@@"]).await;
        // Esc on an edited spec asks first; Discard closes with nothing sent.
        keys.send(key(KeyCode::Esc)).unwrap();
        wait_for(&text, &["Discard your changes?"]).await;
        special(&keys, KeyCode::Right, 1);
        special(&keys, KeyCode::Enter, 1);
        wait_for(&text, &["update editor closed: nothing was sent"]).await;
        wait_hints(&text).await;
        keys
    })
    .await;
    assert!(said(&state, "nothing to change"));
    assert!(state.overlays.editor.is_none() && state.overlays.dialog.is_none());
    assert!(state.pending_mutations.is_empty());
    assert_eq!(version_of(&name).await, before, "nothing was sent");
    assert!(audit_entries(&log).is_empty());
    // The closed edit is kept to offer again (the text with the damage).
    assert!(
        state
            .unsent_edits
            .get(&name)
            .is_some_and(|d| d.config.contains("@@")),
        "{:?}",
        state.unsent_edits.keys().collect::<Vec<_>>()
    );

    // Read-only: `e` is refused and not offered.
    let mut opts = audited(&log);
    opts.read_only = true;
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, last) = run(conn, opts, |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        press(&keys, 'e');
        wait_for(&text, &["read-only: start_update is disabled"]).await;
        wait_hints(&text).await;
        keys
    })
    .await;
    assert!(state.overlays.editor.is_none());
    assert!(!state.offers(eos::app::Command::StartUpdate));
    assert!(
        !last
            .lines()
            .last()
            .unwrap_or_default()
            .contains("edit spec")
    );
    assert_eq!(version_of(&name).await, before, "nothing was sent");
    remove_service(&name);
}
