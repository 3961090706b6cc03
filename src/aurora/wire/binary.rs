//! TBinaryProtocol: big-endian, strict message header out, strict or old-style header in.

use super::codec::SharedValues;
use super::{
    DecodeError, DecodeErrorKind, DecodeResult, MAX_DEPTH, Mark, MessageHeader, MessageType,
    ProtocolReader, ProtocolWriter, TType,
};

const VERSION_1: u32 = 0x8001_0000;
const VERSION_MASK: u32 = 0xffff_0000;

#[derive(Default)]
pub struct BinaryWriter {
    pub buf: Vec<u8>,
}

impl BinaryWriter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with_capacity(n: usize) -> Self {
        Self {
            buf: Vec::with_capacity(n),
        }
    }
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }
    fn len_prefix(&mut self, len: usize) {
        // Thrift lengths are i32; nothing Eos sends comes near 2 GiB.
        self.buf.extend_from_slice(&(len as i32).to_be_bytes());
    }
}

impl ProtocolWriter for BinaryWriter {
    fn message_begin(&mut self, name: &str, kind: MessageType, seq: i32) {
        self.buf
            .extend_from_slice(&(VERSION_1 | kind as u32).to_be_bytes());
        self.string(name);
        self.i32(seq);
    }
    fn message_end(&mut self) {}
    fn struct_begin(&mut self) {}
    fn struct_end(&mut self) {
        self.buf.push(TType::Stop as u8);
    }
    fn field_begin(&mut self, ty: TType, id: i16) {
        self.buf.push(ty as u8);
        self.buf.extend_from_slice(&id.to_be_bytes());
    }
    fn field_end(&mut self) {}
    fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }
    fn i8(&mut self, v: i8) {
        self.buf.push(v as u8);
    }
    fn i16(&mut self, v: i16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    fn double(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
    }
    fn string(&mut self, v: &str) {
        self.len_prefix(v.len());
        self.buf.extend_from_slice(v.as_bytes());
    }
    fn list_begin(&mut self, elem: TType, len: usize) {
        self.buf.push(elem as u8);
        self.len_prefix(len);
    }
    fn list_end(&mut self) {}
    fn map_begin(&mut self, key: TType, value: TType, len: usize) {
        self.buf.push(key as u8);
        self.buf.push(value as u8);
        self.len_prefix(len);
    }
    fn map_end(&mut self) {}
}

pub struct BinaryReader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
    shared: SharedValues<'a>,
}

impl<'a> BinaryReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            depth: 0,
            shared: SharedValues::for_body(buf.len()),
        }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    fn take<const N: usize>(&mut self) -> DecodeResult<[u8; N]> {
        match self.buf.get(self.pos..self.pos + N) {
            Some(s) => {
                self.pos += N;
                Ok(s.try_into().expect("slice of length N"))
            }
            None => Err(self.error(DecodeErrorKind::UnexpectedEof)),
        }
    }

    #[inline]
    fn u8(&mut self) -> DecodeResult<u8> {
        Ok(self.take::<1>()?[0])
    }

    fn ttype(&mut self) -> DecodeResult<TType> {
        let b = self.u8()?;
        TType::from_u8(b).ok_or(DecodeError {
            offset: self.pos - 1,
            kind: DecodeErrorKind::UnknownType(b),
        })
    }

    /// A length prefix, checked against what is left (each unit takes at least `unit` bytes).
    fn length(&mut self, unit: usize) -> DecodeResult<usize> {
        let at = self.pos;
        let n = i32::from_be_bytes(self.take()?);
        if n < 0 {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::NegativeLength(n as i64),
            });
        }
        let n = n as usize;
        if n.saturating_mul(unit) > self.remaining() {
            return Err(DecodeError {
                offset: at,
                kind: DecodeErrorKind::LengthTooLarge {
                    claimed: n as u64,
                    remaining: self.remaining(),
                },
            });
        }
        Ok(n)
    }

    fn bytes(&mut self) -> DecodeResult<&'a [u8]> {
        let n = self.length(1)?;
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
}

