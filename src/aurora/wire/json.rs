//! TJSONProtocol as Apache Thrift's Java server reads and writes it: compact (no whitespace),
//! fields keyed by id, values wrapped in a one-member `{"tag": value}` object, containers as
//! `["tag", n, ...]` arrays, map keys always JSON strings, bools as 0/1, NaN and the infinities as
//! quoted strings.

use super::codec::SharedValues;
use super::{
    DecodeError, DecodeErrorKind, DecodeResult, MAX_DEPTH, Mark, MessageHeader, MessageType,
    ProtocolReader, ProtocolWriter, TType,
};

/// Where a value sits; decides which separator comes before it and whether it is a map key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    Top,
    /// Inside a struct: `n` fields so far.
    Struct(u32),
    /// Inside a list or set: every element follows the header, so each is preceded by a comma.
    List,
    /// Inside a map's object: `n` keys and values so far (even = a key comes next).
    Map(u32),
}

impl Ctx {
    fn pack(self) -> u64 {
        match self {
            Ctx::Top => 0,
            Ctx::Struct(n) => (1 << 32) | n as u64,
            Ctx::List => 2 << 32,
            Ctx::Map(n) => (3 << 32) | n as u64,
        }
    }
    fn unpack(v: u64) -> Ctx {
        let n = v as u32;
        match (v >> 32) & 3 {
            0 => Ctx::Top,
            1 => Ctx::Struct(n),
            2 => Ctx::List,
            _ => Ctx::Map(n),
        }
    }
}

pub struct JsonWriter {
    pub buf: Vec<u8>,
    stack: Vec<Ctx>,
}

impl Default for JsonWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonWriter {
    pub fn new() -> Self {
        Self::with_capacity(256)
    }
    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
            stack: vec![Ctx::Top],
        }
    }
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    fn top(&mut self) -> &mut Ctx {
        self.stack.last_mut().expect("context stack never empties")
    }

    /// Writes the separator a value needs here; true when the value is a map key.
    fn prefix(&mut self) -> bool {
        match self.top() {
            Ctx::Top | Ctx::Struct(_) => false,
            Ctx::List => {
                self.buf.push(b',');
                false
            }
            Ctx::Map(n) => {
                let key = *n % 2 == 0;
                let first = *n == 0;
                *n += 1;
                if !first {
                    self.buf.push(if key { b',' } else { b':' });
                }
                key
            }
        }
    }

    fn number(&mut self, v: impl std::fmt::Display) {
        use std::io::Write;
        let key = self.prefix();
        if key {
            self.buf.push(b'"');
        }
        let _ = write!(self.buf, "{v}");
        if key {
            self.buf.push(b'"');
        }
    }

    fn quoted(&mut self, s: &str) {
        super::simple_json::push_quoted(&mut self.buf, s);
    }
}

