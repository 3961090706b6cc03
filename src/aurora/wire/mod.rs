//! Thrift on the wire: TBinaryProtocol and TJSONProtocol, written for Eos.
//!
//! The protocols are driven by the [`Thrift`] trait: every model type knows how to write itself to
//! a [`ProtocolWriter`] and read itself from a [`ProtocolReader`]. Both readers work on a complete
//! body in memory (an HTTP reply), which lets them bound every allocation by the bytes that are
//! actually left and lets decoders share identical sub-structures (see [`ProtocolReader::read_shared`]).

pub mod binary;
pub mod codec;
pub mod json;
pub mod message;
pub mod sample;
pub mod simple_json;

use std::fmt;

pub use binary::{BinaryReader, BinaryWriter};
pub use codec::Thrift;
pub use json::{JsonReader, JsonWriter};
pub use message::{MessageHeader, MessageType, Protocol};
pub use simple_json::{JsonStyle, SimpleJsonWriter};

/// Nesting deeper than this is refused: Aurora's deepest struct is about a dozen levels down,
/// so anything deeper is hostile or broken input and must not exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Thrift's wire type identifiers (the TBinary type byte; TJSON uses names for the same set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TType {
    Stop = 0,
    Bool = 2,
    I8 = 3,
    Double = 4,
    I16 = 6,
    I32 = 8,
    I64 = 10,
    String = 11,
    Struct = 12,
    Map = 13,
    Set = 14,
    List = 15,
}

impl TType {
    pub fn from_u8(b: u8) -> Option<TType> {
        Some(match b {
            0 => TType::Stop,
            2 => TType::Bool,
            3 => TType::I8,
            4 => TType::Double,
            6 => TType::I16,
            8 => TType::I32,
            10 => TType::I64,
            11 => TType::String,
            12 => TType::Struct,
            13 => TType::Map,
            14 => TType::Set,
            15 => TType::List,
            _ => return None,
        })
    }

    /// The TJSON type tag.
    pub fn json_tag(self) -> &'static str {
        match self {
            TType::Stop => "",
            TType::Bool => "tf",
            TType::I8 => "i8",
            TType::Double => "dbl",
            TType::I16 => "i16",
            TType::I32 => "i32",
            TType::I64 => "i64",
            TType::String => "str",
            TType::Struct => "rec",
            TType::Map => "map",
            TType::Set => "set",
            TType::List => "lst",
        }
    }

    pub fn from_json_tag(tag: &[u8]) -> Option<TType> {
        Some(match tag {
            b"tf" => TType::Bool,
            b"i8" => TType::I8,
            b"dbl" => TType::Double,
            b"i16" => TType::I16,
            b"i32" => TType::I32,
            b"i64" => TType::I64,
            b"str" => TType::String,
            b"rec" => TType::Struct,
            b"map" => TType::Map,
            b"set" => TType::Set,
            b"lst" => TType::List,
            _ => return None,
        })
    }

    /// The fewest bytes one value of this type can take in TBinary; used to reject container
    /// headers that claim more elements than the body could possibly hold.
    pub fn min_binary_size(self) -> usize {
        match self {
            TType::Stop => 0,
            TType::Bool | TType::I8 | TType::Struct => 1,
            TType::I16 => 2,
            TType::I32 | TType::String => 4,
            TType::Double | TType::I64 => 8,
            TType::Map => 6,
            TType::Set | TType::List => 5,
        }
    }
}

