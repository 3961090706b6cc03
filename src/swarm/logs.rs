//! A Swarm task's or service's log from the Engine: `GET /tasks/{id}/logs` and
//! `/services/{id}/logs` with `timestamps=1`, read within a byte bound and split into lines.
//!
//! The body of a non-TTY task's log is multiplexed: each message is one frame, an 8-byte header
//! (stream type 1 stdout / 2 stderr, three zero bytes, a big-endian u32 payload length) and the
//! payload. A TTY task's log has no headers (the Engine cannot tell its streams apart), so the
//! first byte decides: 0, 1 or 2 is a frame header, anything else is raw text.
//!
//! Why the frames are decoded here and not by bollard's `task_logs`/`service_logs`: bollard's
//! decoder yields a frame only once its whole payload is buffered, so a frame that claims 4 GiB
//! and whose bytes keep coming grows one buffer for as long as they do (and its reads have no
//! limit, as `client` says for the GETs). [`Demux`] passes a payload through as it arrives and
//! keeps at most [`MAX_LINE_BYTES`] of one message; the rest is counted and dropped, so memory
//! stays bounded whatever the Engine sends, and the read as a whole stops at the caller's byte
//! bound.
//!
//! Each line starts with the Engine's RFC 3339 timestamp (nanoseconds); with `details=1` (a
//! service's log) the attributes follow, among them the task's id. The timestamp of the last
//! line read is where the next read starts (`since`, one nanosecond later), so a reader that
//! polls, is cut off or loses the Engine resumes without repeating or losing lines.

use std::time::Duration;

use crate::observer::LogKind;
use crate::swarm::client::{SwarmClient, SwarmError, chain};
use crate::swarm::reads::segment;

/// The most of one message kept (a longer one is cut and marked); the same bound the log
/// pane's buffer puts on a line, plus room for the timestamp and a service log's attributes.
pub const MAX_LINE_BYTES: usize = crate::observer::buffer::MAX_LINE_BYTES + 1024;

/// Whose log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogTarget {
    /// One task (by id).
    Task(String),
    /// Every task of a service (by id or name), interleaved by the Engine.
    Service(String),
}

impl LogTarget {
    pub fn id(&self) -> &str {
        match self {
            LogTarget::Task(id) | LogTarget::Service(id) => id,
        }
    }

    fn path(&self) -> Result<String, SwarmError> {
        Ok(match self {
            LogTarget::Task(id) => format!("/tasks/{}/logs", segment(id)?),
            LogTarget::Service(id) => format!("/services/{}/logs", segment(id)?),
        })
    }
}

/// A point in time as the Engine writes it in a log line, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Stamp {
    /// `2026-11-29T05:40:01.123456789Z` (any RFC 3339 form); None for anything else.
    pub fn parse(text: &str) -> Option<Stamp> {
        let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
        Some(Stamp {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos().min(999_999_999),
        })
    }

    /// One nanosecond later: where a read resumes after the line stamped `self`.
    pub fn next(self) -> Stamp {
        if self.nanos >= 999_999_999 {
            Stamp {
                secs: self.secs.saturating_add(1),
                nanos: 0,
            }
        } else {
            Stamp {
                secs: self.secs,
                nanos: self.nanos + 1,
            }
        }
    }

    /// The Engine's `since` form, `SECONDS.NANOSECONDS`.
    pub fn query(self) -> String {
        format!("{}.{:09}", self.secs, self.nanos)
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.secs
            .saturating_mul(1000)
            .saturating_add(i64::from(self.nanos / 1_000_000))
    }
}

/// What to ask for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub stdout: bool,
    pub stderr: bool,
    /// Keep the reply open and send new lines as they are written.
    pub follow: bool,
    /// Only lines stamped at or after this.
    pub since: Option<Stamp>,
    /// Only the last N lines (None: all).
    pub tail: Option<u64>,
    /// Each line carries its task (`details=1`): asked for a service's log.
    pub details: bool,
}

impl LogQuery {
    fn string(&self) -> String {
        let bit = |b: bool| if b { "1" } else { "0" };
        let mut q = format!(
            "stdout={}&stderr={}&timestamps=1&follow={}&details={}",
            bit(self.stdout),
            bit(self.stderr),
            bit(self.follow),
            bit(self.details)
        );
        if let Some(s) = self.since {
            q.push_str("&since=");
            q.push_str(&s.query());
        }
        if let Some(n) = self.tail {
            q.push_str(&format!("&tail={n}"));
        }
        q
    }
}

