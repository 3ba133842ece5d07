//! Origins, as requests carry them (`Origin::parse`, on any bytes) and as configurations write
//! them (`OriginSpec::parse`, on the UTF-8 ones).
//!
//! Invariants, besides not panicking:
//! - a parsed request `Origin` is its input (`as_str`), its parts put together again
//!   (`scheme://host[:port]`), survives `to_buf().as_origin()`, and has the shape a browser
//!   sends: lower-case host, no port 0 or default port, an IPv6 host as the URL Standard
//!   serialises it;
//! - an accepted configured entry is written in its canonical form (its `Display` is the input),
//!   parses to itself again, and names origins a browser can send (an exact entry is a request
//!   `Origin`, and so is each pattern's shortest match);
//! - a refused entry's message names it, and the form it says to write instead is canonical
//!   (parsing it gives no other form to write);
//! - the server and the client (`cors_core::client::Url`, the URL Standard's parser) agree on
//!   what a browser sends: the origin of any http(s) URL is a request `Origin` the server
//!   parses, and an http(s) request `Origin` the server parses is the origin of its own URL.

#![no_main]

use std::net::Ipv6Addr;

use cors_core::client::Url;
use cors_core::origin::{HostPattern, PortPattern};
use cors_core::{Origin, OriginSpec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_request_origin(data);
    if let Ok(text) = std::str::from_utf8(data) {
        check_configured(text);
        check_against_the_client(text);
    }
});

fn check_against_the_client(text: &str) {
    // The URL Standard lets a host be what no DNS name is: `*`, `$`, `!` and other characters,
    // empty labels (`a..b`, `.`), any length. A browser then sends it in `Origin`; the server
    // never takes such an origin (no configured entry may name one either), so it is refused:
    // fail closed, a known difference, left out here. So is port 0, which the URL Standard
    // parses and no page can be served from.
    let dns_like = |host: &str| {
        let name = host.strip_suffix('.').unwrap_or(host);
        host.starts_with('[')
            || (!name.is_empty()
                && name.len() <= 253
                && name.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))))
    };
    if let Ok(url) = Url::parse(text).map_err(drop).and_then(|u| if dns_like(u.host()) && u.port() != Some(0) { Ok(u) } else { Err(()) }) {
        let sent = url.origin();
        let parsed = Origin::parse(sent.as_bytes())
            .unwrap_or_else(|| panic!("a page at {text:?} sends Origin {sent:?}, which Origin::parse refuses"));
        assert_eq!(parsed.as_str(), sent);
    }
    if let Some(origin) = Origin::parse(text.as_bytes()) {
        if matches!(origin.scheme(), "http" | "https") {
            let url = Url::parse(text)
                .unwrap_or_else(|e| panic!("Origin::parse takes {text:?}, which is not a URL to the client: {e}"));
            assert_eq!(url.origin(), text, "Origin::parse takes {text:?}, not the origin of its own URL");
        }
    }
}

/// The URL Standard's IPv6 serialiser, written here from the standard so the target does not
/// trust the library's: lower-case hex pieces without leading zeros, the first longest run of
/// at least two zero pieces written `::`, never an embedded IPv4 address.
fn url_standard_ipv6(addr: Ipv6Addr) -> String {
    let pieces = addr.segments();
    let mut run: Option<(usize, usize)> = None; // (start, len) of the first longest zero run
    let mut start = 0;
    while start < 8 {
        let len = pieces[start..].iter().take_while(|&&p| p == 0).count();
        if len >= 2 && run.is_none_or(|(_, best)| len > best) {
            run = Some((start, len));
        }
        start += len.max(1);
    }
    let hex = |range: &[u16]| range.iter().map(|p| format!("{p:x}")).collect::<Vec<_>>().join(":");
    match run {
        None => hex(&pieces),
        Some((s, len)) => format!("{}::{}", hex(&pieces[..s]), hex(&pieces[s + len..])),
    }
}

