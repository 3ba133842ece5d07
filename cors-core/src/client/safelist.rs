//! What a page may send without a preflight: the Fetch standard's CORS-safelisted methods and
//! request headers (names and value rules), and the CORS-unsafe request-header names a
//! preflight lists in `Access-Control-Request-Headers`.

use crate::methods::SAFELISTED;

/// A CORS-safelisted request header's value may be at most this long (bytes).
pub const MAX_SAFELISTED_VALUE_LEN: usize = 128;

/// The values of all CORS-safelisted request headers together may be at most this long
/// (bytes); past it every one of them needs the preflight too.
pub const MAX_SAFELISTED_TOTAL_LEN: usize = 1024;

/// Whether a method is CORS-safelisted (`GET`, `HEAD`, `POST`, compared byte for byte after
/// the browser's normalisation): one that never needs a preflight.
pub fn is_cors_safelisted_method(method: &str) -> bool {
    SAFELISTED.contains(&method.as_bytes())
}

/// Whether `(name, value)` is a CORS-safelisted request-header: `Accept`, `Accept-Language`,
/// `Content-Language`, `Content-Type` or `Range` (any case), with a value of at most
/// [`MAX_SAFELISTED_VALUE_LEN`] bytes that passes that header's rule.
///
/// ```
/// use cors_core::client::is_cors_safelisted_request_header;
///
/// assert!(is_cors_safelisted_request_header("Content-Type", b"text/plain; charset=utf-8"));
/// assert!(!is_cors_safelisted_request_header("Content-Type", b"application/json"));
/// assert!(is_cors_safelisted_request_header("range", b"bytes=0-499"));
/// assert!(!is_cors_safelisted_request_header("range", b"bytes=-500"));
/// ```
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > MAX_SAFELISTED_VALUE_LEN {
        return false;
    }
    match name.to_ascii_lowercase().as_str() {
        "accept" => !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b)),
        "accept-language" | "content-language" => value.iter().all(|&b| is_language_byte(b)),
        "content-type" => {
            !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b))
                && mime_essence(value).is_some_and(|essence| {
                    crate::headers::SAFELISTED_CONTENT_TYPES.contains(&essence.as_str())
                })
        }
        // A suffix range (`bytes=-500`) has no start, and is not safelisted.
        "range" => parse_single_range(value).is_some_and(|(start, _)| start.is_some()),
        _ => false,
    }
}

/// The Fetch standard's "CORS-unsafe request-header names": the names of the headers that are
/// not CORS-safelisted, plus every safelisted one when their values add up to more than
/// [`MAX_SAFELISTED_TOTAL_LEN`] bytes; lower-cased, without repeats, sorted byte-wise. This
/// is the list a preflight sends, joined by `,`, in `Access-Control-Request-Headers`.
///
/// ```
/// use cors_core::client::cors_unsafe_request_header_names;
///
/// let headers = [
///     ("X-Api-Key", &b"k"[..]),
///     ("Content-Type", b"application/json"),
///     ("Accept", b"*/*"),
/// ];
/// assert_eq!(cors_unsafe_request_header_names(headers), ["content-type", "x-api-key"]);
/// ```
pub fn cors_unsafe_request_header_names<'a, I>(headers: I) -> Vec<String>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelist_value_size = 0usize;
    for (name, value) in headers {
        if is_cors_safelisted_request_header(name, value) {
            potentially_unsafe.push(name);
            safelist_value_size += value.len();
        } else {
            unsafe_names.push(name);
        }
    }
    if safelist_value_size > MAX_SAFELISTED_TOTAL_LEN {
        unsafe_names.extend(potentially_unsafe);
    }
    let mut lower: Vec<String> = unsafe_names.into_iter().map(str::to_ascii_lowercase).collect();
    lower.sort_unstable();
    lower.dedup();
    lower
}

/// The Fetch standard's CORS-unsafe request-header bytes: controls other than tab,
/// `"():<>?@[\]{}` and DEL.
fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}\x7f".contains(&b)
}

/// The bytes `Accept-Language` and `Content-Language` may hold: `0-9 A-Z a-z`, space and
/// `*,-.;=`.
fn is_language_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b)
}

fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// The essence (`type/subtype`, lower case) of a MIME type, as the MIME Sniffing standard's
/// parser finds it; `None` where that parser fails. Parameters cannot make it fail.
fn mime_essence(value: &[u8]) -> Option<String> {
    let start = value.iter().position(|&b| !is_http_whitespace(b))?;
    let end = value.iter().rposition(|&b| !is_http_whitespace(b))? + 1;
    let value = &value[start..end];
    let slash = value.iter().position(|&b| b == b'/')?;
    let (kind, rest) = (&value[..slash], &value[slash + 1..]);
    let subtype_end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
    let subtype = &rest[..subtype_end];
    let subtype_len = subtype.iter().rposition(|&b| !is_http_whitespace(b)).map_or(0, |i| i + 1);
    let subtype = &subtype[..subtype_len];
    if !crate::headers::is_token(kind) || !crate::headers::is_token(subtype) {
        return None;
    }
    let mut essence = String::from_utf8_lossy(kind).to_ascii_lowercase();
    essence.push('/');
    essence.push_str(&String::from_utf8_lossy(subtype).to_ascii_lowercase());
    Some(essence)
}

/// The digits of one end of a byte range, when given.
type Position<'a> = Option<&'a [u8]>;

/// The Fetch standard's "parse a single range header value" (without whitespace): `bytes=`,
/// an optional first position, `-`, an optional last position, not both missing, the first no
/// greater than the last. Returns the digits of each position.
fn parse_single_range(value: &[u8]) -> Option<(Position<'_>, Position<'_>)> {
    let rest = value.strip_prefix(b"bytes=")?;
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (start, end) = (&rest[..dash], &rest[dash + 1..]);
    if !start.iter().all(u8::is_ascii_digit) || !end.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let start = (!start.is_empty()).then_some(start);
    let end = (!end.is_empty()).then_some(end);
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if greater(s, e) => None,
        range => Some(range),
    }
}

/// Whether the decimal number `a` is greater than `b`, whatever their length.
fn greater(a: &[u8], b: &[u8]) -> bool {
    let strip = |d: &[u8]| -> usize { d.iter().position(|&c| c != b'0').unwrap_or(d.len()) };
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    (a.len(), a) > (b.len(), b)
}
