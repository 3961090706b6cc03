//! A table of rows with filtering, sorting and a selection that follows its row (not its index)
//! when data is refreshed or re-sorted. Display strings are computed once when data arrives;
//! drawing only reads them, and only for the visible rows.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::app::vocab::nav::Nav;

/// How a cell sorts.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
pub enum SortKey {
    Num(f64),
    Text(String),
    /// By the cell's own display text (no copy).
    Cell,
}

#[derive(Clone, Debug)]
pub struct Row {
    /// Stable identity across refreshes (task id, job key, …).
    pub id: String,
    pub cells: Vec<String>,
    pub sort: Vec<SortKey>,
    /// Lower-cased text of all cells, for filtering.
    pub haystack: String,
    /// Theme key for the row's meaning (`status.running`, `update.rolling_forward`, …).
    pub style: &'static str,
    /// What Enter opens, if anything.
    pub target: Option<Nav>,
    /// The instance id, for rows that are instances (marks act on these).
    pub instance: Option<i32>,
    /// What `y` copies.
    pub copy: String,
    /// A second copyable value (a task's host).
    pub copy_alt: Option<String>,
    /// Orders rows whose sort cells are equal, whichever way the table is sorted (a task's
    /// negated time: within one instance, the newest task first).
    pub then: f64,
    /// Fingerprint of the cells outside clock columns, to notice rows that changed (set by
    /// `Table::set_rows`).
    pub fingerprint: u64,
    /// The id of the group row this row belongs to: it is listed right after that row, in
    /// the order given, whatever the sort (triage's expanded groups).
    pub parent: Option<String>,
}

impl Row {
    pub fn new(id: String, cells: Vec<String>, sort: Vec<SortKey>) -> Row {
        let mut haystack = String::with_capacity(cells.iter().map(|c| c.len() + 1).sum());
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                haystack.push(' ');
            }
            for ch in cell.chars() {
                if ch.is_ascii() {
                    haystack.push(ch.to_ascii_lowercase());
                } else {
                    haystack.extend(ch.to_lowercase());
                }
            }
        }
        Row {
            copy: id.clone(),
            instance: None,
            id,
            cells,
            sort,
            haystack,
            style: "text",
            target: None,
            copy_alt: None,
            then: 0.0,
            fingerprint: 0,
            parent: None,
        }
    }
    pub fn child_of(mut self, parent: &str) -> Row {
        self.parent = Some(parent.to_owned());
        self
    }
    pub fn then_by(mut self, v: f64) -> Row {
        self.then = v;
        self
    }
    pub fn style(mut self, s: &'static str) -> Row {
        self.style = s;
        self
    }
    pub fn target(mut self, t: Nav) -> Row {
        self.target = Some(t);
        self
    }
    pub fn instance(mut self, i: i32) -> Row {
        self.instance = Some(i);
        self
    }
    pub fn copy(mut self, c: String, alt: Option<String>) -> Row {
        self.copy = c;
        self.copy_alt = alt;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// Preferred width; 0 = fit the content.
    pub width: u16,
    pub right: bool,
    /// On a narrow terminal the lowest priorities are hidden first.
    pub priority: u8,
    /// The text follows the clock (an age, a countdown): it changing is not a change of the row.
    pub clock: bool,
}

impl Column {
    pub const fn new(title: &'static str, width: u16) -> Column {
        Column {
            title,
            width,
            right: false,
            priority: 5,
            clock: false,
        }
    }
    pub const fn right(title: &'static str, width: u16) -> Column {
        Column {
            title,
            width,
            right: true,
            priority: 5,
            clock: false,
        }
    }
    pub const fn priority(mut self, p: u8) -> Column {
        self.priority = p;
        self
    }
    pub const fn clock(mut self) -> Column {
        self.clock = true;
        self
    }
}

