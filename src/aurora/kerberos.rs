//! Kerberos login for schedulers run with `-http_authentication_mechanism=NEGOTIATE`: an
//! `Authorization: Negotiate <base64 SPNEGO token>` header for each request, made with the
//! system's GSSAPI library (MIT krb5's `libgssapi_krb5`) from the ticket `kinit` left in the
//! user's credential cache. Built only with the `kerberos` cargo feature.
//!
//! Like Aurora's own client (requests-kerberos with mutual authentication disabled) the
//! exchange is one-shot: one token per request for the service `HTTP@<scheduler host>`, and
//! the scheduler's reply token is not checked.
//!
//! The few GSSAPI calls needed are declared here by hand (RFC 2744's C bindings), so the
//! build needs the library (`libkrb5-dev`) and nothing else.

use std::ffi::{c_int, c_void};
use std::fmt;

use base64::Engine as _;

#[allow(non_camel_case_types)]
mod ffi {
    use std::ffi::{c_int, c_void};

    pub type OM_uint32 = u32;
    pub type gss_name_t = *mut c_void;
    pub type gss_ctx_id_t = *mut c_void;
    pub type gss_cred_id_t = *mut c_void;
    pub type gss_OID = *mut gss_OID_desc;

    #[repr(C)]
    pub struct gss_buffer_desc {
        pub length: usize,
        pub value: *mut c_void,
    }

    #[repr(C)]
    pub struct gss_OID_desc {
        pub length: OM_uint32,
        pub elements: *mut c_void,
    }

    pub const GSS_S_COMPLETE: OM_uint32 = 0;
    pub const GSS_S_CONTINUE_NEEDED: OM_uint32 = 1;
    pub const GSS_C_GSS_CODE: c_int = 1;
    pub const GSS_C_MECH_CODE: c_int = 2;
    /// The calling and routine error fields of a major status (`GSS_ERROR()`).
    pub const GSS_ERROR_MASK: OM_uint32 = 0xffff_0000;
    pub const GSS_ROUTINE_ERROR_MASK: OM_uint32 = 0x00ff_0000;
    pub const GSS_S_NO_CRED: OM_uint32 = 7 << 16;
    pub const GSS_S_CREDENTIALS_EXPIRED: OM_uint32 = 11 << 16;

    #[link(name = "gssapi_krb5")]
    unsafe extern "C" {
        pub fn gss_import_name(
            minor: *mut OM_uint32,
            input_name: *mut gss_buffer_desc,
            name_type: gss_OID,
            output_name: *mut gss_name_t,
        ) -> OM_uint32;
        pub fn gss_init_sec_context(
            minor: *mut OM_uint32,
            cred: gss_cred_id_t,
            context: *mut gss_ctx_id_t,
            target: gss_name_t,
            mech: gss_OID,
            req_flags: OM_uint32,
            time_req: OM_uint32,
            bindings: *mut c_void,
            input_token: *mut gss_buffer_desc,
            actual_mech: *mut gss_OID,
            output_token: *mut gss_buffer_desc,
            ret_flags: *mut OM_uint32,
            time_rec: *mut OM_uint32,
        ) -> OM_uint32;
        pub fn gss_accept_sec_context(
            minor: *mut OM_uint32,
            context: *mut gss_ctx_id_t,
            acceptor_cred: gss_cred_id_t,
            input_token: *mut gss_buffer_desc,
            bindings: *mut c_void,
            src_name: *mut gss_name_t,
            mech: *mut gss_OID,
            output_token: *mut gss_buffer_desc,
            ret_flags: *mut OM_uint32,
            time_rec: *mut OM_uint32,
            delegated_cred: *mut gss_cred_id_t,
        ) -> OM_uint32;
        pub fn gss_display_name(
            minor: *mut OM_uint32,
            name: gss_name_t,
            output: *mut gss_buffer_desc,
            output_type: *mut gss_OID,
        ) -> OM_uint32;
        pub fn gss_display_status(
            minor: *mut OM_uint32,
            status: OM_uint32,
            status_type: c_int,
            mech: gss_OID,
            message_context: *mut OM_uint32,
            status_string: *mut gss_buffer_desc,
        ) -> OM_uint32;
        pub fn gss_release_buffer(minor: *mut OM_uint32, buffer: *mut gss_buffer_desc)
        -> OM_uint32;
        pub fn gss_release_name(minor: *mut OM_uint32, name: *mut gss_name_t) -> OM_uint32;
        pub fn gss_delete_sec_context(
            minor: *mut OM_uint32,
            context: *mut gss_ctx_id_t,
            output_token: *mut gss_buffer_desc,
        ) -> OM_uint32;
    }
}

