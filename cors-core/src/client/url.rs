//! URLs as far as the fetch algorithms need them: absolute `http` and `https` URLs, their
//! origin, and a `Location` header resolved against the URL that answered.
//!
//! This follows the WHATWG URL standard's parser for the two special schemes `http` and
//! `https`: leading and trailing spaces and controls are dropped, tabs and newlines removed,
//! `\` read as `/`, the host lower-cased and converted to its ASCII form (IDNA), IPv4 hosts in
//! any of the standard's forms (`0x7f.1`) written dotted-decimal, IPv6 hosts compressed, the
//! default port dropped, `.` and `..` segments resolved and the path and query
//! percent-encoded. The fragment is dropped: it never goes on the wire. Other schemes are
//! recognised only to be refused ([`UrlError::NotHttp`]).

use std::fmt;
use std::net::Ipv6Addr;

/// `http` or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpScheme {
    /// `http:`
    Http,
    /// `https:`
    Https,
}

impl HttpScheme {
    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpScheme::Http => "http",
            HttpScheme::Https => "https",
        }
    }

    /// The port used when the URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            HttpScheme::Http => 80,
            HttpScheme::Https => 443,
        }
    }

    fn from_lower(s: &str) -> Option<HttpScheme> {
        match s {
            "http" => Some(HttpScheme::Http),
            "https" => Some(HttpScheme::Https),
            _ => None,
        }
    }
}

/// Why a string is not a URL a fetch can use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    /// A URL, but not `http:` or `https:` (e.g. `ftp:` or `data:`).
    NotHttp {
        /// The scheme, lower-cased.
        scheme: String,
    },
    /// Not a URL at all; the text says what is wrong.
    Invalid(String),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::NotHttp { scheme } => write!(f, "the scheme \"{scheme}\" is not http or https"),
            UrlError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for UrlError {}

/// An absolute `http` or `https` URL, parsed and serialised as browsers do (fragment dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    scheme: HttpScheme,
    credentials: bool,
    host: String,
    port: Option<u16>,
    path: String,
    query: Option<String>,
}

impl Url {
    /// Parses an absolute URL.
    ///
    /// ```
    /// use cors_core::client::Url;
    ///
    /// let url = Url::parse(" HTTPS://API.Example:443/a/./b/../c?q=1 2#top").unwrap();
    /// assert_eq!(url.to_string(), "https://api.example/a/c?q=1%202");
    /// assert_eq!(url.origin(), "https://api.example");
    /// ```
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        parse(input, None)
    }

    /// Resolves `reference` (e.g. a `Location` header's value) against this URL.
    ///
    /// ```
    /// use cors_core::client::Url;
    ///
    /// let base = Url::parse("https://api.example/v1/items?page=2").unwrap();
    /// assert_eq!(base.join("../v2/items").unwrap().to_string(), "https://api.example/v2/items");
    /// assert_eq!(base.join("//cdn.example/x").unwrap().to_string(), "https://cdn.example/x");
    /// assert_eq!(base.join("?page=3").unwrap().to_string(), "https://api.example/v1/items?page=3");
    /// ```
    pub fn join(&self, reference: &str) -> Result<Url, UrlError> {
        parse(reference, Some(self))
    }

    /// The scheme.
    pub fn scheme(&self) -> HttpScheme {
        self.scheme
    }

    /// The host as serialised: a lower-case ASCII domain, a dotted-decimal IPv4 address or a
    /// bracketed IPv6 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port the connection uses.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// `host[:port]`, as in the `Host` header.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// The path and query, as in the request line (`/items?page=2`).
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// Whether the URL has a user name or password (`https://user:pass@host/`).
    pub fn includes_credentials(&self) -> bool {
        self.credentials
    }

    /// The URL's origin, serialised as the `Origin` header writes it: `scheme://host[:port]`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme.as_str(), self.authority())
    }

    /// Whether both URLs have the same origin (scheme, host and port).
    pub fn same_origin(&self, other: &Url) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }
}

impl fmt::Display for Url {
    /// The serialisation, without user information or fragment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme.as_str(), self.authority(), self.path_and_query())
    }
}

fn invalid(why: impl Into<String>) -> UrlError {
    UrlError::Invalid(why.into())
}