impl ProtocolWriter for JsonWriter {
    fn message_begin(&mut self, name: &str, kind: MessageType, seq: i32) {
        self.buf.extend_from_slice(b"[1,");
        self.quoted(name);
        self.buf.push(b',');
        self.buf
            .extend_from_slice((kind as i32).to_string().as_bytes());
        self.buf.push(b',');
        self.buf.extend_from_slice(seq.to_string().as_bytes());
        self.buf.push(b',');
    }
    fn message_end(&mut self) {
        self.buf.push(b']');
    }
    fn struct_begin(&mut self) {
        self.prefix();
        self.buf.push(b'{');
        self.stack.push(Ctx::Struct(0));
    }
    fn struct_end(&mut self) {
        self.stack.pop();
        self.buf.push(b'}');
    }
    fn field_begin(&mut self, ty: TType, id: i16) {
        if let Ctx::Struct(n) = self.top() {
            let first = *n == 0;
            *n += 1;
            if !first {
                self.buf.push(b',');
            }
        }
        self.buf.push(b'"');
        self.buf.extend_from_slice(id.to_string().as_bytes());
        self.buf.extend_from_slice(b"\":{\"");
        self.buf.extend_from_slice(ty.json_tag().as_bytes());
        self.buf.extend_from_slice(b"\":");
    }
    fn field_end(&mut self) {
        self.buf.push(b'}');
    }
    fn bool(&mut self, v: bool) {
        self.number(v as u8);
    }
    fn i8(&mut self, v: i8) {
        self.number(v);
    }
    fn i16(&mut self, v: i16) {
        self.number(v);
    }
    fn i32(&mut self, v: i32) {
        self.number(v);
    }
    fn i64(&mut self, v: i64) {
        self.number(v);
    }
    fn double(&mut self, v: f64) {
        if v.is_nan() {
            self.prefix();
            self.buf.extend_from_slice(b"\"NaN\"");
        } else if v.is_infinite() {
            self.prefix();
            self.buf.extend_from_slice(if v > 0.0 {
                b"\"Infinity\""
            } else {
                b"\"-Infinity\""
            });
        } else {
            // `{:?}` is Rust's shortest round-trip form and always a valid JSON number.
            self.number(format_args!("{v:?}"));
        }
    }
    fn string(&mut self, v: &str) {
        self.prefix();
        self.quoted(v);
    }
    fn list_begin(&mut self, elem: TType, len: usize) {
        self.prefix();
        self.buf.extend_from_slice(b"[\"");
        self.buf.extend_from_slice(elem.json_tag().as_bytes());
        self.buf.extend_from_slice(b"\",");
        self.buf.extend_from_slice(len.to_string().as_bytes());
        self.stack.push(Ctx::List);
    }
    fn list_end(&mut self) {
        self.stack.pop();
        self.buf.push(b']');
    }
    fn map_begin(&mut self, key: TType, value: TType, len: usize) {
        self.prefix();
        self.buf.extend_from_slice(b"[\"");
        self.buf.extend_from_slice(key.json_tag().as_bytes());
        self.buf.extend_from_slice(b"\",\"");
        self.buf.extend_from_slice(value.json_tag().as_bytes());
        self.buf.extend_from_slice(b"\",");
        self.buf.extend_from_slice(len.to_string().as_bytes());
        self.buf.extend_from_slice(b",{");
        self.stack.push(Ctx::Map(0));
    }
    fn map_end(&mut self) {
        self.stack.pop();
        self.buf.extend_from_slice(b"}]");
    }
}

pub struct JsonReader<'a> {
    buf: &'a [u8],
    pos: usize,
    stack: Vec<Ctx>,
    depth: usize,
    shared: SharedValues<'a>,
}

