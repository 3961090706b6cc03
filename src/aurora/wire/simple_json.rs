//! JSON for scripts, written straight from model values to an `io::Write` as they are walked.
//!
//! The shape is Apache Thrift's TSimpleJSON: a struct is an object keyed by the IDL field names
//! (`assignedTask`, `taskId`), unset optional fields are absent, lists and sets are arrays, maps
//! are objects (keys always quoted, as TSimpleJSON quotes numbers in key position), a union is an
//! object with its one member. Two styles differ only in scalars:
//!
//! * [`JsonStyle::AuroraTasks`] — what `aurora job status --write-json` prints for each task:
//!   TSimpleJSON's integers for enums and 1/0 for bools, except that every `status` field is the
//!   ScheduleStatus name and `isService` / `production` are JSON booleans (the CLI's
//!   post-processing in `StatusCommand.render_tasks_json`).
//! * [`JsonStyle::Idl`] — every other `eos get -o json`: enums by name (a number this version
//!   does not know stays a number) and bools as booleans.
//!
//! Layout follows Python's `json.dumps(indent=2, separators=(",", ": "))`, which the aurora CLI
//! uses, so `grep`-style scripts see one field per line as before.
//!
//! Output goes through a 64 KiB buffer flushed to the sink as it fills: nothing is built as one
//! string. [`ProtocolWriter`] methods cannot fail, so the first I/O error (a closed pipe) is
//! kept, later output is dropped, and [`SimpleJsonWriter::finish`] reports it.

use std::io::{self, Write};

use super::{MessageType, ProtocolWriter, TType};

/// Which scalars the writer prints how (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonStyle {
    AuroraTasks,
    Idl,
}

const FLUSH_AT: usize = 64 << 10;

#[derive(Clone, Copy)]
enum Frame {
    /// A struct: keys come from field names.
    Struct {
        empty: bool,
    },
    /// A map: keys and values alternate.
    Map {
        empty: bool,
        key_next: bool,
    },
    Array {
        empty: bool,
    },
}

pub struct SimpleJsonWriter<W: Write> {
    sink: W,
    buf: Vec<u8>,
    error: Option<io::Error>,
    style: JsonStyle,
    stack: Vec<Frame>,
    /// The IDL name of the field whose value comes next (for the Aurora style's exceptions).
    field: &'static str,
}

impl<W: Write> SimpleJsonWriter<W> {
    pub fn new(sink: W, style: JsonStyle) -> Self {
        Self {
            sink,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            error: None,
            style,
            stack: Vec::with_capacity(16),
            field: "",
        }
    }

    /// Writes out what is buffered and hands back the first I/O error, if any.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_buf();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.sink.flush()?;
        Ok(self.sink)
    }

    /// Raw text after the value (a final newline).
    pub fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn flush_buf(&mut self) {
        if self.error.is_none()
            && !self.buf.is_empty()
            && let Err(e) = self.sink.write_all(&self.buf)
        {
            self.error = Some(e);
        }
        self.buf.clear();
    }

    #[inline]
    fn maybe_flush(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf();
        }
    }

    #[inline]
    fn newline_indent(&mut self) {
        // A newline and up to 62 levels of indent in one copy (deeper levels loop).
        const LINE: &[u8; 129] = &{
            let mut l = [b' '; 129];
            l[0] = b'\n';
            l
        };
        let n = self.stack.len() * 2;
        if n < LINE.len() {
            self.buf.extend_from_slice(&LINE[..n + 1]);
        } else {
            self.buf.push(b'\n');
            self.buf.extend(std::iter::repeat_n(b' ', n));
        }
    }

    /// Separators before a value; `true` when the value is a map key (and must be quoted).
    #[inline]
    fn before_value(&mut self) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Array { empty }) => {
                if !std::mem::replace(empty, false) {
                    self.buf.push(b',');
                }
                self.newline_indent();
                false
            }
            Some(Frame::Map { empty, key_next }) => {
                if *key_next {
                    *key_next = false;
                    if !std::mem::replace(empty, false) {
                        self.buf.push(b',');
                    }
                    self.newline_indent();
                    true
                } else {
                    // The key was followed by `": "` when it was written.
                    *key_next = true;
                    false
                }
            }
            // A struct's values follow the key written by the field; top level needs nothing.
            Some(Frame::Struct { .. }) | None => false,
        }
    }

    fn open(&mut self, bracket: u8, frame: Frame) {
        self.before_value();
        self.buf.push(bracket);
        self.stack.push(frame);
    }

    fn close(&mut self, bracket: u8) {
        let empty = match self.stack.pop() {
            Some(Frame::Struct { empty } | Frame::Map { empty, .. } | Frame::Array { empty }) => {
                empty
            }
            None => true,
        };
        if !empty {
            self.newline_indent();
        }
        self.buf.push(bracket);
        self.maybe_flush();
    }

    /// A number, quoted in key position (as TSimpleJSON does).
    fn number(&mut self, text: &[u8]) {
        let key = self.before_value();
        if key {
            self.buf.push(b'"');
        }
        self.buf.extend_from_slice(text);
        if key {
            self.buf.extend_from_slice(b"\": ");
        }
    }

    fn quoted(&mut self, s: &str) {
        push_quoted(&mut self.buf, s);
    }

    fn int(&mut self, v: i64) {
        // Digits from the right into a small array: no formatter machinery per number.
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut n = v.unsigned_abs();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            self.number_signed(&tmp[i..]);
        } else {
            self.number(&tmp[i..]);
        }
    }

    fn number_signed(&mut self, digits: &[u8]) {
        let mut t = [0u8; 21];
        t[0] = b'-';
        t[1..=digits.len()].copy_from_slice(digits);
        self.number(&t[..=digits.len()]);
    }

    fn json_bool(&mut self, v: bool) {
        self.number(if v { b"true" } else { b"false" });
    }
}

