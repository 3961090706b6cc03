//! Optional mouse support (`--mouse`): screen cells to table rows, with the layout math the UI
//! uses (header row 0, breadcrumbs row 1, then the body: the rolling-restart banner if any, the
//! table header, and the rows from `table.offset` on).

use super::{Command, Effect, State};

/// Screen row of the first table row when there is no banner (header, breadcrumbs, titles).
pub const FIRST_DATA_ROW: u16 = 3;

impl State {
    /// Whether something covers the view (help, a dialog, a notice, the editor, the command
    /// line): the mouse does nothing under it.
    fn covered(&self) -> bool {
        self.overlays.help.is_some()
            || self.overlays.dialog.is_some()
            || self.overlays.notice.is_some()
            || self.overlays.editor.is_some()
            || self.overlays.input.is_some()
    }

    /// The position in the top table's view shown on screen row `row`, if a row is there.
    pub fn table_row_at(&self, row: u16) -> Option<usize> {
        let t = self.top().table()?;
        if !t.is_loaded() {
            return None;
        }
        // The body lies between the breadcrumbs and the footer (`ui::render`).
        let link = self.link_banner_rows().min(self.height.saturating_sub(4));
        let body = self.height.saturating_sub(3 + link);
        let banner = self.rolling_banner_rows().min(body.saturating_sub(1));
        let first = FIRST_DATA_ROW + link + banner;
        let shown = body.saturating_sub(banner + 1);
        if row < first || row >= first + shown {
            return None;
        }
        let pos = t.offset.min(t.view.len()) + (row - first) as usize;
        (pos < t.view.len()).then_some(pos)
    }

    /// A left click: on a row selects it; on the selected row opens it (like Enter).
    pub(super) fn on_click(&mut self, _column: u16, row: u16, fx: &mut Vec<Effect>) {
        if self.covered() {
            return;
        }
        let Some(pos) = self.table_row_at(row) else {
            return;
        };
        let Some(t) = self.top_mut().table_mut() else {
            return;
        };
        if t.selected == pos {
            self.on_command(Command::Open, fx);
        } else {
            t.selected = pos;
            self.dirty = true;
        }
    }

    /// The wheel: moves the selection (or scrolls help and detail views) by `delta` rows.
    pub(super) fn on_scroll(&mut self, delta: isize, fx: &mut Vec<Effect>) {
        if self.overlays.dialog.is_some()
            || self.overlays.notice.is_some()
            || self.overlays.editor.is_some()
            || self.overlays.input.is_some()
        {
            return;
        }
        let c = if delta < 0 {
            Command::Up
        } else {
            Command::Down
        };
        for _ in 0..delta.unsigned_abs() {
            self.on_command(c, fx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::resource::{Data, ResourceKey};
    use crate::app::{Action, Fetched, Nav, Screen, update};
    use crate::aurora::model::RoleSummary;
    use crate::keymap::Keymap;

    const T0: i64 = 1_700_000_000_000;

    /// The roles view at 80×24 with `n` roles (`role-000`, …) loaded.
    fn roles(n: usize) -> State {
        let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
        update(&mut s, Action::Resize(80, 24));
        let fx = update(&mut s, Action::Tick(T0));
        let generation = fx
            .iter()
            .find_map(|e| match e {
                Effect::Fetch {
                    key: ResourceKey::Roles,
                    generation,
                } => Some(*generation),
                _ => None,
            })
            .expect("the roles are fetched");
        let data = Data::Roles(
            (0..n)
                .map(|i| RoleSummary {
                    role: Some(format!("role-{i:03}")),
                    job_count: Some(1),
                    cron_job_count: Some(0),
                })
                .collect(),
        );
        update(
            &mut s,
            Action::Fetched(Box::new(Fetched {
                key: ResourceKey::Roles,
                generation,
                at: T0,
                latency_ms: 1,
                result: Ok(data),
                cluster: Some("test".into()),
            })),
        );
        s
    }

    fn selected(s: &State) -> usize {
        s.top().table().unwrap().selected
    }

    fn offset(s: &State) -> usize {
        s.top().table().unwrap().offset
    }

    fn selected_role(s: &State) -> String {
        let t = s.top().table().unwrap();
        t.selected_row().unwrap().cells[0].clone()
    }

    fn click(s: &mut State, row: u16) -> Vec<Effect> {
        update(s, Action::Click { column: 10, row })
    }

    #[test]
    fn a_click_on_a_row_selects_the_row_drawn_there() {
        let mut s = roles(5);
        assert_eq!(selected(&s), 0);
        // Screen row 3 is the first data row; row 5 is the third.
        click(&mut s, 5);
        assert_eq!(selected(&s), 2);
        assert_eq!(selected_role(&s), "role-002");
        click(&mut s, 3);
        assert_eq!(selected_role(&s), "role-000");
        click(&mut s, 7);
        assert_eq!(selected_role(&s), "role-004");
    }

    #[test]
    fn clicks_off_the_rows_are_ignored() {
        let mut s = roles(5);
        click(&mut s, 4);
        for row in [0, 1, 2, 8, 20, 23, 200] {
            let fx = click(&mut s, row);
            assert_eq!(selected(&s), 1, "row {row}");
            assert!(fx.is_empty(), "row {row}: {fx:?}");
            assert!(matches!(s.top(), Screen::Roles { .. }));
        }
    }

    #[test]
    fn a_click_on_the_selected_row_opens_it() {
        let mut s = roles(5);
        click(&mut s, 4);
        assert!(matches!(s.top(), Screen::Roles { .. }));
        click(&mut s, 4);
        match s.top() {
            Screen::Jobs { .. } => {}
            other => panic!("expected the jobs view, got {other:?}"),
        }
        assert_eq!(s.stack.len(), 2);
    }

    #[test]
    fn clicks_count_from_the_scrolled_offset() {
        let mut s = roles(100);
        for _ in 0..50 {
            update(&mut s, Action::Command(Command::Down));
        }
        assert_eq!(selected(&s), 50);
        let off = offset(&s);
        assert!(off > 0, "scrolled");
        click(&mut s, 3);
        assert_eq!(selected(&s), off);
        assert_eq!(selected_role(&s), format!("role-{off:03}"));
        click(&mut s, 6);
        assert_eq!(selected(&s), off + 3);
        // The last row the UI draws at 80×24 is screen row 22 (the footer is 23).
        assert_eq!(s.table_row_at(22), Some(offset(&s) + 19));
        assert_eq!(s.table_row_at(23), None);
    }

    #[test]
    fn the_wheel_moves_the_selection() {
        let mut s = roles(10);
        update(&mut s, Action::Scroll(3));
        assert_eq!(selected(&s), 3);
        update(&mut s, Action::Scroll(-1));
        assert_eq!(selected(&s), 2);
        update(&mut s, Action::Scroll(-10));
        assert_eq!(selected(&s), 0);
        update(&mut s, Action::Scroll(100));
        assert_eq!(selected(&s), 9);
    }

    #[test]
    fn the_mouse_does_nothing_under_help() {
        let mut s = roles(5);
        update(&mut s, Action::Command(Command::Help));
        assert!(s.overlays.help.is_some());
        click(&mut s, 5);
        assert_eq!(selected(&s), 0);
    }
}