impl<'a> JsonReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            stack: vec![Ctx::Top],
            depth: 0,
            shared: SharedValues::for_body(buf.len()),
        }
    }

    fn syntax(&self, what: impl Into<String>) -> DecodeError {
        self.error(DecodeErrorKind::Syntax(what.into()))
    }

    #[inline]
    fn peek(&self) -> DecodeResult<u8> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error(DecodeErrorKind::UnexpectedEof))
    }

    #[inline]
    fn expect(&mut self, c: u8) -> DecodeResult<()> {
        let got = self.peek()?;
        if got != c {
            return Err(self.syntax(format!(
                "expected '{}' but found '{}'",
                c as char,
                got.escape_ascii()
            )));
        }
        self.pos += 1;
        Ok(())
    }

    fn expect_str(&mut self, s: &[u8]) -> DecodeResult<()> {
        for &c in s {
            self.expect(c)?;
        }
        Ok(())
    }

    fn push(&mut self, c: Ctx) -> DecodeResult<()> {
        if self.stack.len() > 2 * MAX_DEPTH {
            return Err(self.error(DecodeErrorKind::TooDeep));
        }
        self.stack.push(c);
        Ok(())
    }

    fn pop(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    fn top(&mut self) -> &mut Ctx {
        self.stack.last_mut().expect("context stack never empties")
    }

    /// Consumes the separator a value needs here; true when the value is a map key.
    #[inline]
    fn prefix(&mut self) -> DecodeResult<bool> {
        match *self.top() {
            Ctx::Top | Ctx::Struct(_) => Ok(false),
            Ctx::List => self.expect(b',').map(|_| false),
            Ctx::Map(n) => {
                *self.top() = Ctx::Map(n + 1);
                let key = n % 2 == 0;
                if n > 0 {
                    self.expect(if key { b',' } else { b':' })?;
                }
                Ok(key)
            }
        }
    }

    /// A JSON integer: optional minus, digits, nothing fractional.
    fn integer(&mut self) -> DecodeResult<i64> {
        let start = self.pos;
        let neg = self.peek()? == b'-';
        if neg {
            self.pos += 1;
        }
        let mut v: i64 = 0;
        let digits_at = self.pos;
        while let Some(&b) = self.buf.get(self.pos) {
            if !b.is_ascii_digit() {
                break;
            }
            let d = (b - b'0') as i64;
            v = v
                .checked_mul(10)
                .and_then(|v| {
                    if neg {
                        v.checked_sub(d)
                    } else {
                        v.checked_add(d)
                    }
                })
                .ok_or_else(|| DecodeError {
                    offset: start,
                    kind: DecodeErrorKind::Syntax("integer out of range".into()),
                })?;
            self.pos += 1;
        }
        if self.pos == digits_at {
            return Err(self.syntax("expected an integer"));
        }
        if matches!(self.buf.get(self.pos), Some(b'.' | b'e' | b'E')) {
            return Err(self.syntax("expected an integer, found a fraction"));
        }
        Ok(v)
    }

    /// An integer value, quoted when it is a map key.
    fn int_value(&mut self, min: i64, max: i64) -> DecodeResult<i64> {
        let key = self.prefix()?;
        if key {
            self.expect(b'"')?;
        }
        let at = self.pos;
        let v = self.integer()?;
        if v < min || v > max {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::Syntax(format!("{v} is out of range")),
            });
        }
        if key {
            self.expect(b'"')?;
        }
        Ok(v)
    }

    /// The text of a JSON string (after the opening quote), unescaped.
    fn string_body(&mut self) -> DecodeResult<std::borrow::Cow<'a, str>> {
        let start = self.pos;
        let buf = self.buf;
        let mut i = start;
        // Fast path: no escapes.
        while i < buf.len() {
            match buf[i] {
                b'"' => {
                    self.pos = i + 1;
                    return std::str::from_utf8(&buf[start..i])
                        .map(std::borrow::Cow::Borrowed)
                        .map_err(|_| DecodeError {
                            offset: start,
                            kind: DecodeErrorKind::InvalidUtf8,
                        });
                }
                b'\\' => break,
                // Raw control characters are not JSON, but python3-thrift writes them unescaped
                // and Java reads them; refusing them would only break interoperation.
                _ => i += 1,
            }
        }
        if i >= buf.len() {
            self.pos = buf.len();
            return Err(self.error(DecodeErrorKind::UnexpectedEof));
        }
        let mut out: Vec<u8> = buf[start..i].to_vec();
        self.pos = i;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut tmp = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                        }
                        _ => return Err(self.syntax("bad escape in string")),
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8(out)
            .map(std::borrow::Cow::Owned)
            .map_err(|_| DecodeError {
                offset: start,
                kind: DecodeErrorKind::InvalidUtf8,
            })
    }

    fn hex4(&mut self) -> DecodeResult<u32> {
        let s = self
            .buf
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error(DecodeErrorKind::UnexpectedEof))?;
        let mut v = 0u32;
        for &b in s {
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.syntax("bad \\u escape"))?;
            v = v * 16 + d;
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> DecodeResult<char> {
        let hi = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&hi) {
            self.expect_str(b"\\u")?;
            let lo = self.hex4()?;
            if !(0xdc00..0xe000).contains(&lo) {
                return Err(self.syntax("unpaired surrogate in \\u escape"));
            }
            0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
        } else {
            hi
        };
        char::from_u32(code).ok_or_else(|| self.syntax("invalid \\u escape"))
    }

    fn quoted_tag(&mut self) -> DecodeResult<TType> {
        self.expect(b'"')?;
        let start = self.pos;
        while self.peek()? != b'"' {
            self.pos += 1;
            if self.pos - start > 3 {
                break;
            }
        }
        let tag = &self.buf[start..self.pos];
        let ty = TType::from_json_tag(tag).ok_or_else(|| DecodeError {
            offset: start,
            kind: DecodeErrorKind::Syntax(format!("unknown type tag \"{}\"", tag.escape_ascii())),
        })?;
        self.expect(b'"')?;
        Ok(ty)
    }

    /// A container count, checked against the bytes left (each element needs `unit` bytes).
    fn count(&mut self, unit: usize) -> DecodeResult<usize> {
        let at = self.pos;
        let n = self.integer()?;
        if n < 0 {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::NegativeLength(n),
            });
        }
        let remaining = self.buf.len() - self.pos;
        if (n as u64).saturating_mul(unit as u64) > remaining as u64 {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::LengthTooLarge {
                    claimed: n as u64,
                    remaining,
                },
            });
        }
        Ok(n as usize)
    }
}