impl<'a> ProtocolReader<'a> for BinaryReader<'a> {
    fn message_begin(&mut self) -> DecodeResult<MessageHeader> {
        let at = self.pos;
        let first = i32::from_be_bytes(self.take()?);
        if first < 0 {
            let word = first as u32;
            if word & VERSION_MASK != VERSION_1 {
                return Err(DecodeError {
                    offset: at,
                    kind: DecodeErrorKind::BadVersion(word as i64),
                });
            }
            let kind = MessageType::from_i32((word & 0xff) as i32).ok_or(DecodeError {
                offset: at + 3,
                kind: DecodeErrorKind::BinaryHeader(format!(
                    "unknown message type {}",
                    word & 0xff
                )),
            })?;
            let name = self.string()?;
            let seq = self.i32()?;
            Ok(MessageHeader { name, kind, seq })
        } else {
            // Old, non-strict header: the first word is the name's length.
            self.pos = at;
            let name = self.string()?;
            let t = self.u8()?;
            let kind = MessageType::from_i32(t as i32).ok_or(DecodeError {
                offset: self.pos - 1,
                kind: DecodeErrorKind::BinaryHeader(format!("unknown message type {t}")),
            })?;
            let seq = self.i32()?;
            Ok(MessageHeader { name, kind, seq })
        }
    }
    fn message_end(&mut self) -> DecodeResult<()> {
        Ok(())
    }
    fn struct_begin(&mut self) -> DecodeResult<()> {
        Ok(())
    }
    fn struct_end(&mut self) -> DecodeResult<()> {
        Ok(())
    }
    #[inline]
    fn field_begin(&mut self) -> DecodeResult<Option<(TType, i16)>> {
        let ty = self.ttype()?;
        if ty == TType::Stop {
            return Ok(None);
        }
        let id = i16::from_be_bytes(self.take()?);
        Ok(Some((ty, id)))
    }
    fn field_end(&mut self) -> DecodeResult<()> {
        Ok(())
    }
    fn bool(&mut self) -> DecodeResult<bool> {
        Ok(self.u8()? != 0)
    }
    fn i8(&mut self) -> DecodeResult<i8> {
        Ok(self.u8()? as i8)
    }
    fn i16(&mut self) -> DecodeResult<i16> {
        Ok(i16::from_be_bytes(self.take()?))
    }
    #[inline]
    fn i32(&mut self) -> DecodeResult<i32> {
        Ok(i32::from_be_bytes(self.take()?))
    }
    fn i64(&mut self) -> DecodeResult<i64> {
        Ok(i64::from_be_bytes(self.take()?))
    }
    fn double(&mut self) -> DecodeResult<f64> {
        Ok(f64::from_bits(u64::from_be_bytes(self.take()?)))
    }
    fn string(&mut self) -> DecodeResult<String> {
        let at = self.pos;
        let bytes = self.bytes()?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(DecodeError {
                offset: at + 4,
                kind: DecodeErrorKind::InvalidUtf8,
            }),
        }
    }
    fn skip_string(&mut self) -> DecodeResult<()> {
        self.bytes().map(drop)
    }
    fn list_begin(&mut self) -> DecodeResult<(TType, usize)> {
        let elem = self.ttype()?;
        let n = self.length(elem.min_binary_size().max(1))?;
        Ok((elem, n))
    }
    fn list_end(&mut self) -> DecodeResult<()> {
        Ok(())
    }
    fn map_begin(&mut self) -> DecodeResult<(TType, TType, usize)> {
        let k = self.ttype()?;
        let v = self.ttype()?;
        let n = self.length((k.min_binary_size() + v.min_binary_size()).max(1))?;
        Ok((k, v, n))
    }
    fn map_end(&mut self) -> DecodeResult<()> {
        Ok(())
    }

    fn position(&self) -> usize {
        self.pos
    }
    fn mark(&self) -> Mark {
        Mark {
            pos: self.pos,
            state: 0,
        }
    }
    fn reset(&mut self, mark: Mark) {
        self.pos = mark.pos;
    }
    fn span(&self, mark: Mark) -> &'a [u8] {
        &self.buf[mark.pos..self.pos]
    }
    fn read_span<T: super::Thrift>(&mut self, start: usize, end: usize) -> DecodeResult<T> {
        let (buf, pos) = (self.buf, self.pos);
        if start > end || end > buf.len() {
            return Err(self.error(DecodeErrorKind::UnexpectedEof));
        }
        self.buf = &buf[..end];
        self.pos = start;
        let v = T::read(self);
        let left = self.buf.len() - self.pos;
        self.buf = buf;
        self.pos = pos;
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