/// One log line (one message of the Engine), without its newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub kind: LogKind,
    /// The Engine's timestamp, when the line had one.
    pub at: Option<Stamp>,
    /// The task it came from, when the Engine said (`details=1`).
    pub task: Option<String>,
    /// The text, invalid UTF-8 replaced (control characters are left to the reader).
    pub text: String,
    /// Part of the message was not kept: it was longer than [`MAX_LINE_BYTES`], or the reply
    /// ended (or the read stopped) inside it.
    pub cut: bool,
}

impl LogLine {
    /// The line as the pane and `eos get logs` show it: a service's line led by its task's
    /// short id, a cut line saying so.
    pub fn shown(&self) -> String {
        let mut out = String::new();
        if let Some(task) = &self.task {
            out.extend(task.chars().take(12));
            out.push_str(" │ ");
        }
        out.push_str(&self.text);
        if self.cut {
            out.push_str(" [… cut]");
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Nothing read yet.
    Unknown,
    /// Frames with headers (a task without a TTY).
    Framed,
    /// Plain text (a TTY task): lines end at newlines, all of it is stdout.
    Raw,
}

/// The message being read: its stream, what is kept of it, and (framed) how much is to come.
#[derive(Debug)]
struct Pending {
    kind: LogKind,
    kept: Vec<u8>,
    dropped: u64,
    /// Payload bytes still to come (framed); unused when raw.
    remaining: u64,
}

/// Turns the bytes of a logs reply into lines, whatever arrives: piece by piece, never holding
/// more than one header and [`MAX_LINE_BYTES`] of one message. Pure: feed it the body's chunks
/// and take the lines it completes.
#[derive(Debug)]
pub struct Demux {
    mode: Mode,
    header: [u8; 8],
    header_len: usize,
    pending: Option<Pending>,
    details: bool,
}

impl Demux {
    /// `details`: the lines carry the Engine's attributes after the timestamp (`details=1`).
    pub fn new(details: bool) -> Demux {
        Demux {
            mode: Mode::Unknown,
            header: [0; 8],
            header_len: 0,
            pending: None,
            details,
        }
    }

    /// Takes the next bytes of the reply; appends the lines they complete to `out`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<LogLine>) {
        while !data.is_empty() {
            match self.mode {
                Mode::Unknown => {
                    self.mode = if data[0] <= 2 {
                        Mode::Framed
                    } else {
                        Mode::Raw
                    };
                }
                Mode::Framed => data = self.feed_framed(data, out),
                Mode::Raw => data = self.feed_raw(data, out),
            }
        }
    }

    fn feed_framed<'d>(&mut self, data: &'d [u8], out: &mut Vec<LogLine>) -> &'d [u8] {
        let Some(p) = self.pending.as_mut() else {
            let take = (8 - self.header_len).min(data.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&data[..take]);
            self.header_len += take;
            if self.header_len == 8 {
                self.header_len = 0;
                let h = self.header;
                let length = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                // Only the claim is noted: nothing is reserved for it.
                if length > 0 {
                    self.pending = Some(Pending {
                        kind: if h[0] == 2 {
                            LogKind::Stderr
                        } else {
                            LogKind::Stdout
                        },
                        kept: Vec::new(),
                        dropped: 0,
                        remaining: u64::from(length),
                    });
                }
            }
            return &data[take..];
        };
        let take = (p.remaining.min(data.len() as u64)) as usize;
        keep(p, &data[..take]);
        p.remaining -= take as u64;
        if p.remaining == 0 {
            let p = self.pending.take().expect("a message is being read");
            out.push(self.line(p, false));
        }
        &data[take..]
    }

    fn feed_raw<'d>(&mut self, data: &'d [u8], out: &mut Vec<LogLine>) -> &'d [u8] {
        let p = self.pending.get_or_insert_with(|| Pending {
            kind: LogKind::Stdout,
            kept: Vec::new(),
            dropped: 0,
            remaining: 0,
        });
        match data.iter().position(|&b| b == b'\n') {
            Some(nl) => {
                keep(p, &data[..nl]);
                let p = self.pending.take().expect("a line is being read");
                out.push(self.line(p, false));
                &data[nl + 1..]
            }
            None => {
                keep(p, data);
                &[]
            }
        }
    }

    /// The reply ended (or the read stopped): the message it was inside, cut, if any.
    pub fn finish(&mut self, out: &mut Vec<LogLine>) {
        self.header_len = 0;
        if let Some(p) = self.pending.take()
            && (!p.kept.is_empty() || p.dropped > 0)
        {
            let cut = self.mode == Mode::Framed;
            out.push(self.line(p, cut));
        }
    }

    fn line(&self, p: Pending, ended_early: bool) -> LogLine {
        let raw = String::from_utf8_lossy(&p.kept);
        let mut rest = raw.strip_suffix('\n').unwrap_or(&raw);
        let mut at = None;
        if let Some((first, after)) = rest.split_once(' ')
            && let Some(t) = Stamp::parse(first)
        {
            at = Some(t);
            rest = after;
        }
        let mut task = None;
        if self.details
            && at.is_some()
            && let Some((attrs, after)) = rest.split_once(' ')
            && (attrs.is_empty() || attrs.contains('='))
        {
            task = attrs
                .split(',')
                .find_map(|kv| kv.strip_prefix("com.docker.swarm.task.id="))
                .map(str::to_owned);
            rest = after;
        }
        LogLine {
            kind: p.kind,
            at,
            task,
            text: rest.to_owned(),
            cut: ended_early || p.dropped > 0,
        }
    }
}