impl<'a> ProtocolReader<'a> for JsonReader<'a> {
    fn message_begin(&mut self) -> DecodeResult<MessageHeader> {
        self.expect(b'[')?;
        let at = self.pos;
        let version = self.integer()?;
        if version != 1 {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::BadVersion(version),
            });
        }
        self.expect(b',')?;
        self.expect(b'"')?;
        let name = self.string_body()?.into_owned();
        self.expect(b',')?;
        let at = self.pos;
        let t = self.integer()?;
        let kind = MessageType::from_i32(t as i32)
            .filter(|_| t == t as i32 as i64)
            .ok_or(DecodeError {
                offset: at,
                kind: DecodeErrorKind::Syntax(format!("unknown message type {t}")),
            })?;
        self.expect(b',')?;
        let at = self.pos;
        let seq = self.integer()?;
        let seq = i32::try_from(seq).map_err(|_| DecodeError {
            offset: at,
            kind: DecodeErrorKind::Syntax("sequence id out of range".into()),
        })?;
        self.expect(b',')?;
        Ok(MessageHeader { name, kind, seq })
    }
    fn message_end(&mut self) -> DecodeResult<()> {
        self.expect(b']')
    }
    fn struct_begin(&mut self) -> DecodeResult<()> {
        self.prefix()?;
        self.expect(b'{')?;
        self.push(Ctx::Struct(0))
    }
    fn struct_end(&mut self) -> DecodeResult<()> {
        self.expect(b'}')?;
        self.pop();
        Ok(())
    }
    fn field_begin(&mut self) -> DecodeResult<Option<(TType, i16)>> {
        if self.peek()? == b'}' {
            return Ok(None);
        }
        if let Ctx::Struct(n) = *self.top() {
            if n > 0 {
                self.expect(b',')?;
            }
            *self.top() = Ctx::Struct(n + 1);
        }
        self.expect(b'"')?;
        let at = self.pos;
        let id = self.integer()?;
        let id = i16::try_from(id).map_err(|_| DecodeError {
            offset: at,
            kind: DecodeErrorKind::Syntax(format!("field id {id} out of range")),
        })?;
        self.expect_str(b"\":{")?;
        let ty = self.quoted_tag()?;
        self.expect(b':')?;
        Ok(Some((ty, id)))
    }
    fn field_end(&mut self) -> DecodeResult<()> {
        self.expect(b'}')
    }
    fn bool(&mut self) -> DecodeResult<bool> {
        Ok(self.int_value(0, 1)? == 1)
    }
    fn i8(&mut self) -> DecodeResult<i8> {
        Ok(self.int_value(i8::MIN as i64, i8::MAX as i64)? as i8)
    }
    fn i16(&mut self) -> DecodeResult<i16> {
        Ok(self.int_value(i16::MIN as i64, i16::MAX as i64)? as i16)
    }
    fn i32(&mut self) -> DecodeResult<i32> {
        Ok(self.int_value(i32::MIN as i64, i32::MAX as i64)? as i32)
    }
    fn i64(&mut self) -> DecodeResult<i64> {
        self.int_value(i64::MIN, i64::MAX)
    }
    fn double(&mut self) -> DecodeResult<f64> {
        let key = self.prefix()?;
        let quoted = self.peek()? == b'"';
        if quoted {
            self.pos += 1;
        }
        let start = self.pos;
        while let Some(&b) = self.buf.get(self.pos) {
            if !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z' | b'A'..=b'Z')
            {
                break;
            }
            self.pos += 1;
        }
        let text = &self.buf[start..self.pos];
        let special = match text {
            b"NaN" => Some(f64::NAN),
            b"Infinity" => Some(f64::INFINITY),
            b"-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        };
        let v = match special {
            Some(v) if quoted => v,
            Some(_) => return Err(self.syntax("NaN and Infinity must be quoted")),
            None if quoted && !key => {
                return Err(self.syntax("a double must not be quoted"));
            }
            None => {
                // Digits, one optional minus, fraction and exponent: the JSON number grammar is
                // stricter than Rust's float parser, so refuse what JSON would.
                if text.is_empty() || !text[0].is_ascii_digit() && text[0] != b'-' {
                    return Err(DecodeError {
                        offset: start,
                        kind: DecodeErrorKind::Syntax("expected a number".into()),
                    });
                }
                std::str::from_utf8(text)
                    .ok()
                    .filter(|t| !t.contains(['i', 'I', 'n', 'N']))
                    .and_then(|t| t.parse::<f64>().ok())
                    .ok_or_else(|| DecodeError {
                        offset: start,
                        kind: DecodeErrorKind::Syntax("expected a number".into()),
                    })?
            }
        };
        if quoted {
            self.expect(b'"')?;
        }
        Ok(v)
    }
    fn string(&mut self) -> DecodeResult<String> {
        self.prefix()?;
        self.expect(b'"')?;
        Ok(self.string_body()?.into_owned())
    }
    fn skip_string(&mut self) -> DecodeResult<()> {
        self.prefix()?;
        self.expect(b'"')?;
        self.string_body().map(drop)
    }
    fn list_begin(&mut self) -> DecodeResult<(TType, usize)> {
        self.prefix()?;
        self.expect(b'[')?;
        let elem = self.quoted_tag()?;
        self.expect(b',')?;
        // Each element needs at least a comma and one character.
        let n = self.count(2)?;
        self.push(Ctx::List)?;
        Ok((elem, n))
    }
    fn list_end(&mut self) -> DecodeResult<()> {
        self.expect(b']')?;
        self.pop();
        Ok(())
    }
    fn map_begin(&mut self) -> DecodeResult<(TType, TType, usize)> {
        self.prefix()?;
        self.expect(b'[')?;
        let k = self.quoted_tag()?;
        self.expect(b',')?;
        let v = self.quoted_tag()?;
        self.expect(b',')?;
        // Each entry needs at least `"",x` plus a separator.
        let n = self.count(5)?;
        self.expect_str(b",{")?;
        self.push(Ctx::Map(0))?;
        Ok((k, v, n))
    }
    fn map_end(&mut self) -> DecodeResult<()> {
        self.expect_str(b"}]")?;
        self.pop();
        Ok(())
    }

    fn position(&self) -> usize {
        self.pos
    }
    fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            state: ((self.stack.len() as u64) << 40)
                | self.stack.last().copied().unwrap_or(Ctx::Top).pack(),
        }
    }
    fn reset(&mut self, mark: Mark) {
        self.pos = mark.pos;
        let len = (mark.state >> 40) as usize;
        self.stack.truncate(len.max(1));
        if let Some(top) = self.stack.last_mut() {
            *top = Ctx::unpack(mark.state & ((1 << 40) - 1));
        }
    }
    fn span(&self, mark: Mark) -> &'a [u8] {
        &self.buf[mark.pos..self.pos]
    }
    fn read_span<T: super::Thrift>(&mut self, start: usize, end: usize) -> DecodeResult<T> {
        let (buf, pos) = (self.buf, self.pos);
        if start > end || end > buf.len() {
            return Err(self.error(DecodeErrorKind::UnexpectedEof));
        }
        // A list element's span may begin with the comma that separated it from the one before.
        let mut start = start;
        while start < end && matches!(buf[start], b',' | b' ' | b'\t' | b'\n' | b'\r') {
            start += 1;
        }
        self.buf = &buf[..end];
        self.pos = start;
        let stack = std::mem::replace(&mut self.stack, vec![Ctx::Top]);
        let v = T::read(self);
        let left = self.buf.len() - self.pos;
        self.buf = buf;
        self.pos = pos;
        self.stack = stack;
        let v = v?;
        if left != 0 {
            return Err(self.error(DecodeErrorKind::TrailingData(left)));
        }
        Ok(v)
    }
    fn depth_enter(&mut self) -> DecodeResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(DecodeErrorKind::TooDeep));
        }
        Ok(())
    }
    fn depth_leave(&mut self) {
        self.depth -= 1;
    }
    fn shared(&mut self) -> &mut SharedValues<'a> {
        &mut self.shared
    }
}
