//! The tail of one log, as the observer's own web UI does it, as a pure state machine: the
//! caller asks [`Tail::next`] what to request, performs it, and hands the reply to
//! [`Tail::on_chunk`]. No I/O and no clock here, so every step is testable.
//!
//! 1. Ask for the size (`offset=-1&length=0`: the reply's offset is the size).
//! 2. Read the last [`INITIAL_BYTES`] (the whole file when smaller), dropping the partial first
//!    line when the read did not start at 0.
//! 3. Poll `offset=END&length=CHUNK`; a full chunk means more is waiting: ask again at once.
//! 4. Every [`CHECK_EVERY`] empty polls, ask for the size again: a file shorter than what was
//!    read was rotated (the observer answers an offset past the end with length 0, which looks
//!    like "nothing new"), and the tail starts again from step 2 on the new file.

use super::client::Chunk;

/// How much of the end of a log the first read shows (the web UI's 32 KiB).
pub const INITIAL_BYTES: u64 = 32 << 10;
/// The length of each following read (the web UI's 50,000).
pub const CHUNK_BYTES: u64 = 50_000;
/// After this many polls in a row that found nothing, the size is checked for a rotation.
pub const CHECK_EVERY: u32 = 5;

/// One request to the observer: `offset` -1 is the end of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    pub offset: i64,
    pub length: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The size is wanted (at the start, or to check for a rotation).
    Size,
    /// The first read, from `start`, whose partial first line is dropped when `start > 0`.
    First { start: u64 },
    /// Following from `end`.
    Follow,
}

/// What a reply meant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// New text to append (may end without a newline: the rest comes in the next chunk).
    pub text: String,
    /// Ask again at once (more is waiting) instead of after the poll interval.
    pub again_now: bool,
    /// The log was rotated: `(bytes read before, new size)`; earlier text is from the old file.
    pub rotated: Option<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tail {
    phase: Phase,
    /// The file offset up to which text has been handed out.
    end: u64,
    /// The file offset where the handed-out text starts (for loading earlier text).
    start: u64,
    /// Whether the size was ever learned (the first size starts the tail, later ones check).
    sized: bool,
    empty_polls: u32,
    initial: u64,
    chunk: u64,
}

impl Default for Tail {
    fn default() -> Self {
        Tail::new()
    }
}

impl Tail {
    pub fn new() -> Tail {
        Tail::with_sizes(INITIAL_BYTES, CHUNK_BYTES)
    }

    /// A tail that first shows `initial` bytes and then reads `chunk` bytes at a time.
    pub fn with_sizes(initial: u64, chunk: u64) -> Tail {
        Tail {
            phase: Phase::Size,
            end: 0,
            start: 0,
            sized: false,
            empty_polls: 0,
            initial,
            chunk: chunk.max(1),
        }
    }

    /// A tail that shows the whole file from its start (for `eos get logs` without `--tail`).
    pub fn from_start(chunk: u64) -> Tail {
        Tail {
            phase: Phase::Follow,
            sized: true,
            ..Tail::with_sizes(0, chunk)
        }
    }

    /// The request to make next.
    pub fn next(&self) -> Want {
        match self.phase {
            Phase::Size => Want {
                offset: -1,
                length: 0,
            },
            Phase::First { start } => Want {
                offset: start as i64,
                length: self.initial.max(1),
            },
            Phase::Follow => Want {
                offset: self.end as i64,
                length: self.chunk,
            },
        }
    }

    /// The offset up to which text was handed out.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The offset the handed-out text starts at: earlier text can be read from before it.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Notes that earlier text down to `start` was loaded (see [`earlier`]).
    pub fn set_start(&mut self, start: u64) {
        self.start = start.min(self.start);
    }

    /// Has the first read been made (so there is text, or the file is empty)?
    pub fn started(&self) -> bool {
        self.phase == Phase::Follow || (self.sized && self.phase == Phase::Size)
    }

    /// The reply to the request [`next`](Self::next) returned.
    pub fn on_chunk(&mut self, chunk: &Chunk) -> Step {
        match self.phase {
            Phase::Size => {
                let size = chunk.offset;
                if self.sized && size >= self.end {
                    self.phase = Phase::Follow;
                    return Step {
                        again_now: size > self.end,
                        ..Step::default()
                    };
                }
                let rotated = self.sized.then_some((self.end, size));
                self.sized = true;
                let start = size.saturating_sub(self.initial);
                self.start = start;
                self.end = start;
                self.phase = Phase::First { start };
                Step {
                    again_now: true,
                    rotated,
                    ..Step::default()
                }
            }
            Phase::First { start } => {
                self.end = chunk.end().max(start);
                self.phase = Phase::Follow;
                let mut text = chunk.text.clone();
                if start > 0 {
                    // The read began mid-line: show whole lines only.
                    match text.find('\n') {
                        Some(i) => {
                            self.start = start + i as u64 + 1;
                            text.drain(..=i);
                        }
                        None => {
                            self.start = self.end;
                            text.clear();
                        }
                    }
                }
                Step {
                    text,
                    again_now: chunk.length >= self.initial.max(1),
                    rotated: None,
                }
            }
            Phase::Follow => {
                if chunk.length == 0 {
                    self.empty_polls += 1;
                    if self.empty_polls >= CHECK_EVERY {
                        self.empty_polls = 0;
                        self.phase = Phase::Size;
                    }
                    return Step::default();
                }
                self.empty_polls = 0;
                self.end = chunk.end();
                Step {
                    text: chunk.text.clone(),
                    again_now: chunk.length >= self.chunk,
                    rotated: None,
                }
            }
        }
    }
}