/// Lower-cased filter text with a precompiled substring searcher (one pass per row).
#[derive(Clone, Debug)]
pub struct Needle(memchr::memmem::Finder<'static>);

impl Needle {
    fn new(text: &str) -> Needle {
        Needle(memchr::memmem::Finder::new(text.to_lowercase().as_bytes()).into_owned())
    }
    fn found_in(&self, hay: &str) -> bool {
        self.0.find(hay.as_bytes()).is_some()
    }
}

/// The filter typed after `/`.
#[derive(Clone, Debug, Default)]
pub enum Filter {
    #[default]
    None,
    Contains(Needle),
    /// `!text`
    Excludes(Needle),
    /// `~regex`
    Regex(regex::Regex),
}

impl Filter {
    /// Parses filter text; a bad regex is an error to show, not a crash.
    pub fn parse(text: &str) -> Result<Filter, String> {
        if text.is_empty() {
            Ok(Filter::None)
        } else if let Some(rest) = text.strip_prefix('!') {
            Ok(if rest.is_empty() {
                Filter::None
            } else {
                Filter::Excludes(Needle::new(rest))
            })
        } else if let Some(rest) = text.strip_prefix('~') {
            regex::RegexBuilder::new(rest)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map(Filter::Regex)
                .map_err(|e| format!("bad regex: {}", e.to_string().lines().last().unwrap_or("")))
        } else {
            Ok(Filter::Contains(Needle::new(text)))
        }
    }

    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Filter::None => true,
            Filter::Contains(n) => n.found_in(&row.haystack),
            Filter::Excludes(n) => !n.found_in(&row.haystack),
            Filter::Regex(r) => r.is_match(&row.haystack),
        }
    }

    pub fn is_active(&self) -> bool {
        !matches!(self, Filter::None)
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Indices into `rows` that pass the filter, in sort order.
    pub view: Vec<usize>,
    /// Every row index in sort order; re-sorted only when rows or the sort change, so a
    /// filter keystroke is one pass over the rows.
    sorted: Vec<usize>,
    /// Position in `view`.
    pub selected: usize,
    /// First visible position in `view`.
    pub offset: usize,
    pub sort_column: usize,
    pub ascending: bool,
    pub filter: Filter,
    pub filter_text: String,
    /// Row id -> when it last changed (ms), to highlight fresh changes.
    pub changed: HashMap<String, i64>,
    /// Marked row ids (operations act on these, or on the selected row if none).
    pub marked: std::collections::BTreeSet<String>,
    /// Where the last mark was set, for marking a range.
    pub mark_anchor: Option<String>,
    loaded: bool,
}

