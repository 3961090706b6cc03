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

    fn newline_indent(&mut self) {
        const SPACES: &[u8] = &[b' '; 64];
        self.buf.push(b'\n');
        let mut n = self.stack.len() * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.buf.extend_from_slice(&SPACES[..k]);
            n -= k;
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
        let b = s.as_bytes();
        self.buf.reserve(b.len() + 2);
        self.buf.push(b'"');
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            let esc: &[u8] = match c {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0..=0x1f => {
                    self.buf.extend_from_slice(&b[start..i]);
                    let hex = b"0123456789abcdef";
                    self.buf.extend_from_slice(b"\\u00");
                    self.buf.push(hex[(c >> 4) as usize]);
                    self.buf.push(hex[(c & 15) as usize]);
                    start = i + 1;
                    continue;
                }
                _ => continue,
            };
            self.buf.extend_from_slice(&b[start..i]);
            self.buf.extend_from_slice(esc);
            start = i + 1;
        }
        self.buf.extend_from_slice(&b[start..]);
        self.buf.push(b'"');
    }

    fn int(&mut self, v: i64) {
        let mut tmp = [0u8; 24];
        let mut cur = std::io::Cursor::new(&mut tmp[..]);
        let _ = write!(cur, "{v}");
        let n = cur.position() as usize;
        self.number(&tmp[..n]);
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
        let mut tmp = [0u8; 8];
        let mut cur = std::io::Cursor::new(&mut tmp[..]);
        let _ = write!(cur, "{id}");
        let n = cur.position() as usize;
        let name = String::from_utf8_lossy(&tmp[..n]).into_owned();
        self.field = "";
        self.write_key(&name);
    }
    fn named_field_begin(&mut self, _ty: TType, _id: i16, name: &'static str) {
        self.field = name;
        self.write_key(name);
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
}
