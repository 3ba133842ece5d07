//! Origins: the parsed request origin, configured origins and patterns, and the matcher.
//!
//! Configured entries are parsed once into [`OriginSpec`]s. Exact origins go into a hash set of
//! the bytes a browser sends, so a lookup costs the same for one origin or a hundred thousand.
//! Patterns are indexed by host: `https://*.example.com` under the suffix `example.com`,
//! `http://localhost:*` under the host `localhost`. A request host is looked up once per label
//! boundary, so matching never scans the pattern list, never uses a regex and never allocates
//! (but to check a host with an `xn--` label: see `is_request_host`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use hashbrown::{HashMap, HashSet};

use crate::error::{ConfigError, ErrorKind, Setting};

/// The longest host a request may name (the DNS limit); longer ones are never granted.
const MAX_HOST_LEN: usize = 253;

/// `http` or `https`: the only schemes a configured origin may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `http://`
    Http,
    /// `https://`
    Https,
}

impl Scheme {
    fn from_bytes(s: &[u8]) -> Option<Scheme> {
        match s {
            b"http" => Some(Scheme::Http),
            b"https" => Some(Scheme::Https),
            _ => None,
        }
    }

    /// The scheme as written in an origin.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A request's `Origin` as a browser serialises it: `scheme://host[:port]`, or `null`.
///
/// This is what an origin predicate receives. It is only built for values that have the
/// shape a browser sends (lower-case scheme and host, no default port, no path); other values
/// are refused before any predicate runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin<'a> {
    raw: &'a str,
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> Origin<'a> {
    /// Parses an `Origin` header value; `None` unless it has the shape a browser sends.
    pub fn parse(value: &'a [u8]) -> Option<Origin<'a>> {
        if value == b"null" {
            return Some(Origin { raw: "null", scheme: "", host: "", port: None });
        }
        let raw = std::str::from_utf8(value).ok()?;
        let split = raw.find("://")?;
        let scheme = &raw[..split];
        if scheme.is_empty()
            || !scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
        {
            return None;
        }
        let authority = &raw[split + 3..];
        let (host, port) = split_host_port(authority)?;
        if !is_request_host(host) {
            return None;
        }
        let port = match port {
            None => None,
            Some(p) => {
                let port = parse_port(p)?;
                // A browser never writes the default port of http or https.
                if Scheme::from_bytes(scheme.as_bytes()).is_some_and(|s| s.default_port() == port) {
                    return None;
                }
                Some(port)
            }
        };
        Some(Origin { raw, scheme, host, port })
    }

    /// The whole value, e.g. `https://app.example.com:8443`.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Whether this is the opaque origin `null`.
    pub fn is_null(&self) -> bool {
        self.scheme.is_empty()
    }

    /// The scheme, e.g. `https` (empty for `null`).
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The host, e.g. `app.example.com` or `[::1]` (empty for `null`).
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port, when the origin names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the host is loopback: `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host)
    }
}

impl Origin<'_> {
    /// An owned copy, for code that keeps the origin past the request (an asynchronous origin
    /// check).
    pub fn to_buf(&self) -> OriginBuf {
        let offset = |part: &str| {
            if part.is_empty() {
                0
            } else {
                part.as_ptr() as usize - self.raw.as_ptr() as usize
            }
        };
        OriginBuf {
            raw: self.raw.into(),
            scheme: (offset(self.scheme), self.scheme.len()),
            host: (offset(self.host), self.host.len()),
            port: self.port,
        }
    }
}

/// An owned [`Origin`]: what an asynchronous origin check receives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OriginBuf {
    raw: Box<str>,
    /// Start and length of each part in `raw`.
    scheme: (usize, usize),
    host: (usize, usize),
    port: Option<u16>,
}

impl OriginBuf {
    /// The borrowed form, with the same accessors.
    pub fn as_origin(&self) -> Origin<'_> {
        let part = |(start, len): (usize, usize)| &self.raw[start..start + len];
        Origin { raw: &self.raw, scheme: part(self.scheme), host: part(self.host), port: self.port }
    }

    /// The whole value, e.g. `https://app.example.com:8443`.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The scheme, e.g. `https` (empty for `null`).
    pub fn scheme(&self) -> &str {
        self.as_origin().scheme()
    }

    /// The host, e.g. `app.example.com` (empty for `null`).
    pub fn host(&self) -> &str {
        self.as_origin().host()
    }

    /// The port, when the origin names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

impl fmt::Display for OriginBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// Splits `host[:port]`, bracketed IPv6 included; `None` when the shape is wrong.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        }
    } else {
        match authority.rfind(':') {
            Some(i) => Some((&authority[..i], Some(&authority[i + 1..]))),
            None => Some((authority, None)),
        }
    }
}

