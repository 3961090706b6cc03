//! Plain aligned text tables for `eos get`.

use std::borrow::Cow;

/// Text from a scheduler made safe to print on a terminal: C0 controls (but tab) and DEL in
/// caret notation (`^[`), C1 controls and the bidirectional overrides/isolates (which reorder
/// what follows them on screen) as U+FFFD. Anyone who may pause an update can set its message;
/// printed raw, `ESC ] 52` would write the operator's clipboard and `ESC [ 2J` clear the screen.
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push(c),
            '\u{0}'..='\u{1f}' => {
                out.push('^');
                out.push((c as u8 + b'@') as char);
            }
            '\u{7f}' => out.push_str("^?"),
            c if unsafe_char(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Columns padded to their widest cell; the last column is not padded.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let n = headers.len();
    let rows: Vec<Vec<Cow<str>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate().take(n) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, cell) in cells.enumerate().take(n) {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(cell);
            if i + 1 < n {
                s.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in &rows {
        line(&mut row.iter().map(|c| c.as_ref()));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_columns() {
        let t = super::render(
            &["A", "BB"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["é".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    BB\nxyz  1\né    22\n");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "\x1b]0;PWNED\x07\x1b[2J\u{9b}31m \u{202e}txt.exe\x7f\tok";
        let t = super::render(&["MESSAGE"], &[vec![hostile.into()]]);
        assert_eq!(
            t,
            "MESSAGE\n^[]0;PWNED^G^[[2J\u{fffd}31m \u{fffd}txt.exe^?\tok\n"
        );
        assert!(!t.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        assert!(matches!(
            super::printable("plain é"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