use ffi::*;

/// GSS_C_NT_HOSTBASED_SERVICE, 1.2.840.113554.1.2.1.4 (`service@host` names).
const NT_HOSTBASED_SERVICE: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04";
/// SPNEGO, 1.3.6.1.5.5.2: what HTTP Negotiate carries.
const SPNEGO: &[u8] = b"\x2b\x06\x01\x05\x05\x02";

fn oid(bytes: &'static [u8]) -> gss_OID_desc {
    gss_OID_desc {
        length: bytes.len() as OM_uint32,
        elements: bytes.as_ptr() as *mut c_void,
    }
}

/// What went wrong, as far as a person can act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// No ticket in the credential cache (or no cache at all): run kinit.
    NoTicket,
    /// The ticket has expired: run kinit again.
    Expired,
    /// The KDC does not know the service principal `HTTP/<host>`.
    UnknownService,
    /// No KDC for the realm could be reached.
    KdcUnreachable,
    /// This machine's clock and the KDC's (or the scheduler's) disagree too much.
    ClockSkew,
    /// A token that is not valid (the accepting side).
    BadToken,
    /// Anything else; the GSSAPI text says what.
    Other,
}

/// A Kerberos failure: a plain explanation, then the GSSAPI library's own words.
#[derive(Clone, Debug)]
pub struct KerberosError {
    pub problem: Problem,
    /// The service the token was for, `HTTP@host` (empty on the accepting side).
    pub service: String,
    /// The GSSAPI status text (major; minor).
    pub detail: String,
}