impl<W: Write> ProtocolWriter for SimpleJsonWriter<W> {
    fn message_begin(&mut self, _name: &str, _kind: MessageType, _seq: i32) {}
    fn message_end(&mut self) {}
    fn struct_begin(&mut self) {
        self.open(b'{', Frame::Struct { empty: true });
    }
    fn struct_end(&mut self) {
        self.close(b'}');
    }
    fn field_begin(&mut self, _ty: TType, id: i16) {
        // Without a name (never from model types) the id stands in, as a string key.
        self.field = "";
        self.write_key(&id.to_string());
    }
    fn named_field_begin(&mut self, _ty: TType, _id: i16, name: &'static str) {
        self.field = name;
        self.ident_key(name);
    }
    fn field_end(&mut self) {}
    fn bool(&mut self, v: bool) {
        match self.style {
            JsonStyle::Idl => self.json_bool(v),
            JsonStyle::AuroraTasks if matches!(self.field, "isService" | "production") => {
                self.json_bool(v)
            }
            JsonStyle::AuroraTasks => self.number(if v { b"1" } else { b"0" }),
        }
    }
    fn i8(&mut self, v: i8) {
        self.int(v.into())
    }
    fn i16(&mut self, v: i16) {
        self.int(v.into())
    }
    fn i32(&mut self, v: i32) {
        self.int(v.into())
    }
    fn enum_i32(&mut self, v: i32, name: Option<&'static str>) {
        let by_name = match self.style {
            JsonStyle::Idl => true,
            JsonStyle::AuroraTasks => self.field == "status",
        };
        match name {
            Some(n) if by_name => self.string(n),
            _ => self.int(v.into()),
        }
    }
    fn i64(&mut self, v: i64) {
        self.int(v)
    }
    fn double(&mut self, v: f64) {
        // serde_json prints the shortest text that reads back as the same double (`1.5`,
        // `2.0`); NaN and infinities, which JSON cannot hold, become null.
        let mut tmp = Vec::with_capacity(24);
        let _ = serde_json::to_writer(&mut tmp, &v);
        self.number(&tmp);
    }
    fn string(&mut self, v: &str) {
        let key = self.before_value();
        self.quoted(v);
        if key {
            self.buf.extend_from_slice(b": ");
        }
        self.maybe_flush();
    }
    fn list_begin(&mut self, _elem: TType, _len: usize) {
        self.open(b'[', Frame::Array { empty: true });
    }
    fn list_end(&mut self) {
        self.close(b']');
    }
    fn map_begin(&mut self, _key: TType, _value: TType, _len: usize) {
        self.open(
            b'{',
            Frame::Map {
                empty: true,
                key_next: true,
            },
        );
    }
    fn map_end(&mut self) {
        self.close(b'}');
    }
}

impl<W: Write> SimpleJsonWriter<W> {
    /// A struct key (`"name": `), separated from the previous one.
    pub fn write_key(&mut self, name: &str) {
        if let Some(Frame::Struct { empty }) = self.stack.last_mut()
            && !std::mem::replace(empty, false)
        {
            self.buf.push(b',');
        }
        self.newline_indent();
        self.quoted(name);
        self.buf.extend_from_slice(b": ");
    }

    /// A key known to need no escaping: IDL names are identifiers.
    #[inline]
    fn ident_key(&mut self, name: &str) {
        debug_assert!(name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
        if let Some(Frame::Struct { empty }) = self.stack.last_mut()
            && !std::mem::replace(empty, false)
        {
            self.buf.push(b',');
        }
        self.newline_indent();
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"\": ");
    }
}

