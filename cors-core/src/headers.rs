//! Header names: validation of configured names, and the allowed and exposed header rules.

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::Bytes;
use hashbrown::{Equivalent, HashSet};

use crate::error::{ConfigError, ErrorKind, Setting};

/// The `Content-Type` values (MIME type essences) a page may send without a preflight: any other,
/// `application/json` included, makes `content-type` a header the preflight asks for.
pub const SAFELISTED_CONTENT_TYPES: [&str; 3] =
    ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/// Under "any header", a request listing more names than this is refused.
pub const MAX_ANY_HEADER_ITEMS: usize = 256;
/// Under "any header", an `Access-Control-Request-Headers` longer than this (all lines) is refused.
pub const MAX_ANY_HEADER_BYTES: usize = 16 * 1024;

/// Whether `b` may appear in an HTTP token (RFC 9110 `tchar`).
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `s` is a non-empty HTTP token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// Request headers a script can never set (Fetch's forbidden request-header names).
const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

pub(crate) fn is_forbidden_request_header(lower: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lower) || lower.starts_with("proxy-") || lower.starts_with("sec-")
}

/// Validates one configured header name and returns it in lower case.
pub(crate) fn check_name(setting: Setting, name: &str) -> Result<String, ConfigError> {
    if !is_token(name.as_bytes()) {
        return Err(ConfigError::new(
            ErrorKind::InvalidHeaderName,
            setting,
            format!("header name \"{name}\" is not a valid HTTP token; use letters, digits and - (e.g. \"x-api-key\"), one name per item"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    match setting {
        Setting::AllowedHeaders if is_forbidden_request_header(&lower) => Err(ConfigError::new(
            ErrorKind::ForbiddenRequestHeader,
            setting,
            format!("\"{name}\" is a forbidden request header: browsers never let a script send it, so allowing it has no effect; remove it"),
        )),
        Setting::ExposedHeaders if lower == "set-cookie" || lower == "set-cookie2" => Err(ConfigError::new(
            ErrorKind::ExposedSetCookie,
            setting,
            format!("\"{name}\" can never be exposed: browsers hide it from scripts whatever the server says; remove it"),
        )),
        _ => Ok(lower),
    }
}

/// A configured header name in lower case, looked up without regard to case.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Lower(Box<[u8]>);

impl Hash for Lower {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Caseless(&self.0).hash(state)
    }
}

/// A request header name, compared and hashed without regard to ASCII case.
struct Caseless<'a>(&'a [u8]);

impl Hash for Caseless<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-case through a stack buffer and hash whole chunks: one `write` per 32 bytes
        // instead of one per byte. The chunking depends on the length only, so equal names
        // (whatever their case) hash equally.
        let mut buf = [0u8; 32];
        for chunk in self.0.chunks(buf.len()) {
            let lower = &mut buf[..chunk.len()];
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
        state.write_usize(self.0.len());
    }
}

impl Equivalent<Lower> for Caseless<'_> {
    fn equivalent(&self, key: &Lower) -> bool {
        self.0.eq_ignore_ascii_case(&key.0)
    }
}

/// Which request headers a preflight may ask for.
pub(crate) enum HeaderRule {
    /// Only these names (lower case), with the list shown in refusals.
    List { names: HashSet<Lower>, shown: String, max_len: usize },
    /// Any name, except `authorization` unless it was listed too.
    Any { authorization: bool },
}

impl HeaderRule {
    pub(crate) fn list(names: &[String]) -> HeaderRule {
        let mut set = HashSet::new();
        for n in names {
            set.insert(Lower(n.as_bytes().into()));
        }
        // A browser sends each name once, lower-cased, joined by commas; allow generous spacing.
        let max_len = 2 * names.iter().map(|n| n.len() + 2).sum::<usize>() + 64;
        HeaderRule::List { names: set, shown: shown_list(names), max_len }
    }

    fn allows(&self, name: &[u8]) -> bool {
        match self {
            HeaderRule::List { names, .. } => names.contains(&Caseless(name)),
            // A literal `*` is never echoed: a browser would read it as "any header".
            HeaderRule::Any { authorization } => {
                name != b"*" && (*authorization || !name.eq_ignore_ascii_case(b"authorization"))
            }
        }
    }