/// What went wrong while decoding, and where (byte offset into the body).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    pub offset: usize,
    pub kind: DecodeErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    UnexpectedEof,
    UnknownType(u8),
    /// A container or string claims more bytes or elements than the body has left.
    LengthTooLarge {
        claimed: u64,
        remaining: usize,
    },
    NegativeLength(i64),
    InvalidUtf8,
    TooDeep,
    /// TJSON text did not have the expected shape.
    Syntax(String),
    /// A TBinary message header did not have the expected shape.
    BinaryHeader(String),
    /// Containers would take more memory than the decode budget allows for a body this size.
    OverBudget {
        needed: usize,
        budget: usize,
    },
    BadVersion(i64),
    /// Trailing bytes after a complete message.
    TrailingData(usize),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::UnexpectedEof => write!(f, "unexpected end of body"),
            DecodeErrorKind::UnknownType(t) => write!(f, "unknown Thrift type id {t}"),
            DecodeErrorKind::LengthTooLarge { claimed, remaining } => write!(
                f,
                "length {claimed} is larger than the {remaining} bytes left in the body"
            ),
            DecodeErrorKind::NegativeLength(n) => write!(f, "negative length {n}"),
            DecodeErrorKind::InvalidUtf8 => write!(f, "string is not valid UTF-8"),
            DecodeErrorKind::TooDeep => write!(f, "nesting deeper than {MAX_DEPTH} levels"),
            DecodeErrorKind::Syntax(s) => write!(f, "TJSON syntax: {s}"),
            DecodeErrorKind::BinaryHeader(s) => write!(f, "TBinary: {s}"),
            DecodeErrorKind::OverBudget { needed, budget } => write!(
                f,
                "decode budget exceeded: a container needs {} MB in memory, over the {} MB \
                 allowed for a reply this size ({}× its bytes)",
                needed.div_ceil(1 << 20),
                budget / (1 << 20),
                codec::DECODE_BYTES_PER_BODY_BYTE
            ),
            DecodeErrorKind::BadVersion(v) => write!(f, "bad protocol version {v:#x}"),
            DecodeErrorKind::TrailingData(n) => write!(f, "{n} unexpected bytes after the message"),
        }
    }
}

pub type DecodeResult<T> = Result<T, DecodeError>;

/// Writes Thrift values. Writers cannot fail: they append to an in-memory buffer.
pub trait ProtocolWriter {
    fn message_begin(&mut self, name: &str, kind: MessageType, seq: i32);
    fn message_end(&mut self);
    fn struct_begin(&mut self);
    /// Ends the field list (writes STOP in TBinary) and the struct.
    fn struct_end(&mut self);
    fn field_begin(&mut self, ty: TType, id: i16);
    /// A field with its IDL name: what model types call. Only writers that print names
    /// (TSimpleJSON-style output) need more than the type and id.
    #[inline]
    fn named_field_begin(&mut self, ty: TType, id: i16, _name: &'static str) {
        self.field_begin(ty, id)
    }
    fn field_end(&mut self);
    fn bool(&mut self, v: bool);
    fn i8(&mut self, v: i8);
    fn i16(&mut self, v: i16);
    fn i32(&mut self, v: i32);
    /// An enum value, with its name when this version of Eos knows it. On the wire an enum
    /// is its number; writers for people may print the name.
    #[inline]
    fn enum_i32(&mut self, v: i32, _name: Option<&'static str>) {
        self.i32(v)
    }
    fn i64(&mut self, v: i64);
    fn double(&mut self, v: f64);
    fn string(&mut self, v: &str);
    /// Lists and sets share one layout in both protocols; only the enclosing tag differs.
    fn list_begin(&mut self, elem: TType, len: usize);
    fn list_end(&mut self);
    fn map_begin(&mut self, key: TType, value: TType, len: usize);
    fn map_end(&mut self);
}

/// A position a reader can go back to (see [`ProtocolReader::read_shared`]).
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    pub(crate) pos: usize,
    pub(crate) state: u64,
}