impl fmt::Display for KerberosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.service.split_once('@').map(|(_, h)| h).unwrap_or("");
        match self.problem {
            Problem::NoTicket => write!(
                f,
                "no Kerberos ticket (run kinit; the ticket cache is {})",
                ticket_cache_name()
            )?,
            Problem::Expired => write!(f, "the Kerberos ticket has expired (run kinit again)")?,
            Problem::UnknownService => write!(
                f,
                "no such service principal {} in the KDC (use the scheduler's name its \
                 Kerberos principal was made for, not an alias or IP address)",
                unknown_principal(&self.detail).unwrap_or_else(|| format!("HTTP/{host}@REALM"))
            )?,
            Problem::KdcUnreachable => write!(
                f,
                "cannot reach a Kerberos KDC for the realm (check krb5.conf and the network)"
            )?,
            Problem::ClockSkew => write!(
                f,
                "this machine's clock differs too much from the KDC's (fix the time, then kinit)"
            )?,
            Problem::BadToken => write!(f, "the Negotiate token is not valid")?,
            Problem::Other if self.service.is_empty() => write!(f, "Kerberos failed")?,
            Problem::Other => write!(f, "Kerberos failed for the service {}", self.service)?,
        }
        if !self.detail.is_empty() {
            write!(f, " [GSSAPI: {}]", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for KerberosError {}

/// The principal MIT names in "Server HTTP/h@R not found in Kerberos database".
fn unknown_principal(detail: &str) -> Option<String> {
    let end = detail.find(" not found in Kerberos database")?;
    let start = detail[..end].rfind("Server ")? + "Server ".len();
    let p = &detail[start..end];
    (!p.is_empty() && !p.contains(char::is_whitespace)).then(|| p.to_owned())
}

/// Where the user's ticket is looked for, to say so in messages.
pub fn ticket_cache_name() -> String {
    match std::env::var("KRB5CCNAME") {
        Ok(v) if !v.is_empty() => format!("KRB5CCNAME={v}"),
        _ => "the default one (see klist)".to_owned(),
    }
}

/// The texts `gss_display_status` has for one status value.
fn status_strings(status: OM_uint32, kind: c_int) -> Vec<String> {
    let mut out = Vec::new();
    let mut context: OM_uint32 = 0;
    // No mechanism: the glue remembers which mechanism a minor status came from.
    let mech: gss_OID = std::ptr::null_mut();
    for _ in 0..8 {
        let mut minor: OM_uint32 = 0;
        let mut buf = gss_buffer_desc {
            length: 0,
            value: std::ptr::null_mut(),
        };
        // SAFETY: all pointers are valid for the call; the buffer is released below.
        let major =
            unsafe { gss_display_status(&mut minor, status, kind, mech, &mut context, &mut buf) };
        if major & GSS_ERROR_MASK != 0 {
            break;
        }
        let text = buffer_bytes(&buf);
        release_buffer(&mut buf);
        let text = String::from_utf8_lossy(&text).trim().to_owned();
        if !text.is_empty() {
            out.push(text);
        }
        if context == 0 {
            break;
        }
    }
    out
}

fn buffer_bytes(buf: &gss_buffer_desc) -> Vec<u8> {
    if buf.value.is_null() || buf.length == 0 {
        return Vec::new();
    }
    // SAFETY: GSSAPI returned `length` readable bytes at `value`.
    unsafe { std::slice::from_raw_parts(buf.value as *const u8, buf.length) }.to_vec()
}

fn release_buffer(buf: &mut gss_buffer_desc) {
    if !buf.value.is_null() {
        let mut minor = 0;
        // SAFETY: a buffer GSSAPI allocated, released once.
        unsafe { gss_release_buffer(&mut minor, buf) };
        buf.value = std::ptr::null_mut();
        buf.length = 0;
    }
}

/// Classifies a failed status and words it.
fn error(major: OM_uint32, minor: OM_uint32, service: &str) -> KerberosError {
    let mut texts = status_strings(major, GSS_C_GSS_CODE);
    if minor != 0 {
        texts.extend(status_strings(minor, GSS_C_MECH_CODE));
    }
    let detail = texts.join("; ");
    KerberosError {
        problem: classify(major, &detail),
        service: service.to_owned(),
        detail,
    }
}

/// The common cases, from the major status and MIT's texts for the minor one.
fn classify(major: OM_uint32, detail: &str) -> Problem {
    let d = detail.to_ascii_lowercase();
    let routine = major & GSS_ROUTINE_ERROR_MASK;
    if d.contains("expired") || routine == GSS_S_CREDENTIALS_EXPIRED {
        Problem::Expired
    } else if d.contains("not found in kerberos database") || d.contains("server principal unknown")
    {
        Problem::UnknownService
    } else if d.contains("cannot contact any kdc") || d.contains("cannot find kdc") {
        Problem::KdcUnreachable
    } else if d.contains("clock skew") {
        Problem::ClockSkew
    } else if routine == GSS_S_NO_CRED
        || d.contains("no kerberos credentials")
        || d.contains("no credentials cache")
        || d.contains("credentials cache file")
        || d.contains("matching credential not found")
    {
        Problem::NoTicket
    } else if d.contains("defective token") || d.contains("invalid token") {
        Problem::BadToken
    } else {
        Problem::Other
    }
}

/// A GSSAPI name, released on drop.
struct Name(gss_name_t);

impl Drop for Name {
    fn drop(&mut self) {
        if !self.0.is_null() {
            let mut minor = 0;
            // SAFETY: a name GSSAPI made, released once.
            unsafe { gss_release_name(&mut minor, &mut self.0) };
        }
    }
}

/// A security context, deleted on drop.
struct Context(gss_ctx_id_t);

impl Drop for Context {
    fn drop(&mut self) {
        if !self.0.is_null() {
            let mut minor = 0;
            // SAFETY: a context GSSAPI made, deleted once; no output token is wanted.
            unsafe { gss_delete_sec_context(&mut minor, &mut self.0, std::ptr::null_mut()) };
        }
    }
}

/// The host of a scheduler URL (without IPv6 brackets).
pub fn url_host(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    )
}

/// A SPNEGO token for the service `HTTP@host`, from the user's ticket. Blocking: it may ask
/// the KDC for a service ticket.
pub fn initiate(host: &str) -> Result<Vec<u8>, KerberosError> {
    let service = format!("HTTP@{host}");
    let mut minor: OM_uint32 = 0;
    let mut name_buf = gss_buffer_desc {
        length: service.len(),
        value: service.as_ptr() as *mut c_void,
    };
    let mut name_type = oid(NT_HOSTBASED_SERVICE);
    let mut name = Name(std::ptr::null_mut());
    // SAFETY: the buffer points at `service`, alive for the call; GSSAPI copies it.
    let major = unsafe { gss_import_name(&mut minor, &mut name_buf, &mut name_type, &mut name.0) };
    if major & GSS_ERROR_MASK != 0 {
        return Err(error(major, minor, &service));
    }
    let mut mech = oid(SPNEGO);
    let mut ctx = Context(std::ptr::null_mut());
    let mut out = gss_buffer_desc {
        length: 0,
        value: std::ptr::null_mut(),
    };
    // No mutual authentication, no delegation: one token, as Aurora's client sends.
    // SAFETY: every pointer is valid for the call; the output buffer is released below.
    let major = unsafe {
        gss_init_sec_context(
            &mut minor,
            std::ptr::null_mut(),
            &mut ctx.0,
            name.0,
            &mut mech,
            0,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut out,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    let token = buffer_bytes(&out);
    release_buffer(&mut out);
    if major & GSS_ERROR_MASK != 0 {
        return Err(error(major, minor, &service));
    }
    if token.is_empty() {
        return Err(KerberosError {
            problem: Problem::Other,
            service,
            detail: "GSSAPI made no token".into(),
        });
    }
    debug_assert!(major == GSS_S_COMPLETE || major & GSS_S_CONTINUE_NEEDED != 0);
    Ok(token)
}

/// The `Authorization` header value for a request to `url`: `Negotiate <base64 token>` for
/// the service `HTTP@<host of url>`. Blocking (see [`initiate`]).
pub fn negotiate_header(url: &str) -> Result<String, KerberosError> {
    let host = url_host(url).ok_or_else(|| KerberosError {
        problem: Problem::Other,
        service: String::new(),
        detail: format!("no host name in {url:?}"),
    })?;
    let token = initiate(&host)?;
    Ok(format!(
        "Negotiate {}",
        base64::engine::general_purpose::STANDARD.encode(token)
    ))
}

/// The accepting side, for a server (the tests' scheduler): checks a token with the default
/// keytab (`KRB5_KTNAME`) and returns the client's principal, e.g. `alice@EOS.TEST`.
pub fn accept(token: &[u8]) -> Result<String, KerberosError> {
    let mut minor: OM_uint32 = 0;
    let mut ctx = Context(std::ptr::null_mut());
    let mut input = gss_buffer_desc {
        length: token.len(),
        value: token.as_ptr() as *mut c_void,
    };
    let mut src = Name(std::ptr::null_mut());
    let mut out = gss_buffer_desc {
        length: 0,
        value: std::ptr::null_mut(),
    };
    // SAFETY: the input buffer points at `token` (only read); the rest are out-pointers.
    let major = unsafe {
        gss_accept_sec_context(
            &mut minor,
            &mut ctx.0,
            std::ptr::null_mut(),
            &mut input,
            std::ptr::null_mut(),
            &mut src.0,
            std::ptr::null_mut(),
            &mut out,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    release_buffer(&mut out);
    if major & GSS_ERROR_MASK != 0 {
        return Err(error(major, minor, ""));
    }
    if major != GSS_S_COMPLETE {
        return Err(KerberosError {
            problem: Problem::Other,
            service: String::new(),
            detail: "the exchange needs more than one token".into(),
        });
    }
    let mut text = gss_buffer_desc {
        length: 0,
        value: std::ptr::null_mut(),
    };
    // SAFETY: `src` is the name the completed context gave; the buffer is released below.
    let major = unsafe { gss_display_name(&mut minor, src.0, &mut text, std::ptr::null_mut()) };
    let principal = buffer_bytes(&text);
    release_buffer(&mut text);
    if major & GSS_ERROR_MASK != 0 {
        return Err(error(major, minor, ""));
    }
    Ok(String::from_utf8_lossy(&principal).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_failures_are_named() {
        assert_eq!(
            classify(
                GSS_S_NO_CRED,
                "No credentials were supplied; No Kerberos credentials available"
            ),
            Problem::NoTicket
        );
        assert_eq!(classify(GSS_S_CREDENTIALS_EXPIRED, ""), Problem::Expired);
        let detail = "Unspecified GSS failure; Server HTTP/h@R not found in Kerberos database";
        assert_eq!(classify(13 << 16, detail), Problem::UnknownService);
        assert_eq!(unknown_principal(detail).as_deref(), Some("HTTP/h@R"));
        let e = KerberosError {
            problem: Problem::UnknownService,
            service: "HTTP@sched.example".into(),
            detail: "x".into(),
        };
        assert!(
            e.to_string()
                .starts_with("no such service principal HTTP/sched.example@REALM in the KDC"),
            "{e}"
        );
        assert_eq!(
            url_host("http://localhost:8081/api").as_deref(),
            Some("localhost")
        );
    }

    #[test]
    fn status_codes_are_described_by_the_library() {
        let texts = status_strings(GSS_S_NO_CRED, GSS_C_GSS_CODE);
        assert!(
            texts
                .iter()
                .any(|t| t.to_ascii_lowercase().contains("credentials")),
            "{texts:?}"
        );
    }
}
