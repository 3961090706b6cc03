//! Log text as the observer sends it, made safe to show: its XML escaping undone, control
//! characters made visible instead of reaching the terminal, tabs expanded.

/// Undoes `xml.sax.saxutils.escape` (`&amp;` `&lt;` `&gt;`, the only three it writes). Any
/// other `&…;` is left as it is: it was in the log.
pub fn xml_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (with, len) = if tail.starts_with("&amp;") {
            ('&', 5)
        } else if tail.starts_with("&lt;") {
            ('<', 4)
        } else if tail.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        out.push(with);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// Width of a tab stop when tabs are expanded.
pub const TAB: usize = 8;

/// One line made safe for a terminal cell: C0 controls and DEL become their Unicode control
/// pictures (ESC shows as `␛`), C1 controls become U+FFFD, tabs are expanded to spaces, and a
/// trailing carriage return (CRLF logs) is dropped.
pub fn neutralise(line: &str) -> String {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    let mut col = 0usize;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = TAB - col % TAB;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
                continue;
            }
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
        col += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_the_three_entities_once() {
        assert_eq!(
            xml_unescape("a &amp;lt; b &lt;c&gt; &quot;"),
            "a &lt; b <c> &quot;"
        );
        assert_eq!(xml_unescape("no entities"), "no entities");
        assert_eq!(xml_unescape("trailing &"), "trailing &");
    }

    #[test]
    fn control_sequences_are_made_visible() {
        assert_eq!(neutralise("\u{1b}[2J\u{7}x\r"), "\u{241b}[2J\u{2407}x");
        assert_eq!(neutralise("a\tb"), "a       b");
        assert_eq!(neutralise("\u{9b}31m"), "\u{fffd}31m");
        assert_eq!(neutralise("ünï\u{fffd}"), "ünï\u{fffd}");
    }
}