/// The URL standard's basic URL parser, for http(s) URLs and references against one.
fn parse(input: &str, base: Option<&Url>) -> Result<Url, UrlError> {
    let trimmed = input.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed.chars().filter(|&c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let mut rest = cleaned.as_str();
    // The fragment never matters here.
    if let Some(hash) = rest.find('#') {
        rest = &rest[..hash];
    }

    let scheme_len = scheme_length(rest);
    let (scheme, after_scheme) = match scheme_len {
        Some(n) => (Some(rest[..n].to_ascii_lowercase()), &rest[n + 1..]),
        None => (None, rest),
    };
    let is_slash = |c: char| c == '/' || c == '\\';

    match (scheme, base) {
        (Some(s), base) => {
            let Some(scheme) = HttpScheme::from_lower(&s) else {
                return Err(UrlError::NotHttp { scheme: s });
            };
            match base {
                // "https:/x" or "https:x" against an https base is relative to that base.
                Some(b) if b.scheme == scheme && !after_scheme.starts_with("//") => relative(b, after_scheme),
                _ => absolute(scheme, after_scheme.trim_start_matches(is_slash)),
            }
        }
        (None, None) => Err(invalid("it is not an absolute URL (write it with http:// or https://)")),
        (None, Some(b)) => relative(b, after_scheme),
    }
}

/// The length of a leading `scheme` followed by `:`, if there is one.
fn scheme_length(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let n = bytes.iter().position(|&b| !(b.is_ascii_alphanumeric() || b"+-.".contains(&b)))?;
    (bytes[n] == b':').then_some(n)
}

/// `authority [path] [?query]`, for a URL with this scheme.
fn absolute(scheme: HttpScheme, s: &str) -> Result<Url, UrlError> {
    let end = s.find(['/', '\\', '?']).unwrap_or(s.len());
    let (authority, tail) = s.split_at(end);
    let (credentials, host_port) = match authority.rfind('@') {
        Some(at) => (at > 0 && &authority[..at] != ":", &authority[at + 1..]),
        None => (false, authority),
    };
    let (host_text, port_text) = split_port(host_port)?;
    let host = parse_host(host_text)?;
    let port = match port_text {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let significant = p.trim_start_matches('0');
            let n: u32 = if significant.len() > 5 { u32::MAX } else { significant.parse().unwrap_or(0) };
            let n = u16::try_from(n).map_err(|_| invalid(format!("the port \"{p}\" is above 65535")))?;
            (n != scheme.default_port()).then_some(n)
        }
        Some(p) => return Err(invalid(format!("the port \"{p}\" is not a number"))),
    };
    let (path_text, query) = split_query(tail);
    let mut segments = Vec::new();
    push_path(&mut segments, path_text);
    Ok(Url { scheme, credentials, host, port, path: join_path(&segments), query })
}

/// A reference without a scheme (or with the base's own), resolved against `base`.
fn relative(base: &Url, s: &str) -> Result<Url, UrlError> {
    let is_slash = |c: char| c == '/' || c == '\\';
    let mut chars = s.chars();
    let first = chars.next();
    let second = chars.next();
    if first.is_some_and(is_slash) && second.is_some_and(is_slash) {
        return absolute(base.scheme, s.trim_start_matches(is_slash));
    }
    let mut url = Url { credentials: false, ..base.clone() };
    if s.is_empty() {
        return Ok(url);
    }
    if let Some(q) = s.strip_prefix('?') {
        url.query = Some(encode(q, is_query_encoded));
        return Ok(url);
    }
    let (path_text, query) = split_query(s);
    let mut segments: Vec<String> = Vec::new();
    if !first.is_some_and(is_slash) {
        // Merge: the base's path without its last segment, then the reference.
        segments = base.path.split('/').skip(1).map(str::to_string).collect();
        segments.pop();
    }
    push_path(&mut segments, path_text);
    url.path = join_path(&segments);
    url.query = query;
    Ok(url)
}

fn split_query(s: &str) -> (&str, Option<String>) {
    match s.find('?') {
        Some(q) => (&s[..q], Some(encode(&s[q + 1..], is_query_encoded))),
        None => (s, None),
    }
}

/// Appends the segments of `path` to `segments`, resolving `.` and `..`.
fn push_path(segments: &mut Vec<String>, path: &str) {
    let path = path.strip_prefix(['/', '\\']).unwrap_or(path);
    if path.is_empty() {
        return;
    }
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let last = parts.len() - 1;
    for (i, part) in parts.into_iter().enumerate() {
        let lower = part.to_ascii_lowercase();
        let single = lower == "." || lower == "%2e";
        let double = matches!(lower.as_str(), ".." | ".%2e" | "%2e." | "%2e%2e");
        if double {
            segments.pop();
            if i == last {
                segments.push(String::new());
            }
        } else if single {
            if i == last {
                segments.push(String::new());
            }
        } else {
            segments.push(encode(part, is_path_encoded));
        }
    }
}