/// Parses a port as a browser writes it: 1 to 5 digits, no leading zero, 1..=65535.
fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) || p.starts_with('0') {
        return None;
    }
    p.parse::<u16>().ok().filter(|&n| n != 0)
}

/// Whether `host` can appear in an origin a browser sends: lower-case labels of letters,
/// digits, `-` and `_`, separated by single dots, possibly with one trailing dot (a page whose URL
/// has it sends it, the URL Standard keeps it), or a bracketed IPv6 address.
fn is_request_host(host: &str) -> bool {
    // The limit is the DNS name's, without the trailing dot, as when the policy is built.
    let name = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || name.len() > MAX_HOST_LEN {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[') {
        // Only the form a browser writes: `[::1]`, never `[0::1]` or `[::ffff:127.0.0.1]`.
        return inner
            .strip_suffix(']')
            .is_some_and(|v6| v6.parse::<Ipv6Addr>().is_ok_and(|addr| is_serialized_ipv6(v6, addr)));
    }
    let host = host.strip_suffix('.').filter(|h| !h.is_empty()).unwrap_or(host);
    let mut international = false;
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            return false;
        }
        international |= label.starts_with("xn--");
    }
    // A host ending in a number (decimal, or `0x` and hex digits) is an IPv4 address to a
    // browser, which sends it in the dotted-decimal form (the standard parser rejects leading
    // zeros and short forms).
    let last = host.rsplit('.').next().unwrap_or(host);
    if is_numeric_label(last) && host.parse::<Ipv4Addr>().is_err() {
        return false;
    }
    // Only a host with an `xn--` label is looked at again: this is the one place the request
    // path may allocate, for a name a browser sends only when the page's own host is an
    // international one.
    !international || idna_round_trips(host)
}

/// The URL Standard's "ends in a number" test for the last label: all decimal digits, or `0x`
/// followed by hex digits (none included).
fn is_numeric_label(label: &str) -> bool {
    (!label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
        || label.strip_prefix("0x").is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a host (lower-case ASCII labels) is what the URL Standard's domain-to-ASCII makes of
/// itself: for a host with an `xn--` label, every such label is valid punycode and the name
/// passes the checks of the decoded form (bidi, joiners). A host without one passes as it is.
fn is_ascii_idna(host: &str) -> bool {
    !host.split('.').any(|label| label.starts_with("xn--")) || idna_round_trips(host)
}

/// Whether domain-to-ASCII accepts `host` and gives it back unchanged (allocates).
fn idna_round_trips(host: &str) -> bool {
    idna::domain_to_ascii(host).is_ok_and(|ascii| ascii == host)
}

/// The URL Standard's IPv6 serialiser, what a browser writes between the brackets of an
/// origin: lower-case hex pieces without leading zeros, the first longest run of two or more
/// zero pieces written `::`, and never an embedded IPv4 address (`::ffff:7f00:1`, which Rust's
/// `Display` writes `::ffff:127.0.0.1`).
fn write_ipv6(addr: Ipv6Addr, out: &mut impl fmt::Write) -> fmt::Result {
    let pieces = addr.segments();
    let (mut compress, mut best_len) = (None, 1);
    let mut i = 0;
    while i < 8 {
        let run = pieces[i..].iter().take_while(|&&p| p == 0).count();
        if run > best_len {
            (compress, best_len) = (Some(i), run);
        }
        i += run.max(1);
    }
    let mut i = 0;
    while i < 8 {
        if Some(i) == compress {
            out.write_str(if i == 0 { "::" } else { ":" })?;
            i += best_len;
            continue;
        }
        write!(out, "{:x}", pieces[i])?;
        if i < 7 {
            out.write_char(':')?;
        }
        i += 1;
    }
    Ok(())
}

/// [`write_ipv6`] into a string.
pub(crate) fn serialize_ipv6(addr: Ipv6Addr) -> String {
    let mut out = String::new();
    let _ = write_ipv6(addr, &mut out);
    out
}

/// Whether `text` is exactly [`serialize_ipv6`]'s form of `addr`, compared as it is written,
/// without allocating (the request path's matching never allocates).
fn is_serialized_ipv6(text: &str, addr: Ipv6Addr) -> bool {
    struct Compare<'a>(&'a str);
    impl fmt::Write for Compare<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut rest = Compare(text);
    write_ipv6(addr, &mut rest).is_ok() && rest.0.is_empty()
}

/// Whether `host` is loopback: `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host part of a configured pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(String),
    /// One or more labels in front of this suffix (`*.example.com` holds `example.com`).
    Subdomains(String),
}