/// `s` as a quoted JSON string: `"`, `\\` and control characters escaped (both JSON
/// writers, this one and the Thrift JSON protocol's).
pub(super) fn push_quoted(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    buf.reserve(b.len() + 2);
    buf.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // Eight bytes at a time while none of them needs escaping (most strings).
        if i + 8 <= b.len() && !needs_escape(u64::from_le_bytes(b[i..i + 8].try_into().unwrap())) {
            i += 8;
            continue;
        }
        let c = b[i];
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                buf.extend_from_slice(&b[start..i]);
                let hex = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(hex[(c >> 4) as usize]);
                buf.push(hex[(c & 15) as usize]);
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        buf.extend_from_slice(&b[start..i]);
        buf.extend_from_slice(esc);
        i += 1;
        start = i;
    }
    buf.extend_from_slice(&b[start..]);
    buf.push(b'"');
}

/// Whether any of eight bytes is a control character, `"` or `\\` (SWAR: a byte is flagged
/// when subtracting from it borrows, i.e. it is below 0x20, or it equals one of the two).
#[inline]
fn needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (below_space | zero_byte(x ^ (ONES * b'"' as u64)) | zero_byte(x ^ (ONES * b'\\' as u64))) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::model::*;
    use crate::aurora::wire::Thrift;
    use std::collections::BTreeMap;

    fn render<T: Thrift>(v: &T, style: JsonStyle) -> String {
        let mut w = SimpleJsonWriter::new(Vec::new(), style);
        v.write(&mut w);
        String::from_utf8(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn strings_are_escaped_wherever_the_special_byte_falls() {
        for text in [
            "plain ascii text, long enough for words",
            "q\"uote",
            "0123456789abcde\\f",
            "tab\there and\nnewline",
            "\u{1}\u{1f} ctl",
            "ünïcödé 日本 🦀 and more text after it",
            "",
        ] {
            let v = Metadata {
                key: Some(text.into()),
                value: None,
            };
            let out = render(&v, JsonStyle::Idl);
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back["key"], text, "{out}");
        }
    }

    #[test]
    fn shapes_follow_tsimplejson_with_the_styles_scalars() {
        let t = ScheduledTask {
            assigned_task: Some(AssignedTask {
                task_id: Some("t".into()),
                assigned_ports: Some(BTreeMap::from([("http".into(), 31000)])),
                task: Some(std::sync::Arc::new(TaskConfig {
                    is_service: Some(false),
                    production: Some(true),
                    constraints: Some(vec![]),
                    mesos_fetcher_uris: Some(vec![MesosFetcherUri {
                        cache: Some(true),
                        ..Default::default()
                    }]),
                    container: Some(Container::Mesos(MesosContainer {
                        image: None,
                        volumes: Some(vec![Volume {
                            mode: Some(Mode::RO),
                            ..Default::default()
                        }]),
                    })),
                    resources: Some(vec![Resource::NumCpus(2.0), Resource::RamMb(64)]),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            status: Some(ScheduleStatus::RUNNING),
            task_events: Some(vec![TaskEvent {
                status: Some(ScheduleStatus(99)),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let aurora: serde_json::Value =
            serde_json::from_str(&render(&t, JsonStyle::AuroraTasks)).unwrap();
        let c = &aurora["assignedTask"]["task"];
        assert_eq!(aurora["status"], "RUNNING");
        assert_eq!(
            aurora["taskEvents"][0]["status"], 99,
            "an unknown status stays a number"
        );
        assert_eq!(c["isService"], false);
        assert_eq!(c["production"], true);
        assert_eq!(c["mesosFetcherUris"][0]["cache"], 1);
        assert_eq!(c["container"]["mesos"]["volumes"][0]["mode"], 2);
        assert_eq!(c["constraints"], serde_json::json!([]));
        assert_eq!(
            c["resources"],
            serde_json::json!([{"numCpus": 2.0}, {"ramMb": 64}])
        );
        assert_eq!(aurora["assignedTask"]["assignedPorts"]["http"], 31000);
        assert!(
            aurora.get("failureCount").is_none(),
            "unset fields are absent"
        );

        let idl: serde_json::Value = serde_json::from_str(&render(&t, JsonStyle::Idl)).unwrap();
        let c = &idl["assignedTask"]["task"];
        assert_eq!(c["mesosFetcherUris"][0]["cache"], true);
        assert_eq!(c["container"]["mesos"]["volumes"][0]["mode"], "RO");
        assert_eq!(idl["status"], "RUNNING");
    }

    #[test]
    fn integers_print_as_rust_does() {
        for v in [
            0,
            7,
            -7,
            10,
            -10,
            31000,
            i64::MAX,
            i64::MIN,
            i32::MIN as i64,
        ] {
            let e = TaskEvent {
                timestamp: Some(v),
                ..Default::default()
            };
            let back: serde_json::Value =
                serde_json::from_str(&render(&e, JsonStyle::Idl)).unwrap();
            assert_eq!(back["timestamp"], v, "{v}");
        }
    }

    #[test]
    fn layout_is_pythons_indent_2() {
        let v = RoleSummary {
            role: Some("r".into()),
            job_count: Some(1),
            cron_job_count: None,
        };
        assert_eq!(
            render(&v, JsonStyle::Idl),
            "{\n  \"role\": \"r\",\n  \"jobCount\": 1\n}"
        );
    }
}