/// Keeps what room is left of `bytes` in the message and counts the rest.
fn keep(p: &mut Pending, bytes: &[u8]) {
    let room = MAX_LINE_BYTES.saturating_sub(p.kept.len()).min(bytes.len());
    p.kept.extend_from_slice(&bytes[..room]);
    p.dropped += (bytes.len() - room) as u64;
}

/// A log reply being read.
pub struct LogStream {
    resp: reqwest::Response,
    demux: Demux,
    done: bool,
}

impl LogStream {
    /// The next lines: at least one, or an empty list when the reply has ended.
    pub async fn next(&mut self) -> Result<Vec<LogLine>, SwarmError> {
        let mut out = Vec::new();
        while out.is_empty() && !self.done {
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.demux.feed(&bytes, &mut out),
                Ok(None) => {
                    self.done = true;
                    self.demux.finish(&mut out);
                }
                Err(e) if e.is_timeout() => return Err(SwarmError::Timeout(chain(&e))),
                Err(e) => {
                    return Err(SwarmError::Transport {
                        sent: true,
                        text: format!("the Docker Engine's log broke off: {}", chain(&e)),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// What one bounded read gave.
#[derive(Debug, Default)]
pub struct LogRead {
    pub lines: Vec<LogLine>,
    /// It stopped at the byte bound: more is waiting (read again from the last line's stamp).
    pub more: bool,
}

/// How long a followed log may stay open (the client's own timeout is for whole replies).
const FOLLOW_FOR: Duration = Duration::from_secs(365 * 24 * 3600);

impl SwarmClient {
    /// Opens a log reply; read it with [`LogStream::next`].
    pub async fn logs(&self, target: &LogTarget, q: &LogQuery) -> Result<LogStream, SwarmError> {
        let path = format!("{}?{}", target.path()?, q.string());
        let timeout = q.follow.then_some(FOLLOW_FOR);
        let resp = self.open(&path, timeout).await.map_err(|e| match e {
            SwarmError::NotFound(m) => SwarmError::NotFound(match target {
                LogTarget::Task(id) => format!("task {id}: {m}"),
                LogTarget::Service(id) => format!("service {id}: {m}"),
            }),
            e => e,
        })?;
        Ok(LogStream {
            resp,
            demux: Demux::new(q.details),
            done: false,
        })
    }

    /// The lines a (not followed) log reply holds, reading at most about `max_bytes` of it.
    pub async fn read_logs(
        &self,
        target: &LogTarget,
        q: &LogQuery,
        max_bytes: usize,
    ) -> Result<LogRead, SwarmError> {
        let mut s = self
            .logs(
                target,
                &LogQuery {
                    follow: false,
                    ..q.clone()
                },
            )
            .await?;
        let mut read = LogRead::default();
        let mut bytes = 0usize;
        loop {
            match s.resp.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len();
                    s.demux.feed(&chunk, &mut read.lines);
                    if bytes >= max_bytes {
                        // The message the bound fell in is kept, cut; the next read starts
                        // after its stamp.
                        s.demux.finish(&mut read.lines);
                        read.more = true;
                        return Ok(read);
                    }
                }
                Ok(None) => {
                    s.demux.finish(&mut read.lines);
                    return Ok(read);
                }
                Err(e) if e.is_timeout() => return Err(SwarmError::Timeout(chain(&e))),
                Err(e) => {
                    return Err(SwarmError::Transport {
                        sent: true,
                        text: format!("the Docker Engine's log broke off: {}", chain(&e)),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, payload: &str) -> Vec<u8> {
        let mut f = vec![kind, 0, 0, 0];
        f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        f.extend_from_slice(payload.as_bytes());
        f
    }

    const T1: &str = "2026-11-29T05:40:01.123456789Z";

    #[test]
    fn frames_split_anywhere_give_the_same_lines_with_streams_apart() {
        let mut body = frame(1, &format!("{T1} out 0\n"));
        body.extend(frame(2, &format!("{T1} err 0\n")));
        body.extend(frame(1, "2026-11-29T05:40:02.000000000Z out 1\n"));
        for step in [1, 3, 7, 8, 9, body.len()] {
            let mut d = Demux::new(false);
            let mut out = Vec::new();
            for piece in body.chunks(step) {
                d.feed(piece, &mut out);
            }
            d.finish(&mut out);
            let got: Vec<(LogKind, &str, bool)> = out
                .iter()
                .map(|l| (l.kind, l.text.as_str(), l.cut))
                .collect();
            assert_eq!(
                got,
                [
                    (LogKind::Stdout, "out 0", false),
                    (LogKind::Stderr, "err 0", false),
                    (LogKind::Stdout, "out 1", false)
                ],
                "pieces of {step}"
            );
            assert_eq!(out[0].at, Stamp::parse(T1));
            assert_eq!(
                out[0].at.unwrap(),
                Stamp {
                    secs: 1_795_930_801,
                    nanos: 123_456_789
                }
            );
        }
    }

    #[test]
    fn a_frame_claiming_four_gib_keeps_one_line_and_stays_bounded() {
        let mut d = Demux::new(false);
        let mut out = Vec::new();
        let mut header = vec![1, 0, 0, 0];
        header.extend_from_slice(&u32::MAX.to_be_bytes());
        d.feed(&header, &mut out);
        d.feed(format!("{T1} ").as_bytes(), &mut out);
        // 8 MiB of the claimed 4 GiB arrive: nothing is complete, little is kept.
        let block = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            d.feed(&block, &mut out);
        }
        assert!(out.is_empty());
        let kept = d.pending.as_ref().map_or(0, |p| p.kept.capacity());
        assert!(kept <= 2 * MAX_LINE_BYTES, "{kept} bytes held");
        // The reply ends inside the frame (truncated): the line is given, cut, with its stamp.
        d.finish(&mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].cut);
        assert_eq!(out[0].at, Stamp::parse(T1));
        assert!(out[0].text.len() <= MAX_LINE_BYTES);
    }

    #[test]
    fn truncated_headers_and_payloads_end_without_panics() {
        let whole = frame(2, &format!("{T1} half a line"));
        for cut in 0..whole.len() {
            let mut d = Demux::new(false);
            let mut out = Vec::new();
            d.feed(&whole[..cut], &mut out);
            d.finish(&mut out);
            if cut > 8 {
                assert_eq!(out.len(), 1, "cut at {cut}");
                assert!(out[0].cut);
                assert_eq!(out[0].kind, LogKind::Stderr);
            } else {
                assert!(out.is_empty(), "cut at {cut}: {out:?}");
            }
        }
        // Garbage stream types and zero lengths are taken as they come.
        let mut d = Demux::new(false);
        let mut out = Vec::new();
        d.feed(
            &[0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, b'\xff'],
            &mut out,
        );
        d.finish(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "\u{fffd}");
    }

    #[test]
    fn a_tty_log_is_raw_lines() {
        let mut d = Demux::new(false);
        let mut out = Vec::new();
        d.feed(format!("{T1} one\r\n{T1} tw").as_bytes(), &mut out);
        d.feed(b"o\n", &mut out);
        d.finish(&mut out);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["one\r", "two"]);
        assert!(out.iter().all(|l| l.kind == LogKind::Stdout && !l.cut));
    }

    #[test]
    fn details_name_the_task() {
        let mut d = Demux::new(true);
        let mut out = Vec::new();
        d.feed(
            &frame(
                1,
                &format!(
                    "{T1} com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,\
                     com.docker.swarm.task.id=t1 hello world\n"
                ),
            ),
            &mut out,
        );
        assert_eq!(out[0].task.as_deref(), Some("t1"));
        assert_eq!(out[0].text, "hello world");
    }

    #[test]
    fn stamps_resume_one_nanosecond_later() {
        let t = Stamp::parse(T1).unwrap();
        assert_eq!(t.next().query(), "1795930801.123456790");
        let end = Stamp::parse("2026-11-29T05:40:01.999999999Z").unwrap();
        assert_eq!(end.next().query(), "1795930802.000000000");
        assert_eq!(t.millis(), 1_795_930_801_123);
        assert!(Stamp::parse("not-a-time").is_none());
        let q = LogQuery {
            stdout: true,
            since: Some(t),
            tail: Some(5),
            ..Default::default()
        };
        assert_eq!(
            q.string(),
            "stdout=1&stderr=0&timestamps=1&follow=0&details=0&since=1795930801.123456789&tail=5"
        );
    }
}
