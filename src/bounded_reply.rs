//! Reading an HTTP reply body with a size limit, for every HTTP client in Eos (the scheduler's
//! `/api` and `/maintenance` today; an observer or Docker client uses the same helper).
//!
//! A body is streamed chunk by chunk (`Response::chunk`) and refused as soon as it passes the
//! limit, so memory stays near the limit whatever the peer sends. reqwest decompresses gzip as
//! a stream before handing out chunks, so the limit applies to the decompressed bytes: a gzip
//! bomb is stopped at the limit, not after it has expanded. A body whose first bytes cannot
//! begin what the caller expects (zeros, an HTML page) is refused before the rest is read.

use bytes::{Bytes, BytesMut};

/// The default limit on one reply: generous for a real cluster (a whole-cluster task list of
/// 100,000 tasks is about 56 MB in TBinary, 100 MB in TJSON).
pub const DEFAULT_MAX_REPLY_BYTES: usize = 256 << 20;
/// The flag that changes [`DEFAULT_MAX_REPLY_BYTES`].
pub const MAX_REPLY_FLAG: &str = "--max-reply-mb";
/// An error page (a non-200 reply) is read this far at most: only its first line is shown.
pub const MAX_ERROR_BODY_BYTES: usize = 64 << 10;

/// What the first bytes of a body say about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// Too few bytes yet to tell.
    NeedMore,
    /// It can begin a valid reply.
    Plausible,
    /// It cannot: what was expected.
    Impossible(&'static str),
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error(
        "the reply is over the reply-size limit of {} MB (counted after decompression; \
         stopped after {} MB){}",
        mb(*limit),
        mb(*read),
        flag.map(|f| format!("; {f} N raises it")).unwrap_or_default()
    )]
    TooLarge {
        limit: usize,
        read: usize,
        flag: Option<&'static str>,
    },
    #[error("the reply is not {expected}: it begins with {preview}")]
    NotAReply {
        expected: &'static str,
        preview: String,
    },
    #[error("{0}")]
    Read(#[source] reqwest::Error),
}

fn mb(bytes: usize) -> String {
    let m = bytes as f64 / (1u64 << 20) as f64;
    if m >= 10.0 || m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}

/// Reads the whole body of `resp`, refusing it past `limit` bytes (`flag` names the option
/// that changes the limit) or when `sniff` says its first bytes cannot begin a valid reply.
pub async fn read_limited(
    resp: &mut reqwest::Response,
    limit: usize,
    flag: Option<&'static str>,
    sniff: &(dyn Fn(&[u8]) -> Sniffed + Sync),
) -> Result<Bytes, BodyError> {
    // reqwest drops Content-Length when it decompresses; when it is there it is the body's size.
    let declared = resp.content_length();
    if let Some(n) = declared
        && n > limit as u64
    {
        return Err(BodyError::TooLarge {
            limit,
            read: 0,
            flag,
        });
    }
    let mut buf = BytesMut::with_capacity(declared.map_or(64 << 10, |n| n as usize));
    let mut judged = false;
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if buf.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge {
                limit,
                read: buf.len() + chunk.len(),
                flag,
            });
        }
        buf.extend_from_slice(&chunk);
        if !judged {
            match sniff(&buf) {
                Sniffed::NeedMore => {}
                Sniffed::Plausible => judged = true,
                Sniffed::Impossible(expected) => {
                    return Err(BodyError::NotAReply {
                        expected,
                        preview: preview(&buf),
                    });
                }
            }
        }
    }
    // A body shorter than the sniff needs is left to the decoder, which names what is wrong.
    Ok(buf.freeze())
}

/// Reads at most `limit` bytes of the body (an error page) and drops the rest unread.
pub async fn read_prefix(resp: &mut reqwest::Response, limit: usize) -> Bytes {
    let mut buf = BytesMut::new();
    while buf.len() < limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - buf.len());
                buf.extend_from_slice(&chunk[..take]);
            }
            _ => break,
        }
    }
    buf.freeze()
}

/// A few words on what a body begins with: "32 zero bytes", "HTML \"<html><body>…\"", or hex.
pub fn preview(b: &[u8]) -> String {
    let head = &b[..b.len().min(32)];
    if head.iter().all(|&c| c == 0) {
        return format!("{} zero bytes", head.len());
    }
    let text = head
        .iter()
        .all(|&c| c.is_ascii_graphic() || c == b' ' || c == b'\n' || c == b'\r' || c == b'\t');
    if text {
        let s: String = String::from_utf8_lossy(head)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let trimmed = s.trim_start();
        let what = if trimmed.starts_with('<') {
            "HTML "
        } else {
            "text "
        };
        return format!("{what}{trimmed:?}");
    }
    let hex: Vec<String> = head.iter().take(12).map(|c| format!("{c:02x}")).collect();
    format!("the bytes {}", hex.join(" "))
}

/// Sniffs a JSON document whose first non-blank character must be one of `open`.
pub fn sniff_json(b: &[u8], open: &[u8], expected: &'static str) -> Sniffed {
    match b.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(c) if open.contains(c) => Sniffed::Plausible,
        Some(_) => Sniffed::Impossible(expected),
        None if b.len() > 4096 => Sniffed::Impossible(expected),
        None => Sniffed::NeedMore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_name_what_a_body_is() {
        assert_eq!(preview(&[0; 100]), "32 zero bytes");
        assert_eq!(preview(b"<html>x"), "HTML \"<html>x\"");
        assert_eq!(preview(&[0x80, 1, 0xff]), "the bytes 80 01 ff");
    }

    #[test]
    fn json_sniffing() {
        assert_eq!(sniff_json(b"  ", b"[", "x"), Sniffed::NeedMore);
        assert_eq!(sniff_json(b" [1", b"[", "x"), Sniffed::Plausible);
        assert_eq!(sniff_json(b"<html", b"[", "x"), Sniffed::Impossible("x"));
    }

    #[test]
    fn limits_read_in_megabytes() {
        let e = BodyError::TooLarge {
            limit: 256 << 20,
            read: 256 << 20,
            flag: Some(MAX_REPLY_FLAG),
        };
        assert_eq!(
            e.to_string(),
            "the reply is over the reply-size limit of 256 MB (counted after decompression; \
             stopped after 256 MB); --max-reply-mb N raises it"
        );
    }
}