/// The port part of a configured pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortPattern {
    /// No port: the scheme's default.
    Default,
    /// Exactly this port.
    Exact(u16),
    /// Any port, or none (`:*`).
    Any,
}

impl PortPattern {
    fn accepts(self, port: Option<u16>) -> bool {
        match self {
            PortPattern::Default => port.is_none(),
            PortPattern::Exact(p) => port == Some(p),
            PortPattern::Any => true,
        }
    }
}

/// One configured origin entry, parsed and validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginSpec {
    /// An exact origin, serialised as a browser sends it.
    Exact {
        /// The serialisation, e.g. `https://myapp.com`.
        origin: String,
        /// Its scheme.
        scheme: Scheme,
        /// Its host.
        host: String,
    },
    /// A pattern with `*` as the leading label, the port, or both.
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// Its scheme.
        scheme: Scheme,
        /// Its host part.
        host: HostPattern,
        /// Its port part.
        port: PortPattern,
    },
    /// The opaque origin `null`.
    Null,
}

impl OriginSpec {
    /// Parses one configured entry. On error, the error's message names the entry and gives the
    /// form to write when there is one.
    pub fn parse(entry: &str) -> Result<OriginSpec, ConfigError> {
        if entry == "null" {
            return Ok(OriginSpec::Null);
        }
        let err = |kind: ErrorKind, what: &str| {
            ConfigError::new(kind, Setting::AllowedOrigins, format!("origin \"{entry}\" {what}"))
        };
        if entry.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err(err(
                ErrorKind::InvalidHost,
                "contains spaces or control characters; write the origin alone, e.g. \"https://myapp.com\"",
            ));
        }
        let Some(split) = entry.find("://") else {
            let host = entry.trim_end_matches('/');
            return Err(err(
                ErrorKind::OriginWithoutScheme,
                &format!(
                    "has no scheme; write \"https://{host}\" (or \"http://{host}\" for a plain-HTTP page)"
                ),
            ));
        };
        let scheme_text = &entry[..split];
        let scheme = match Scheme::from_bytes(scheme_text.to_ascii_lowercase().as_bytes()) {
            Some(s) => s,
            None => {
                return Err(err(
                    ErrorKind::UnsupportedScheme,
                    &format!("uses the scheme \"{scheme_text}\"; browsers only make CORS requests from http and https pages (for file:// or sandboxed pages, allow \"null\" with its own setting)"),
                ))
            }
        };
        let rest = &entry[split + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);

