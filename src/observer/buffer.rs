//! The lines a log view holds, bounded: at most `max_lines` lines and about `max_bytes` bytes
//! (oldest dropped first), and a line without an end is cut at [`MAX_LINE_BYTES`] so endless
//! text without newlines cannot grow one line forever. Text is neutralised on the way in
//! (control characters made visible), so what is stored is safe to draw.
//!
//! Several sources (the instances of a merged tail) share one buffer; each keeps its own
//! unfinished last line, so their text interleaves by whole lines.

use std::collections::VecDeque;

use super::text::neutralise;

/// Default bound on lines per pane.
pub const DEFAULT_MAX_LINES: usize = 20_000;
/// Default bound on bytes per pane.
pub const DEFAULT_MAX_BYTES: usize = 16 << 20;
/// A line longer than this is cut into pieces.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// What each line costs beyond its text, for the byte bound.
const LINE_OVERHEAD: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Which source it came from (an index the caller gives meaning to).
    pub source: u16,
    /// Neutralised text, without its newline.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_lines: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_lines: DEFAULT_MAX_LINES,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct LineBuffer {
    lines: VecDeque<Line>,
    bytes: usize,
    limits: Limits,
    /// Each source's text after its last newline.
    partial: Vec<(u16, String)>,
    /// Lines dropped from the top to stay within the limits.
    dropped: u64,
}