    /// Checks every name of `Access-Control-Request-Headers` (all lines), with bounded work.
    ///
    /// A list over the hostile bound (16 KiB, or what the policy's own names need if more) is
    /// refused on its length alone, before it is parsed. Under a list, one longer than the policy
    /// could need is never granted, but it is parsed (within that bound) for the first name the
    /// policy does not allow: a browser sends one when a page sets a few headers the policy does
    /// not list, and its refusal must name the culprit (SPEC section 3), not look like a hostile
    /// request's. Only a list of allowed names that is still too long (repeats, padding) is
    /// refused for its length.
    pub(crate) fn check<'r, L>(&self, lines: L) -> Result<bool, HeaderRefusal<'r>>
    where
        L: IntoIterator<Item = &'r [u8]> + Clone,
    {
        // Under a list, a policy with more names than the "any" bound must still grant a request
        // for all of them.
        let (grantable, max_items) = match self {
            HeaderRule::List { max_len, names, .. } => (*max_len, names.len().max(MAX_ANY_HEADER_ITEMS)),
            HeaderRule::Any { .. } => (MAX_ANY_HEADER_BYTES, MAX_ANY_HEADER_ITEMS),
        };
        let hostile = grantable.max(MAX_ANY_HEADER_BYTES);
        let total: usize = lines.clone().into_iter().map(<[u8]>::len).sum();
        if total > hostile {
            return Err(HeaderRefusal::TooLong { len: total, limit: hostile });
        }
        let mut items = 0usize;
        for line in lines {
            for item in line.split(|&b| b == b',') {
                let name = trim_ows(item);
                if name.is_empty() {
                    continue;
                }
                items += 1;
                if items > max_items {
                    return Err(HeaderRefusal::TooMany { limit: max_items });
                }
                if !is_token(name) {
                    return Err(HeaderRefusal::Invalid(name));
                }
                if !self.allows(name) {
                    return Err(HeaderRefusal::NotAllowed(name));
                }
            }
        }
        if total > grantable {
            return Err(HeaderRefusal::TooLong { len: total, limit: grantable });
        }
        Ok(items > 0)
    }

    /// The names of `Access-Control-Request-Headers` this rule allows, as sent, without repeats,
    /// joined by `", "`: what a refusal under "any header" lists as allowed. `None` when there is
    /// none, or when the list breaks the bounds (a hostile list is told nothing).
    pub(crate) fn allowed_names<'r, L>(&self, lines: L) -> Option<String>
    where
        L: IntoIterator<Item = &'r [u8]> + Clone,
    {
        let total: usize = lines.clone().into_iter().map(<[u8]>::len).sum();
        if total > MAX_ANY_HEADER_BYTES {
            return None;
        }
        let mut kept: Vec<&[u8]> = Vec::new();
        let mut items = 0usize;
        for name in lines.into_iter().flat_map(|line| line.split(|&b| b == b',')).map(trim_ows) {
            if name.is_empty() {
                continue;
            }
            items += 1;
            if items > MAX_ANY_HEADER_ITEMS || !is_token(name) {
                return None;
            }
            if self.allows(name) && !kept.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                kept.push(name);
            }
        }
        let kept: Vec<&str> = kept.into_iter().filter_map(|k| std::str::from_utf8(k).ok()).collect();
        (!kept.is_empty()).then(|| kept.join(", "))
    }

    /// The configured names as a header value (`None` under "any", or for no name).
    pub(crate) fn list_value(&self) -> Option<Bytes> {
        match self {
            HeaderRule::List { shown, .. } if !shown.is_empty() => Some(Bytes::from(shown.clone())),
            _ => None,
        }
    }

    /// Whether this rule allows any name (`*`).
    pub(crate) fn is_any(&self) -> bool {
        matches!(self, HeaderRule::Any { .. })
    }

    /// The allowed names as shown in refusal reasons.
    pub(crate) fn shown(&self) -> &str {
        match self {
            HeaderRule::List { shown, .. } if shown.is_empty() => "only CORS-safelisted headers",
            HeaderRule::List { shown, .. } => shown,
            HeaderRule::Any { authorization: true } => "any",
            HeaderRule::Any { authorization: false } => "any except authorization",
        }
    }
}

/// Why a requested header list was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeaderRefusal<'r> {
    NotAllowed(&'r [u8]),
    Invalid(&'r [u8]),
    TooMany { limit: usize },
    TooLong { len: usize, limit: usize },
}

/// Strips HTTP optional whitespace (spaces and tabs) from both ends.
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i + 1);
    &s[start..end]
}

/// Joins names for display, e.g. `content-type, authorization`.
pub(crate) fn shown_list(names: &[String]) -> String {
    names.join(", ")
}

/// The `Access-Control-Expose-Headers` value, built once.
pub(crate) fn expose_value(any: bool, names: &[String]) -> Option<Bytes> {
    if any {
        Some(Bytes::from_static(b"*"))
    } else if names.is_empty() {
        None
    } else {
        Some(Bytes::from(names.join(", ")))
    }
}

impl fmt::Debug for HeaderRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown())
    }
}