/// Moves every row that has a parent row right after that parent, in the order the rows were
/// given; a row whose parent is not in the table stays where the sort put it.
fn group_children(rows: &[Row], sorted: Vec<usize>) -> Vec<usize> {
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let parent_of = |i: usize| {
        rows[i]
            .parent
            .as_deref()
            .and_then(|p| index.get(p).copied())
    };
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..rows.len() {
        if let Some(p) = parent_of(i) {
            children.entry(p).or_default().push(i);
        }
    }
    let mut out = Vec::with_capacity(sorted.len());
    for i in sorted {
        if parent_of(i).is_some() {
            continue;
        }
        out.push(i);
        if let Some(c) = children.get(&i) {
            out.extend(c);
        }
    }
    out
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            view: Vec::new(),
            sorted: Vec::new(),
            selected: 0,
            offset: 0,
            sort_column: 0,
            ascending: true,
            filter: Filter::None,
            filter_text: String::new(),
            changed: HashMap::new(),
            marked: Default::default(),
            mark_anchor: None,
            loaded: false,
        }
    }

    pub fn sorted_by(mut self, column: usize, ascending: bool) -> Table {
        self.sort_column = column;
        self.ascending = ascending;
        self
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.view.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    /// Replaces the rows, keeping the selection on the same row id, and remembering which rows
    /// changed (new or different content) at `now`.
    pub fn set_rows(&mut self, mut rows: Vec<Row>, now: i64) {
        let selected_id = self.selected_row().map(|r| r.id.clone());
        // Ages and countdowns move with the clock on every refresh; only the rest counts as a
        // change worth highlighting (and repainting).
        for r in &mut rows {
            use std::hash::{Hash, Hasher};
            let mut h = rustc_hash::FxHasher::default();
            for (i, cell) in r.cells.iter().enumerate() {
                if !self.columns.get(i).is_some_and(|c| c.clock) {
                    cell.hash(&mut h);
                }
            }
            r.fingerprint = h.finish();
        }
        if self.loaded {
            let old: rustc_hash::FxHashMap<&str, u64> = self
                .rows
                .iter()
                .map(|r| (r.id.as_str(), r.fingerprint))
                .collect();
            for r in &rows {
                if old.get(r.id.as_str()) != Some(&r.fingerprint) {
                    self.changed.insert(r.id.clone(), now);
                }
            }
        }
        // Marks of rows that are gone (a killed task, say) go with them.
        if !self.marked.is_empty() {
            let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            self.marked.retain(|id| ids.contains(id.as_str()));
        }
        // Forget highlights older than a minute so the map cannot grow without bound.
        self.changed.retain(|_, at| now - *at < 60_000);
        self.rows = rows;
        self.loaded = true;
        self.resort();
        self.rebuild(selected_id.as_deref());
    }

    fn resort(&mut self) {
        let col = self.sort_column;
        let rows = &self.rows;
        let key = |i: usize| -> Option<&SortKey> { rows[i].sort.get(col) };
        let ascending = self.ascending;
        let cmp = |a: &usize, b: &usize| -> Ordering {
            let by_key = match (key(*a), key(*b)) {
                (Some(SortKey::Cell), Some(SortKey::Cell)) => {
                    rows[*a].cells.get(col).cmp(&rows[*b].cells.get(col))
                }
                (ka, kb) => ka.partial_cmp(&kb).unwrap_or(Ordering::Equal),
            };
            let by_key = if ascending { by_key } else { by_key.reverse() };
            // Ties keep one order in both directions: a history reads newest first either way.
            by_key
                .then_with(|| rows[*a].then.total_cmp(&rows[*b].then))
                .then_with(|| {
                    let by_id = rows[*a].id.cmp(&rows[*b].id);
                    if ascending { by_id } else { by_id.reverse() }
                })
        };
        let mut sorted: Vec<usize> = (0..rows.len()).collect();
        sorted.sort_unstable_by(cmp);
        if rows.iter().any(|r| r.parent.is_some()) {
            sorted = group_children(rows, sorted);
        }
        self.sorted = sorted;
    }

    /// Re-applies the filter over the sorted rows, keeping `keep` selected if still visible.
    pub fn rebuild(&mut self, keep: Option<&str>) {
        let filter = &self.filter;
        let rows = &self.rows;
        self.view = self
            .sorted
            .iter()
            .copied()
            .filter(|&i| filter.matches(&rows[i]))
            .collect();
        self.selected = keep
            .and_then(|id| self.view.iter().position(|&i| self.rows[i].id == id))
            .unwrap_or(self.selected)
            .min(self.view.len().saturating_sub(1));
    }

    pub fn set_filter(&mut self, text: &str) -> Result<(), String> {
        let filter = Filter::parse(text)?;
        let keep = self.selected_row().map(|r| r.id.clone());
        self.filter = filter;
        self.filter_text = text.to_owned();
        self.rebuild(keep.as_deref());
        Ok(())
    }

    pub fn sort_by(&mut self, column: usize, ascending: bool) {
        let keep = self.selected_row().map(|r| r.id.clone());
        self.sort_column = column.min(self.columns.len().saturating_sub(1));
        self.ascending = ascending;
        self.resort();
        self.rebuild(keep.as_deref());
    }

    /// Toggles the mark on the selected row.
    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_row().map(|r| r.id.clone()) {
            if !self.marked.remove(&id) {
                self.marked.insert(id.clone());
            }
            self.mark_anchor = Some(id);
        }
    }

    /// Marks every visible row between the last mark and the selection.
    pub fn mark_range(&mut self) {
        let anchor = self
            .mark_anchor
            .as_ref()
            .and_then(|a| self.view.iter().position(|&i| &self.rows[i].id == a))
            .unwrap_or(self.selected);
        let (a, b) = (anchor.min(self.selected), anchor.max(self.selected));
        for pos in a..=b.min(self.view.len().saturating_sub(1)) {
            if let Some(&i) = self.view.get(pos) {
                self.marked.insert(self.rows[i].id.clone());
            }
        }
    }

    /// Marks every row that passes the filter.
    pub fn mark_visible(&mut self) {
        for &i in &self.view {
            self.marked.insert(self.rows[i].id.clone());
        }
    }

    /// The rows an operation acts on: the marked ones that still exist (visible or not), or
    /// the selected one. Also how many of them the filter hides.
    pub fn targets(&self) -> (Vec<&Row>, usize) {
        if self.marked.is_empty() {
            return (self.selected_row().into_iter().collect(), 0);
        }
        let visible: std::collections::HashSet<usize> = self.view.iter().copied().collect();
        let mut hidden = 0;
        let rows: Vec<&Row> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| self.marked.contains(&r.id))
            .map(|(i, r)| {
                if !visible.contains(&i) {
                    hidden += 1;
                }
                r
            })
            .collect();
        (rows, hidden)
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        let last = self.view.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self.view.len().saturating_sub(1);
    }

    /// Wraps around to the next (or previous) row; with every row matching the filter this is
    /// simply the next row, so `n`/`N` step through matches.
    pub fn step_wrapping(&mut self, forward: bool) {
        let n = self.view.len();
        if n == 0 {
            return;
        }
        self.selected = if forward {
            (self.selected + 1) % n
        } else {
            (self.selected + n - 1) % n
        };
    }

    /// Keeps the selection inside a window of `height` rows; returns the first visible row.
    pub fn scroll_to_selection(&mut self, height: usize) -> usize {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(height));
        self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, n: f64, text: &str) -> Row {
        Row::new(
            id.into(),
            vec![id.into(), text.into()],
            vec![SortKey::Num(n), SortKey::Text(text.into())],
        )
    }

    fn table() -> Table {
        let mut t = Table::new(vec![Column::new("ID", 0), Column::new("TEXT", 0)]);
        t.set_rows(
            vec![
                row("a", 3.0, "RUNNING"),
                row("b", 1.0, "PENDING"),
                row("c", 2.0, "RUNNING"),
            ],
            0,
        );
        t
    }

    fn ids(t: &Table) -> Vec<&str> {
        t.view.iter().map(|&i| t.rows[i].id.as_str()).collect()
    }

    #[test]
    fn sorts_and_keeps_the_selected_row() {
        let mut t = table();
        assert_eq!(ids(&t), vec!["b", "c", "a"]);
        t.move_by(1);
        assert_eq!(t.selected_row().unwrap().id, "c");
        t.sort_by(0, false);
        assert_eq!(ids(&t), vec!["a", "c", "b"]);
        assert_eq!(t.selected_row().unwrap().id, "c");
        // A refresh that reorders rows keeps the same row selected and notes what changed.
        t.set_rows(
            vec![
                row("c", 9.0, "FAILED"),
                row("a", 3.0, "RUNNING"),
                row("b", 1.0, "PENDING"),
            ],
            500,
        );
        assert_eq!(t.selected_row().unwrap().id, "c");
        assert_eq!(t.changed.keys().collect::<Vec<_>>(), vec!["c"]);
    }

    #[test]
    fn a_clock_column_moving_on_is_not_a_change() {
        let mut t = Table::new(vec![Column::new("ID", 0), Column::right("AGE", 5).clock()]);
        t.set_rows(vec![row("a", 1.0, "5s"), row("b", 2.0, "7s")], 0);
        t.set_rows(vec![row("a", 1.0, "10s"), row("b", 2.0, "12s")], 5000);
        assert!(t.changed.is_empty(), "ages moved on, nothing changed");
        t.set_rows(vec![row("a", 1.0, "15s"), row("B", 2.0, "17s")], 10_000);
        assert_eq!(t.changed.keys().collect::<Vec<_>>(), vec!["B"]);
    }

    #[test]
    fn filters_contain_exclude_and_regex() {
        let mut t = table();
        t.set_filter("run").unwrap();
        assert_eq!(ids(&t), vec!["c", "a"]);
        t.set_filter("!run").unwrap();
        assert_eq!(ids(&t), vec!["b"]);
        t.set_filter("~^(a|b) ").unwrap();
        assert_eq!(ids(&t), vec!["b", "a"]);
        assert!(t.set_filter("~(").is_err());
        assert_eq!(
            ids(&t),
            vec!["b", "a"],
            "a bad regex leaves the last good filter"
        );
        t.set_filter("").unwrap();
        assert_eq!(t.view.len(), 3);
    }

    #[test]
    fn movement_clamps_and_wraps() {
        let mut t = table();
        t.move_by(-5);
        assert_eq!(t.selected, 0);
        t.move_by(50);
        assert_eq!(t.selected, 2);
        t.step_wrapping(true);
        assert_eq!(t.selected, 0);
        t.step_wrapping(false);
        assert_eq!(t.selected, 2);
        assert_eq!(t.scroll_to_selection(2), 1);
    }
}