fn join_path(segments: &[String]) -> String {
    if segments.is_empty() {
        return "/".into();
    }
    let mut path = String::new();
    for s in segments {
        path.push('/');
        path.push_str(s);
    }
    path
}

fn is_c0_encoded(b: u8) -> bool {
    !(0x20..=0x7e).contains(&b)
}

/// The URL standard's path percent-encode set.
fn is_path_encoded(b: u8) -> bool {
    is_c0_encoded(b) || b" \"#<>?`{}".contains(&b)
}

/// The URL standard's special-query percent-encode set.
fn is_query_encoded(b: u8) -> bool {
    is_c0_encoded(b) || b" \"#<>'".contains(&b)
}

fn encode(s: &str, set: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if set(b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Splits `host[:port]`; the colons of a bracketed IPv6 address are not a port.
fn split_port(s: &str) -> Result<(&str, Option<&str>), UrlError> {
    if s.starts_with('[') {
        let end = s.find(']').ok_or_else(|| invalid("the IPv6 host has no closing \"]\""))?;
        let rest = &s[end + 1..];
        return match rest.strip_prefix(':') {
            Some(port) => Ok((&s[..=end], Some(port))),
            None if rest.is_empty() => Ok((s, None)),
            None => Err(invalid(format!("unexpected \"{rest}\" after the IPv6 host"))),
        };
    }
    Ok(match s.rfind(':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    })
}

/// The URL standard's host parser for special URLs.
fn parse_host(text: &str) -> Result<String, UrlError> {
    if text.is_empty() {
        return Err(invalid("it has no host"));
    }
    if let Some(inner) = text.strip_prefix('[') {
        let v6 = inner.strip_suffix(']').ok_or_else(|| invalid("the IPv6 host has no closing \"]\""))?;
        let addr: Ipv6Addr = v6.parse().map_err(|_| invalid(format!("\"{text}\" is not an IPv6 address")))?;
        return Ok(format!("[{}]", crate::origin::serialize_ipv6(addr)));
    }
    let decoded = percent_decode(text);
    let decoded = String::from_utf8_lossy(&decoded);
    let ascii = idna::domain_to_ascii(&decoded)
        .map_err(|_| invalid(format!("the host \"{text}\" is not a valid domain name")))?;
    if ascii.is_empty() {
        return Err(invalid("it has no host"));
    }
    if let Some(bad) = ascii.chars().find(|&c| c <= ' ' || "#%/:<>?@[\\]^|\u{7f}".contains(c)) {
        return Err(invalid(format!("the host \"{text}\" contains {bad:?}, which a host cannot")));
    }
    if ends_in_number(&ascii) {
        return parse_ipv4(&ascii)
            .ok_or_else(|| invalid(format!("the host \"{text}\" is not an IPv4 address")));
    }
    Ok(ascii)
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            if let (Some(h), Some(l)) =
                (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c)))
            {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The URL standard's "ends in a number" checker.
fn ends_in_number(host: &str) -> bool {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") {
        if parts.len() == 1 {
            return false;
        }
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let hex = last.strip_prefix("0x").or_else(|| last.strip_prefix("0X"));
    hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The URL standard's IPv4 parser: decimal, `0x` hexadecimal and `0` octal parts, 1 to 4 of
/// them, the last filling the remaining bytes. Returns the dotted-decimal serialisation.
fn parse_ipv4(host: &str) -> Option<String> {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") && parts.len() > 1 {
        parts.pop();
    }
    if parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        numbers.push(parse_ipv4_number(part)?);
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let mut ip = *last;
    for (i, n) in init.iter().enumerate() {
        ip += n * 256u64.pow(3 - i as u32);
    }
    let b = (ip as u32).to_be_bytes();
    Some(format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

fn parse_ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (h, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return Some(0);
    }
    // Anything above 2^32 is refused by the caller; cap the digits so parsing cannot overflow.
    let significant = digits.trim_start_matches('0');
    if significant.len() > 12 {
        return Some(u64::MAX / 2);
    }
    u64::from_str_radix(digits, radix).ok()
}