/// The request for the text just before `start` (at most `chunk` bytes), or `None` at the top.
pub fn earlier(start: u64, chunk: u64) -> Option<Want> {
    (start > 0).then(|| {
        let from = start.saturating_sub(chunk);
        Want {
            offset: from as i64,
            length: start - from,
        }
    })
}

/// The text of an earlier read (from [`earlier`]) trimmed to whole lines: the partial first line
/// is dropped unless the read began at 0. Returns the text and the offset it now starts at.
pub fn earlier_text(chunk: &Chunk) -> (String, u64) {
    if chunk.offset == 0 {
        return (chunk.text.clone(), 0);
    }
    match chunk.text.find('\n') {
        Some(i) => (chunk.text[i + 1..].to_owned(), chunk.offset + i as u64 + 1),
        None => (String::new(), chunk.end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(offset: u64, text: &str) -> Chunk {
        Chunk {
            offset,
            length: text.len() as u64,
            text: text.to_owned(),
        }
    }

    #[test]
    fn small_file_is_read_whole_then_followed() {
        let mut t = Tail::with_sizes(100, 10);
        assert_eq!(
            t.next(),
            Want {
                offset: -1,
                length: 0
            }
        );
        let s = t.on_chunk(&chunk(20, ""));
        assert!(s.again_now && s.rotated.is_none());
        assert_eq!(
            t.next(),
            Want {
                offset: 0,
                length: 100
            }
        );
        let s = t.on_chunk(&chunk(0, "line one\nline two\n12"));
        assert_eq!(s.text, "line one\nline two\n12");
        assert!(!s.again_now);
        assert_eq!(
            t.next(),
            Want {
                offset: 20,
                length: 10
            }
        );
        // A full chunk: ask again at once.
        let s = t.on_chunk(&chunk(20, "3\nabcdefgh"));
        assert!(s.again_now);
        assert_eq!(t.next().offset, 30);
    }

    #[test]
    fn large_file_starts_at_a_line() {
        let mut t = Tail::with_sizes(10, 10);
        t.on_chunk(&chunk(1000, ""));
        assert_eq!(
            t.next(),
            Want {
                offset: 990,
                length: 10
            }
        );
        let s = t.on_chunk(&chunk(990, "tial\nwhole"));
        assert_eq!(s.text, "whole");
        assert_eq!(t.start(), 995);
        assert_eq!(t.end(), 1000);
    }

    #[test]
    fn a_shrunk_file_is_a_rotation() {
        let mut t = Tail::with_sizes(100, 10);
        t.on_chunk(&chunk(5, ""));
        t.on_chunk(&chunk(0, "abcd\n"));
        for _ in 0..CHECK_EVERY {
            assert_eq!(t.next().offset, 5);
            t.on_chunk(&chunk(5, ""));
        }
        assert_eq!(
            t.next(),
            Want {
                offset: -1,
                length: 0
            }
        );
        let s = t.on_chunk(&chunk(3, ""));
        assert_eq!(s.rotated, Some((5, 3)));
        assert_eq!(
            t.next(),
            Want {
                offset: 0,
                length: 100
            }
        );
        assert_eq!(t.on_chunk(&chunk(0, "xy\n")).text, "xy\n");
        assert_eq!(t.next().offset, 3);
    }

    #[test]
    fn a_size_check_that_finds_growth_keeps_following() {
        let mut t = Tail::with_sizes(100, 10);
        t.on_chunk(&chunk(0, ""));
        t.on_chunk(&chunk(0, ""));
        for _ in 0..CHECK_EVERY {
            t.on_chunk(&chunk(0, ""));
        }
        let s = t.on_chunk(&chunk(7, ""));
        assert!(s.rotated.is_none() && s.again_now);
        assert_eq!(
            t.next(),
            Want {
                offset: 0,
                length: 10
            }
        );
    }

    #[test]
    fn earlier_reads_stop_at_the_top() {
        assert_eq!(earlier(0, 10), None);
        assert_eq!(
            earlier(4, 10),
            Some(Want {
                offset: 0,
                length: 4
            })
        );
        assert_eq!(
            earlier(25, 10),
            Some(Want {
                offset: 15,
                length: 10
            })
        );
        assert_eq!(
            earlier_text(&chunk(15, "ial\nab\n")),
            ("ab\n".to_owned(), 19)
        );
        assert_eq!(earlier_text(&chunk(0, "ab\n")), ("ab\n".to_owned(), 0));
    }
}