fn check_request_origin(data: &[u8]) {
    let Some(origin) = Origin::parse(data) else { return };
    assert_eq!(origin.as_str().as_bytes(), data, "as_str is the input");
    assert_eq!(origin.to_string(), origin.as_str());
    let buf = origin.to_buf();
    assert_eq!(buf.as_origin(), origin, "to_buf().as_origin() is the origin");
    assert_eq!(
        (buf.as_str(), buf.scheme(), buf.host(), buf.port()),
        (origin.as_str(), origin.scheme(), origin.host(), origin.port())
    );
    assert_eq!(buf.to_string(), origin.as_str());
    let _ = origin.is_loopback();
    if origin.is_null() {
        assert_eq!(data, b"null");
        assert!(origin.host().is_empty() && origin.port().is_none());
        return;
    }
    let port = origin.port().map(|p| format!(":{p}")).unwrap_or_default();
    assert_eq!(format!("{}://{}{port}", origin.scheme(), origin.host()), origin.as_str(), "the parts make the whole");
    let host = origin.host();
    assert!(!host.is_empty(), "a host");
    assert!(!host.bytes().any(|b| b.is_ascii_uppercase()), "a browser lower-cases the host");
    match (origin.scheme(), origin.port()) {
        (_, Some(0)) => panic!("port 0"),
        ("http", Some(80)) | ("https", Some(443)) => panic!("a browser never writes the default port"),
        _ => {}
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let addr: Ipv6Addr = v6.parse().expect("a bracketed host is an IPv6 address");
        assert_eq!(v6, url_standard_ipv6(addr), "a browser sends the URL Standard's form of an IPv6 host");
    }
}

/// The canonical form an error message says to write, if it says one.
fn suggested(message: &str) -> Option<&str> {
    let rest = message.strip_suffix('"')?;
    let at = rest.rfind("; browsers send \"").map(|i| i + "; browsers send \"".len());
    let at = at.or_else(|| rest.rfind("; write \"").map(|i| i + "; write \"".len()))?;
    Some(&rest[at..])
}

fn check_configured(text: &str) {
    match OriginSpec::parse(text) {
        Ok(spec) => {
            assert_eq!(spec.to_string(), text, "an accepted entry is canonical");
            assert_eq!(OriginSpec::parse(text).ok().as_ref(), Some(&spec), "parsing is a function");
            let _ = spec.is_loopback();
            match &spec {
                OriginSpec::Exact { origin, scheme, host } => {
                    let parsed = Origin::parse(origin.as_bytes())
                        .unwrap_or_else(|| panic!("exact entry {origin:?} is not an Origin a browser sends"));
                    assert_eq!((parsed.scheme(), parsed.host()), (scheme.as_str(), host.as_str()));
                }
                OriginSpec::Pattern { scheme, host, port, .. } => {
                    let host = match host {
                        HostPattern::Exact(h) => h.clone(),
                        HostPattern::Subdomains(suffix) => format!("a.{suffix}"),
                    };
                    let port = match port {
                        PortPattern::Default | PortPattern::Any => String::new(),
                        PortPattern::Exact(n) => format!(":{n}"),
                    };
                    let shortest = format!("{}://{host}{port}", scheme.as_str());
                    assert!(
                        Origin::parse(shortest.as_bytes()).is_some(),
                        "pattern {text:?} names {shortest:?}, which is not an Origin a browser sends"
                    );
                }
                OriginSpec::Null => assert_eq!(text, "null"),
            }
        }
        Err(e) => {
            let message = e.message();
            assert!(
                message.starts_with(&format!("origin \"{text}\" ")),
                "the message names the entry: {message:?}"
            );
            assert!(!e.to_string().is_empty());
            if let Some(form) = suggested(message) {
                if let Err(again) = OriginSpec::parse(form) {
                    assert_eq!(
                        suggested(again.message()),
                        None,
                        "{text:?}: the suggested {form:?} is not canonical: {}",
                        again.message()
                    );
                }
            }
        }
    }
}