/// Reads Thrift values from a body held in memory.
pub trait ProtocolReader<'a> {
    fn message_begin(&mut self) -> DecodeResult<MessageHeader>;
    fn message_end(&mut self) -> DecodeResult<()>;
    fn struct_begin(&mut self) -> DecodeResult<()>;
    fn struct_end(&mut self) -> DecodeResult<()>;
    /// The next field's type and id, or `None` at the end of the struct.
    fn field_begin(&mut self) -> DecodeResult<Option<(TType, i16)>>;
    fn field_end(&mut self) -> DecodeResult<()>;
    fn bool(&mut self) -> DecodeResult<bool>;
    fn i8(&mut self) -> DecodeResult<i8>;
    fn i16(&mut self) -> DecodeResult<i16>;
    fn i32(&mut self) -> DecodeResult<i32>;
    fn i64(&mut self) -> DecodeResult<i64>;
    fn double(&mut self) -> DecodeResult<f64>;
    fn string(&mut self) -> DecodeResult<String>;
    /// Element type and count; the count is already checked against the bytes left.
    fn list_begin(&mut self) -> DecodeResult<(TType, usize)>;
    fn list_end(&mut self) -> DecodeResult<()>;
    fn map_begin(&mut self) -> DecodeResult<(TType, TType, usize)>;
    fn map_end(&mut self) -> DecodeResult<()>;

    fn position(&self) -> usize;
    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            offset: self.position(),
            kind,
        }
    }
    fn mark(&self) -> Mark;
    fn reset(&mut self, mark: Mark);
    /// The raw bytes between a mark and the current position.
    fn span(&self, mark: Mark) -> &'a [u8];
    fn depth_enter(&mut self) -> DecodeResult<()>;
    fn depth_leave(&mut self);
    /// Reads one `T` from the body's bytes `start..end` (a span this reader passed over
    /// earlier, e.g. one element of a list) as if it stood alone, then returns to where it
    /// was. Values shared with earlier reads of this body are reused, not decoded again.
    fn read_span<T: Thrift>(&mut self, start: usize, end: usize) -> DecodeResult<T>
    where
        Self: Sized;
    fn shared(&mut self) -> &mut codec::SharedValues<'a>;

    /// Charges `n` elements of `each` bytes against this body's decode budget, before a
    /// container of them is allocated.
    fn charge(&mut self, n: usize, each: usize) -> DecodeResult<()> {
        let needed = n.saturating_mul(each);
        let offset = self.position();
        self.shared().charge(needed).map_err(|budget| DecodeError {
            offset,
            kind: DecodeErrorKind::OverBudget { needed, budget },
        })
    }

    /// Skips one value of the given type, including everything nested in it.
    fn skip(&mut self, ty: TType) -> DecodeResult<()> {
        match ty {
            TType::Stop => Err(self.error(DecodeErrorKind::UnknownType(0))),
            TType::Bool => self.bool().map(drop),
            TType::I8 => self.i8().map(drop),
            TType::I16 => self.i16().map(drop),
            TType::I32 => self.i32().map(drop),
            TType::I64 => self.i64().map(drop),
            TType::Double => self.double().map(drop),
            TType::String => self.skip_string(),
            TType::Struct => {
                self.depth_enter()?;
                self.struct_begin()?;
                while let Some((t, _)) = self.field_begin()? {
                    self.skip(t)?;
                    self.field_end()?;
                }
                self.struct_end()?;
                self.depth_leave();
                Ok(())
            }
            TType::List | TType::Set => {
                self.depth_enter()?;
                let (elem, n) = self.list_begin()?;
                for _ in 0..n {
                    self.skip(elem)?;
                }
                self.list_end()?;
                self.depth_leave();
                Ok(())
            }
            TType::Map => {
                self.depth_enter()?;
                let (k, v, n) = self.map_begin()?;
                for _ in 0..n {
                    self.skip(k)?;
                    self.skip(v)?;
                }
                self.map_end()?;
                self.depth_leave();
                Ok(())
            }
        }
    }

    /// Skips a string without building it (the default builds it).
    fn skip_string(&mut self) -> DecodeResult<()> {
        self.string().map(drop)
    }

    /// Reads a value that is often repeated byte for byte (a job's TaskConfig in every one of its
    /// tasks) so that identical encodings share one allocation: the value is skipped first, and
    /// only decoded if its exact bytes were not seen before in this body.
    fn read_shared<T: Thrift + Send + Sync + 'static>(&mut self) -> DecodeResult<std::sync::Arc<T>>
    where
        Self: Sized,
    {
        let mark = self.mark();
        self.skip(T::TTYPE)?;
        let bytes = self.span(mark);
        if let Some(v) = self.shared().get::<T>(bytes) {
            return Ok(v);
        }
        let end = self.mark();
        self.reset(mark);
        let value = std::sync::Arc::new(T::read(self)?);
        debug_assert_eq!(self.position(), end.pos);
        self.shared().insert(bytes, value.clone());
        Ok(value)
    }
}