impl LineBuffer {
    pub fn new(limits: Limits) -> LineBuffer {
        LineBuffer {
            limits: Limits {
                max_lines: limits.max_lines.max(1),
                max_bytes: limits.max_bytes.max(LINE_OVERHEAD + 1),
            },
            ..LineBuffer::default()
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Complete lines held (unfinished last lines are shown by [`line`](Self::line) too).
    pub fn len(&self) -> usize {
        self.lines.len() + self.partial.iter().filter(|(_, p)| !p.is_empty()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held (text plus a per-line overhead).
    pub fn bytes(&self) -> usize {
        self.bytes + self.partial.iter().map(|(_, p)| p.len()).sum::<usize>()
    }

    /// Lines dropped from the top so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether the buffer is at a limit (so earlier text cannot be added).
    pub fn is_full(&self) -> bool {
        self.lines.len() >= self.limits.max_lines || self.bytes >= self.limits.max_bytes
    }

    /// The unfinished last lines, by source (shown after the complete ones).
    pub fn unfinished(&self) -> impl Iterator<Item = (u16, &str)> {
        self.partial
            .iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(s, p)| (*s, p.as_str()))
    }

    /// Every line, complete ones and then unfinished ones, as (source, text).
    pub fn iter(&self) -> impl Iterator<Item = (u16, &str)> {
        self.lines
            .iter()
            .map(|l| (l.source, l.text.as_str()))
            .chain(self.unfinished())
    }

    /// Appends text from `source`; a missing final newline leaves an unfinished line that the
    /// next text from the same source continues.
    pub fn push(&mut self, source: u16, text: &str) {
        if text.is_empty() {
            return;
        }
        let idx = match self.partial.iter().position(|(s, _)| *s == source) {
            Some(i) => i,
            None => {
                self.partial.push((source, String::new()));
                self.partial.len() - 1
            }
        };
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            let mut line = std::mem::take(&mut self.partial[idx].1);
            line.push_str(&rest[..nl]);
            rest = &rest[nl + 1..];
            self.finish_line(source, &line);
        }
        self.partial[idx].1.push_str(rest);
        while self.partial[idx].1.len() > MAX_LINE_BYTES {
            let p = &mut self.partial[idx].1;
            let cut = floor_char_boundary(p, MAX_LINE_BYTES).max(1);
            let tail = p.split_off(cut);
            let head = std::mem::replace(p, tail);
            self.finish_line(source, &head);
        }
    }

    /// Puts earlier text of `source` (whole lines) before everything held, as far as the
    /// limits allow: returns how many lines were added.
    pub fn prepend(&mut self, source: u16, text: &str) -> usize {
        let text = text.strip_suffix('\n').unwrap_or(text);
        if text.is_empty() {
            return 0;
        }
        let mut added = 0;
        for raw in text.rsplit('\n') {
            let mut piece = raw;
            if piece.len() > MAX_LINE_BYTES {
                piece = &piece[..floor_char_boundary(piece, MAX_LINE_BYTES)];
            }
            let line = Line {
                source,
                text: neutralise(piece),
            };
            let cost = line.text.len() + LINE_OVERHEAD;
            if self.lines.len() >= self.limits.max_lines
                || self.bytes + cost > self.limits.max_bytes
            {
                break;
            }
            self.bytes += cost;
            self.lines.push_front(line);
            added += 1;
        }
        added
    }

    /// Forgets everything (a new process, run or log).
    pub fn clear(&mut self) {
        self.lines.clear();
        self.partial.clear();
        self.bytes = 0;
        self.dropped = 0;
    }

    fn finish_line(&mut self, source: u16, raw: &str) {
        let text = neutralise(raw);
        self.bytes += text.len() + LINE_OVERHEAD;
        self.lines.push_back(Line { source, text });
        while self.lines.len() > self.limits.max_lines || self.bytes > self.limits.max_bytes {
            match self.lines.pop_front() {
                Some(l) => {
                    self.bytes -= l.text.len() + LINE_OVERHEAD;
                    self.dropped += 1;
                }
                None => break,
            }
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(b: &LineBuffer) -> Vec<String> {
        b.iter().map(|(s, t)| format!("{s}:{t}")).collect()
    }

    #[test]
    fn lines_join_across_chunks_per_source() {
        let mut b = LineBuffer::new(Limits::default());
        b.push(0, "a1\na");
        b.push(1, "b1\nb");
        b.push(0, "2\n");
        b.push(1, "2");
        assert_eq!(texts(&b), ["0:a1", "1:b1", "0:a2", "1:b2"]);
    }

    #[test]
    fn oldest_lines_go_first_at_the_line_limit() {
        let mut b = LineBuffer::new(Limits {
            max_lines: 3,
            max_bytes: 1 << 20,
        });
        for i in 0..10 {
            b.push(0, &format!("{i}\n"));
        }
        assert_eq!(texts(&b), ["0:7", "0:8", "0:9"]);
        assert_eq!(b.dropped(), 7);
    }

    #[test]
    fn bytes_stay_under_the_byte_limit() {
        let mut b = LineBuffer::new(Limits {
            max_lines: 1_000_000,
            max_bytes: 10_000,
        });
        for _ in 0..1000 {
            b.push(0, &"x".repeat(100));
            b.push(0, "\n");
        }
        assert!(b.bytes() <= 10_000, "{}", b.bytes());
        assert!(b.len() > 50);
    }

    #[test]
    fn endless_text_without_newlines_is_cut() {
        let mut b = LineBuffer::new(Limits::default());
        for _ in 0..100 {
            b.push(0, &"é".repeat(10_000));
        }
        assert!(b.iter().all(|(_, t)| t.len() <= MAX_LINE_BYTES));
        assert!(b.bytes() <= DEFAULT_MAX_BYTES);
    }

    #[test]
    fn text_is_neutralised() {
        let mut b = LineBuffer::new(Limits::default());
        b.push(0, "\u{1b}[31mred\u{1b}[0m\r\n");
        assert_eq!(texts(&b), ["0:\u{241b}[31mred\u{241b}[0m"]);
    }

    #[test]
    fn prepend_adds_earlier_lines_in_order() {
        let mut b = LineBuffer::new(Limits {
            max_lines: 4,
            max_bytes: 1 << 20,
        });
        b.push(0, "c\nd\n");
        assert_eq!(b.prepend(0, "x\na\nb\n"), 2);
        assert_eq!(texts(&b), ["0:a", "0:b", "0:c", "0:d"]);
    }
}