        // Problems that have a mechanical fix are gathered, so one message gives the whole fix.
        let mut problems: Vec<(ErrorKind, String)> = Vec::new();
        if !tail.is_empty() {
            if tail == "/" {
                problems.push((ErrorKind::OriginWithPath, "has a trailing slash".into()));
            } else if tail.starts_with('/') {
                problems.push((ErrorKind::OriginWithPath, format!("has a path (\"{}\")", tail)));
            } else {
                problems.push((ErrorKind::OriginWithQuery, format!("has a query or fragment (\"{tail}\")")));
            }
        }
        let authority = match authority.rfind('@') {
            Some(at) => {
                problems.push((ErrorKind::OriginWithUserinfo, "has user information before \"@\"".into()));
                &authority[at + 1..]
            }
            None => authority,
        };
        if scheme_text != scheme.as_str() {
            problems.push((ErrorKind::NotLowerCase, "has an upper-case scheme".into()));
        }
        let Some((host_text, port_text)) = split_host_port(authority) else {
            return Err(err(
                ErrorKind::InvalidHost,
                "has a malformed host; write \"scheme://host\" or \"scheme://host:port\"",
            ));
        };

        let port = match port_text {
            None => PortPattern::Default,
            Some("*") => PortPattern::Any,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n == scheme.default_port() => {
                    problems.push((ErrorKind::DefaultPort, format!("spells out the default port {n}")));
                    PortPattern::Default
                }
                Ok(n) if n != 0 && p == n.to_string() => PortPattern::Exact(n),
                Ok(n) if n != 0 => {
                    problems.push((ErrorKind::InvalidPort, format!("writes the port as \"{p}\"")));
                    PortPattern::Exact(n)
                }
                _ if p.contains('*') => {
                    return Err(err(
                        ErrorKind::MisplacedWildcard,
                        "has \"*\" inside the port; write \":*\" for any port",
                    ))
                }
                _ => {
                    return Err(err(
                        ErrorKind::InvalidPort,
                        &format!("has the port \"{p}\", which is not a number from 1 to 65535"),
                    ))
                }
            },
        };

        let (wildcard, host_body) = match host_text.strip_prefix("*.") {
            Some(suffix) => (true, suffix),
            None => (false, host_text),
        };
        if host_body.contains('*') || host_text == "*" {
            return Err(err(
                ErrorKind::MisplacedWildcard,
                "has \"*\" where browsers never put one; \"*\" may only be the whole leading label (\"https://*.example.com\") or the port (\"http://localhost:*\")",
            ));
        }
        let host = match canonical_host(host_body) {
            Ok(HostForm::Same) => host_body.to_string(),
            Ok(HostForm::Changed(kind, why, host)) => {
                problems.push((kind, why));
                host
            }
            Err(why) => return Err(err(ErrorKind::InvalidHost, &why)),
        };
        let host_shown = if wildcard { format!("*.{host}") } else { host.clone() };
        let port_shown = match port {
            PortPattern::Default => String::new(),
            PortPattern::Exact(n) => format!(":{n}"),
            PortPattern::Any => ":*".into(),
        };
        let canonical = format!("{}://{host_shown}{port_shown}", scheme.as_str());

        if let Some((kind, _)) = problems.first() {
            let what: Vec<&str> = problems.iter().map(|(_, w)| w.as_str()).collect();
            let verb = if wildcard || port == PortPattern::Any { "write" } else { "browsers send" };
            return Err(err(*kind, &format!("{}; {verb} \"{canonical}\"", what.join(" and "))));
        }

        if wildcard {
            if host.starts_with('[') || host.parse::<Ipv4Addr>().is_ok() {
                return Err(err(
                    ErrorKind::MisplacedWildcard,
                    "puts \"*.\" in front of an IP address; list the address itself",
                ));
            }
            // The shortest host the pattern matches has one more label: it must fit the limit.
            if host.strip_suffix('.').unwrap_or(&host).len() + 2 > MAX_HOST_LEN {
                return Err(err(
                    ErrorKind::InvalidHost,
                    &format!("puts \"*.\" on a {}-byte suffix, so every host it matches is over the {MAX_HOST_LEN}-byte limit of a DNS name and no browser can send one; shorten it", host.len()),
                ));
            }
            if !is_loopback_host(&host) && is_public_suffix(&host) {
                return Err(err(
                    ErrorKind::PublicSuffixWildcard,
                    &format!("puts \"*.\" on the public suffix \"{host}\", which would allow every site registered under it; list your own domain, e.g. \"{}://*.yourdomain.{host}\"", scheme.as_str()),
                ));
            }
        }
        if !wildcard && port != PortPattern::Any {
            return Ok(OriginSpec::Exact { origin: canonical, scheme, host });
        }
        let host = if wildcard { HostPattern::Subdomains(host) } else { HostPattern::Exact(host) };
        Ok(OriginSpec::Pattern { pattern: canonical, scheme, host, port })
    }

    /// Whether this entry names only loopback hosts.
    pub fn is_loopback(&self) -> bool {
        match self {
            OriginSpec::Exact { host, .. } => is_loopback_host(host),
            OriginSpec::Pattern { host: HostPattern::Exact(h), .. } => is_loopback_host(h),
            OriginSpec::Pattern { host: HostPattern::Subdomains(s), .. } => {
                s == "localhost" || s.ends_with(".localhost")
            }
            OriginSpec::Null => false,
        }
    }

    /// The scheme, for entries that have one.
    pub fn scheme(&self) -> Option<Scheme> {
        match self {
            OriginSpec::Exact { scheme, .. } | OriginSpec::Pattern { scheme, .. } => Some(*scheme),
            OriginSpec::Null => None,
        }
    }
}

