//! Message envelopes: CALL / REPLY / EXCEPTION, and the choice of protocol.

use super::{
    BinaryReader, BinaryWriter, DecodeError, DecodeErrorKind, DecodeResult, JsonReader, JsonWriter,
    ProtocolReader, ProtocolWriter, Thrift,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum MessageType {
    Call = 1,
    Reply = 2,
    Exception = 3,
    Oneway = 4,
}

impl MessageType {
    pub fn from_i32(v: i32) -> Option<MessageType> {
        Some(match v {
            1 => MessageType::Call,
            2 => MessageType::Reply,
            3 => MessageType::Exception,
            4 => MessageType::Oneway,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHeader {
    pub name: String,
    pub kind: MessageType,
    pub seq: i32,
}

/// The two encodings Aurora's `/api` speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Protocol {
    #[default]
    Binary,
    Json,
}

impl Protocol {
    pub const BINARY_CONTENT_TYPE: &'static str = "application/vnd.apache.thrift.binary";
    pub const JSON_CONTENT_TYPE: &'static str = "application/vnd.apache.thrift.json";

    /// The Content-Type (and Accept) Eos sends for this protocol.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Binary => Self::BINARY_CONTENT_TYPE,
            Protocol::Json => Self::JSON_CONTENT_TYPE,
        }
    }

    /// Writes a whole message: header, body struct, end.
    pub fn encode<T: Thrift>(self, name: &str, kind: MessageType, seq: i32, body: &T) -> Vec<u8> {
        fn go<W: ProtocolWriter, T: Thrift>(
            mut w: W,
            name: &str,
            kind: MessageType,
            seq: i32,
            body: &T,
        ) -> W {
            w.message_begin(name, kind, seq);
            body.write(&mut w);
            w.message_end();
            w
        }
        match self {
            Protocol::Binary => go(BinaryWriter::new(), name, kind, seq, body).into_inner(),
            Protocol::Json => go(JsonWriter::new(), name, kind, seq, body).into_inner(),
        }
    }

    /// Encodes a bare value (no envelope); used by tests and the peer harness.
    pub fn encode_value<T: Thrift>(self, value: &T) -> Vec<u8> {
        match self {
            Protocol::Binary => {
                let mut w = BinaryWriter::new();
                value.write(&mut w);
                w.into_inner()
            }
            Protocol::Json => {
                let mut w = JsonWriter::new();
                value.write(&mut w);
                w.into_inner()
            }
        }
    }

    /// Decodes a bare value (no envelope) that must fill the whole buffer.
    pub fn decode_value<T: Thrift>(self, body: &[u8]) -> DecodeResult<T> {
        fn go<'a, R: ProtocolReader<'a>, T: Thrift>(mut r: R, len: usize) -> DecodeResult<T> {
            let v = T::read(&mut r)?;
            finish(&r, len)?;
            Ok(v)
        }
        match self {
            Protocol::Binary => go(BinaryReader::new(body), body.len()),
            Protocol::Json => go(JsonReader::new(body), body.len()),
        }
    }

    /// Decodes a whole message into its header and a body decoded as `T` — or, for an
    /// EXCEPTION message, as a [`TApplicationException`].
    pub fn decode<T: Thrift>(self, body: &[u8]) -> DecodeResult<(MessageHeader, Envelope<T>)> {
        match self {
            Protocol::Binary => decode_with(BinaryReader::new(body), body.len()),
            Protocol::Json => decode_with(JsonReader::new(body), body.len()),
        }
    }

    /// Reads only the header of a message (a server does this to dispatch on the method name).
    pub fn decode_header(self, body: &[u8]) -> DecodeResult<MessageHeader> {
        match self {
            Protocol::Binary => BinaryReader::new(body).message_begin(),
            Protocol::Json => JsonReader::new(body).message_begin(),
        }
    }
}

/// A message body: what was asked for, or the peer's application exception.
#[derive(Debug)]
pub enum Envelope<T> {
    Body(T),
    Exception(TApplicationException),
}

fn finish<'a, R: ProtocolReader<'a>>(r: &R, len: usize) -> DecodeResult<()> {
    if r.position() != len {
        return Err(r.error(DecodeErrorKind::TrailingData(len - r.position())));
    }
    Ok(())
}

fn decode_with<'a, R: ProtocolReader<'a>, T: Thrift>(
    mut r: R,
    len: usize,
) -> DecodeResult<(MessageHeader, Envelope<T>)> {
    let header = r.message_begin()?;
    let body = if header.kind == MessageType::Exception {
        Envelope::Exception(TApplicationException::read(&mut r)?)
    } else {
        Envelope::Body(T::read(&mut r)?)
    };
    r.message_end()?;
    finish(&r, len)?;
    Ok((header, body))
}

crate::thrift_struct! {
    /// Thrift's own error reply (message type EXCEPTION).
    pub struct TApplicationException {
        1: message: String,
        2: kind: i32,
    }
}

impl TApplicationException {
    pub const UNKNOWN: i32 = 0;
    pub const UNKNOWN_METHOD: i32 = 1;
    pub const INVALID_MESSAGE_TYPE: i32 = 2;
    pub const WRONG_METHOD_NAME: i32 = 3;
    pub const BAD_SEQUENCE_ID: i32 = 4;
    pub const MISSING_RESULT: i32 = 5;
    pub const INTERNAL_ERROR: i32 = 6;
    pub const PROTOCOL_ERROR: i32 = 7;

    pub fn new(kind: i32, message: impl Into<String>) -> Self {
        Self {
            message: Some(message.into()),
            kind: Some(kind),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind.unwrap_or(0) {
            1 => "UNKNOWN_METHOD",
            2 => "INVALID_MESSAGE_TYPE",
            3 => "WRONG_METHOD_NAME",
            4 => "BAD_SEQUENCE_ID",
            5 => "MISSING_RESULT",
            6 => "INTERNAL_ERROR",
            7 => "PROTOCOL_ERROR",
            8 => "INVALID_TRANSFORM",
            9 => "INVALID_PROTOCOL",
            10 => "UNSUPPORTED_CLIENT_TYPE",
            _ => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for TApplicationException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.kind_name(),
            self.message.as_deref().unwrap_or("(no message)")
        )
    }
}

impl From<DecodeError> for TApplicationException {
    fn from(e: DecodeError) -> Self {
        TApplicationException::new(TApplicationException::PROTOCOL_ERROR, e.to_string())
    }
}