impl fmt::Display for OriginSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginSpec::Exact { origin, .. } => f.write_str(origin),
            OriginSpec::Pattern { pattern, .. } => f.write_str(pattern),
            OriginSpec::Null => f.write_str("null"),
        }
    }
}

enum HostForm {
    Same,
    Changed(ErrorKind, String, String),
}

/// Checks a configured host and gives the form a browser sends when it differs.
fn canonical_host(host: &str) -> Result<HostForm, String> {
    if host.is_empty() {
        return Err("has no host".into());
    }
    if let Some(inner) = host.strip_prefix('[') {
        let Some(v6) = inner.strip_suffix(']') else {
            return Err("has an IPv6 address without its closing \"]\"".into());
        };
        let Ok(addr) = v6.parse::<Ipv6Addr>() else {
            return Err(format!("has \"{host}\", which is not an IPv6 address"));
        };
        let canonical = format!("[{}]", serialize_ipv6(addr));
        return Ok(if canonical == host {
            HostForm::Same
        } else {
            HostForm::Changed(
                ErrorKind::InvalidHost,
                "writes the IPv6 address in a form browsers do not send".into(),
                canonical,
            )
        });
    }
    if !host.is_ascii() {
        return match idna::domain_to_ascii(host) {
            Ok(ascii) => Ok(HostForm::Changed(
                ErrorKind::UnicodeHost,
                "has a Unicode host, which browsers send in its ASCII (punycode) form".into(),
                ascii,
            )),
            Err(_) => Err(format!("has the host \"{host}\", which is not a valid international domain name")),
        };
    }
    // One trailing dot is a host of its own (`example.com.` is not `example.com`): a page whose
    // URL has it sends it in `Origin`, and the URL Standard keeps it.
    let labels = match host.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() && !stripped.ends_with('.') => stripped,
        _ => host,
    };
    if labels.len() > MAX_HOST_LEN {
        return Err(format!(
            "has a host of {} bytes, over the {MAX_HOST_LEN}-byte limit of a DNS name, so no browser can send it",
            labels.len()
        ));
    }
    for label in labels.split('.') {
        if label.is_empty() {
            return Err(format!("has the host \"{host}\" with an empty label (\"..\" or a leading dot)"));
        }
        if let Some(bad) = label.bytes().find(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')) {
            return Err(format!(
                "has the character {:?} in its host, which browsers never send",
                bad as char
            ));
        }
        if label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--") && !is_punycode_label(label) {
            return Err(format!(
                "has the label \"{label}\", which is not valid punycode (an \"xn--\" label must decode to a Unicode name), so no browser can send it; write the host as the browser shows it in the address bar, in its ASCII form"
            ));
        }
    }
    // A host whose last label is a number is an IPv4 address to a browser.
    let last = labels.rsplit('.').next().unwrap_or(labels);
    if is_numeric_label(&last.to_ascii_lowercase()) {
        return match host.parse::<Ipv4Addr>() {
            Ok(ip) if ip.to_string() == host => Ok(HostForm::Same),
            Ok(ip) => Ok(HostForm::Changed(
                ErrorKind::InvalidHost,
                "writes the IPv4 address in a form browsers do not send".into(),
                ip.to_string(),
            )),
            Err(_) => {
                Err(format!("has the host \"{host}\", which is neither a domain name nor an IPv4 address"))
            }
        };
    }
    // Each `xn--` label decodes; the name they make must pass IDNA's checks too (bidi, joiners),
    // as the URL Standard's domain-to-ASCII checks it.
    let lower = labels.to_ascii_lowercase();
    if !is_ascii_idna(&lower) {
        return Err(format!(
            "has the host \"{host}\", which is not a valid international domain name (its \"xn--\" labels decode to a name IDNA refuses), so no browser can send it; write the host as the browser shows it in the address bar, in its ASCII form"
        ));
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(HostForm::Changed(
            ErrorKind::NotLowerCase,
            "has an upper-case host".into(),
            host.to_ascii_lowercase(),
        ));
    }
    Ok(HostForm::Same)
}

/// Whether an `xn--` label decodes as punycode to a name IDNA accepts.
fn is_punycode_label(label: &str) -> bool {
    let (unicode, result) = idna::domain_to_unicode(label);
    result.is_ok() && !unicode.eq_ignore_ascii_case(label)
}

/// Whether `domain` is itself a public suffix (`com`, `co.uk`, `github.io`, an unknown TLD).
fn is_public_suffix(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    psl::suffix_str(domain).is_none_or(|suffix| suffix == domain)
}

/// One indexed pattern: what remains to check once the host matched.
#[derive(Clone, Copy, Debug)]
struct PatternRule {
    scheme: Scheme,
    port: PortPattern,
}

/// The configured origins, indexed for matching.
#[derive(Default)]
pub(crate) struct OriginSet {
    exact: HashSet<Box<[u8]>>,
    by_host: HashMap<Box<str>, Vec<PatternRule>>,
    by_suffix: HashMap<Box<str>, Vec<PatternRule>>,
    null: bool,
}

impl OriginSet {
    pub(crate) fn insert(&mut self, spec: &OriginSpec) {
        match spec {
            OriginSpec::Exact { origin, .. } => {
                self.exact.insert(origin.as_bytes().into());
            }
            OriginSpec::Pattern { scheme, host, port, .. } => {
                let rule = PatternRule { scheme: *scheme, port: *port };
                let (map, key) = match host {
                    HostPattern::Exact(h) => (&mut self.by_host, h),
                    HostPattern::Subdomains(s) => (&mut self.by_suffix, s),
                };
                map.entry(key.as_str().into()).or_default().push(rule);
            }
            OriginSpec::Null => self.null = true,
        }
    }

    pub(crate) fn has_patterns(&self) -> bool {
        !self.by_host.is_empty() || !self.by_suffix.is_empty()
    }

    /// Whether the exact bytes of `value` are a configured origin.
    #[inline]
    pub(crate) fn contains_exact(&self, value: &[u8]) -> bool {
        self.exact.contains(value)
    }

    pub(crate) fn allows_null(&self) -> bool {
        self.null
    }

    /// Whether a pattern accepts this parsed (non-null) origin.
    pub(crate) fn matches_pattern(&self, origin: &Origin<'_>) -> bool {
        let Some(scheme) = Scheme::from_bytes(origin.scheme.as_bytes()) else {
            return false;
        };
        let accepts = |rules: &Vec<PatternRule>| {
            rules.iter().any(|r| r.scheme == scheme && r.port.accepts(origin.port))
        };
        let host = origin.host;
        if self.by_host.get(host).is_some_and(accepts) {
            return true;
        }
        if self.by_suffix.is_empty() || host.starts_with('[') {
            return false;
        }
        // Try every proper suffix that starts after a dot: "a.b.example.com" tries
        // "b.example.com", "example.com" and "com"; the part before is never empty.
        host.match_indices('.').any(|(i, _)| self.by_suffix.get(&host[i + 1..]).is_some_and(accepts))
    }

    pub(crate) fn len(&self) -> usize {
        self.exact.len() + self.by_host.len() + self.by_suffix.len() + usize::from(self.null)
    }
}
