//! The decision (`Policy::decide`, and `Decision::disabled`) on arbitrary request fields, for a
//! few fixed policies: exact origins, subdomain and port patterns, credentials, any origin, any
//! method and header, `null`, a predicate, the public preset, the flags.
//!
//! Invariants, besides not panicking (SPEC section 3, as `decision.rs` states them):
//! - the kind: no `Origin` is not CORS; `OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method` is a preflight; anything else with `Origin` is actual;
//! - `Vary`: `Origin` exactly when the policy depends on it, on every request; a preflight's also
//!   names the request method and headers (and private network, when the policy grants it);
//! - a grant: a single `Origin` the policy allows; `Access-Control-Allow-Origin` is `*` for an
//!   any-origin policy and otherwise that `Origin`, byte for byte; credentials only with a named
//!   origin and only when the policy has them; an actual request's answer has the exposed
//!   headers and no preflight header; a preflight's echoes the requested method and exactly the
//!   requested header names, never `*`, and has the max age and no exposed headers;
//! - a refusal for the method or a request header, of a preflight from an allowed origin, names
//!   its culprit: it grants the origin (and credentials) and lists what is allowed, never the
//!   refused item, with no max age, no exposed headers, no private network, and the preflight
//!   status; every other refusal writes no header at all, and is answered 403 (a preflight, or
//!   an actual request when blocking is on) or passed on;
//! - the reason renders, and a debug body appears only for a refused preflight answered here
//!   with a status that has a body.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use cors_core::{
    Action, CorsHeader, CorsRequest, Decision, Field, Policy, Preset, Refusal, RequestKind, Vary, REFUSED_STATUS,
};
use libfuzzer_sys::fuzz_target;

fn policies() -> &'static [Policy] {
    static POLICIES: OnceLock<Vec<Policy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let build = |b: cors_core::PolicyBuilder| b.build().expect("a fixed policy is valid");
        vec![
            // Lists, patterns, credentials.
            build(
                Policy::builder()
                    .allow_origins(["https://app.example", "https://*.app.example", "http://localhost:*"])
                    .allow_methods(["PUT", "PATCH", "delete"])
                    .allow_headers(["content-type", "X-Api-Key"])
                    .expose_headers(["x-request-id"])
                    .allow_credentials(true)
                    .max_age(600),
            ),
            // Anything from anywhere, without credentials; debug body, status 200.
            build(
                Policy::builder()
                    .allow_any_origin()
                    .allow_any_method()
                    .allow_any_header()
                    .expose_any_header()
                    .debug(true)
                    .preflight_status(200),
            ),
            // `null`, any method and header (authorization too) with credentials; private
            // network; blocking.
            build(
                Policy::builder()
                    .allow_origins(["https://app.example", "http://[::1]:8080", "https://app.example:*"])
                    .allow_null_origin(true)
                    .allow_any_method()
                    .allow_headers(["*", "authorization"])
                    .allow_credentials(true)
                    .allow_private_network(true)
                    .block_disallowed(true)
                    .debug(true),
            ),
            // A predicate beside a pattern; preflights passed on.
            build(
                Policy::builder()
                    .allow_origin("https://*.app.example")
                    .allow_origin_fn(|o| o.host().ends_with(".tenant.example"))
                    .allow_headers(["x-api-key"])
                    .preflight_continue(true),
            ),
            // Express's cors().
            build(Policy::builder().preset(Preset::Public)),
        ]
    })
}

/// Values worth trying in each field, beside arbitrary bytes.
const WORDS: &[&[u8]] = &[
    b"https://app.example",
    b"https://api.app.example",
    b"https://app.example.",
    b"https://app.example:8443",
    b"http://localhost:3000",
    b"http://localhost",
    b"http://[::1]:8080",
    b"https://x.tenant.example",
    b"https://evil.example",
    b"null",
    b"OPTIONS",
    b"GET",
    b"POST",
    b"PUT",
    b"put",
    b"PATCH",
    b"patch",
    b"DELETE",
    b"TRACE",
    b"*",
    b"content-type",
    b"Content-Type, X-Api-Key",
    b"authorization",
    b"x-api-key,authorization",
    b",, ,",
    b"",
    b"x a",
];

#[derive(Arbitrary, Debug)]
enum Token<'a> {
    Word(u8),
    Raw(&'a [u8]),
}

impl<'a> Token<'a> {
    fn bytes(&self) -> &'a [u8] {
        match self {
            Token::Word(i) => WORDS[usize::from(*i) % WORDS.len()],
            Token::Raw(b) => b,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    policy: u8,
    method: Token<'a>,
    origin: Vec<Token<'a>>,
    request_method: Vec<Token<'a>>,
    request_headers: Vec<Token<'a>>,
    private_network: bool,
}

fn field<'a>(lines: &[&'a [u8]]) -> Field<'a> {
    match lines {
        [] => Field::Absent,
        [one] => Field::One(one),
        _ => Field::Several,
    }
}

fn header<'d>(d: &'d Decision<'_>, h: CorsHeader) -> Option<&'d [u8]> {
    d.headers().find(|(name, _)| *name == h).map(|(_, v)| v.as_bytes())
}

/// The non-empty items of a comma-separated list, trimmed of spaces and tabs.
fn items(value: &[u8]) -> Vec<&[u8]> {
    value.split(|&b| b == b',').map(|i| i.trim_ascii()).filter(|i| !i.is_empty()).collect()
}

fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i + 1);
    &s[start..end]
}

fn check<'a>(policy: &'a Policy, req: &CorsRequest<'a, std::iter::Copied<std::slice::Iter<'_, &'a [u8]>>>, lines: &[&'a [u8]]) {
    let d = policy.decide(req);
    let reason = d.reason().map(|r| r.to_string());
    assert_eq!(reason.is_some(), d.refusal().is_some());
    assert!(reason.as_deref().is_none_or(|r| !r.is_empty()), "an empty reason");

    // The kind.
    let expected_kind = match req.origin {
        Field::Absent => RequestKind::NotCors,
        _ if req.method == b"OPTIONS" && req.request_method != Field::Absent => RequestKind::Preflight,
        _ => RequestKind::Actual,
    };
    assert_eq!(d.kind(), expected_kind);
    let preflight = d.kind() == RequestKind::Preflight;

    // Vary.
    let vary = d.vary();
    assert_eq!(vary.contains(Vary::ORIGIN), policy.varies_by_origin(), "Vary: Origin");
    assert_eq!(vary.contains(Vary::REQUEST_METHOD | Vary::REQUEST_HEADERS), preflight);
    assert_eq!(vary.contains(Vary::REQUEST_PRIVATE_NETWORK), preflight && policy.allows_private_network());

    let written: Vec<CorsHeader> = d.headers().map(|(h, _)| h).collect();
    let distinct: std::collections::HashSet<CorsHeader> = written.iter().copied().collect();
    assert_eq!(distinct.len(), written.len(), "each header once: {written:?}");
    let acao = header(&d, CorsHeader::AllowOrigin);
    let acac = header(&d, CorsHeader::AllowCredentials);

    if d.kind() == RequestKind::NotCors {
        assert!(written.is_empty() && d.refusal().is_none() && !d.is_allowed());
        assert_eq!(d.action(), Action::Forward);
        return;
    }

    // Credentials: only with a named origin, only when the policy has them.
    if let Some(acac) = acac {
        assert_eq!(acac, b"true");
        assert!(policy.allows_credentials());
        assert_ne!(acao, Some(&b"*"[..]), "`*` with credentials");
    }
    // ACAO: `*` for an any-origin policy, else the single Origin.
    if let Some(acao) = acao {
        let Field::One(origin) = req.origin else { panic!("ACAO without a single Origin") };
        assert!(policy.allows_origin(origin), "ACAO for an origin the policy refuses");
        if policy.allows_any_origin() {
            assert_eq!(acao, b"*");
        } else {
            assert_eq!(acao, origin, "ACAO is the request's Origin");
        }
        assert_eq!(acac.is_some(), policy.allows_credentials());
    }
    // Never a literal `*` among the methods or headers allowed (it would mean "any").
    for h in [CorsHeader::AllowMethods, CorsHeader::AllowHeaders] {
        if let Some(v) = header(&d, h) {
            assert!(!items(v).contains(&&b"*"[..]), "`*` in {h:?}: {:?}", v.escape_ascii().to_string());
        }
    }

    let status = match d.action() {
        Action::Respond { status } => Some(status),
        Action::Forward => None,
    };
    let names_culprit = preflight && matches!(d.refusal(), Some(Refusal::MethodNotAllowed(_) | Refusal::HeaderNotAllowed(_)));
    match d.refusal() {
        None => {
            assert!(d.is_allowed());
            let Field::One(origin) = req.origin else { panic!("granted without a single Origin") };
            assert!(policy.allows_origin(origin));
            assert!(acao.is_some(), "a grant without ACAO");
            if preflight {
                let Field::One(method) = req.request_method else { panic!("granted several request methods") };
                assert!(policy.allows_method(method));
                assert_eq!(header(&d, CorsHeader::AllowMethods), Some(method), "the method echoed");
                let mut asked: Vec<&[u8]> = lines.iter().flat_map(|l| l.split(|&b| b == b',')).map(trim_ows).filter(|i| !i.is_empty()).collect();
                let mut echoed = header(&d, CorsHeader::AllowHeaders).map(items).unwrap_or_default();
                asked.sort();
                echoed.sort();
                assert_eq!(echoed, asked, "exactly the requested header names echoed");
                assert_eq!(header(&d, CorsHeader::ExposeHeaders), None, "exposed headers on a preflight");
                assert_eq!(
                    header(&d, CorsHeader::MaxAge).is_some(),
                    policy.shared_values().any(|(h, _)| h == CorsHeader::MaxAge)
                );
                assert_eq!(
                    header(&d, CorsHeader::AllowPrivateNetwork).is_some(),
                    policy.allows_private_network() && req.request_private_network
                );
                let expected = if policy.preflight_continue() { None } else { Some(policy.preflight_status()) };
                assert_eq!(status, expected);
            } else {
                for h in [CorsHeader::AllowMethods, CorsHeader::AllowHeaders, CorsHeader::MaxAge, CorsHeader::AllowPrivateNetwork] {
                    assert_eq!(header(&d, h), None, "{h:?} on an actual request");
                }
                assert_eq!(header(&d, CorsHeader::ExposeHeaders), policy.exposed_headers_value().map(|v| &v[..]));
                assert_eq!(status, None);
            }
        }
        Some(refusal) if names_culprit => {
            assert!(!d.is_allowed());
            assert!(acao.is_some(), "a culprit-naming refusal grants the origin");
            for h in [CorsHeader::MaxAge, CorsHeader::ExposeHeaders, CorsHeader::AllowPrivateNetwork] {
                assert_eq!(header(&d, h), None, "{h:?} on a refusal");
            }
            match refusal {
                Refusal::MethodNotAllowed(m) => {
                    assert!(!policy.allows_method(m));
                    if let Some(list) = header(&d, CorsHeader::AllowMethods) {
                        assert!(!items(list).contains(&m), "the refused method listed");
                    }
                }
                Refusal::HeaderNotAllowed(h) => {
                    if let Some(list) = header(&d, CorsHeader::AllowHeaders) {
                        assert!(!items(list).iter().any(|i| i.eq_ignore_ascii_case(h)), "the refused header listed");
                    }
                }
                _ => unreachable!(),
            }
            let expected = if policy.preflight_continue() { None } else { Some(policy.preflight_status()) };
            assert_eq!(status, expected);
        }
        Some(refusal) => {
            assert!(!d.is_allowed());
            assert!(written.is_empty(), "headers on a refusal ({refusal:?}): {written:?}");
            if let Refusal::OriginNotAllowed(o) = refusal {
                assert!(!policy.allows_origin(o));
            }
            let expected = match d.kind() {
                RequestKind::Preflight if policy.preflight_continue() => None,
                RequestKind::Preflight => Some(REFUSED_STATUS),
                _ if policy.blocks_disallowed() => Some(REFUSED_STATUS),
                _ => None,
            };
            assert_eq!(status, expected);
        }
    }

    // A debug body: a refused preflight answered here, with a status that has a body.
    let body = d.body();
    let body_expected = policy.debug() && preflight && d.refusal().is_some() && status.is_some_and(|s| s != 204);
    assert_eq!(body.is_some(), body_expected, "debug body");
}

fn check_disabled<'a>(req: &CorsRequest<'a, std::iter::Copied<std::slice::Iter<'_, &'a [u8]>>>) {
    let d = Decision::disabled(req);
    assert_eq!(d.headers().count(), 0);
    assert!(d.vary().is_empty());
    assert!(!d.is_allowed());
    match d.kind() {
        RequestKind::Preflight => {
            assert_eq!(d.refusal(), Some(Refusal::Disabled));
            assert_eq!(d.action(), Action::Respond { status: REFUSED_STATUS });
        }
        _ => {
            assert_eq!(d.refusal(), None);
            assert_eq!(d.action(), Action::Forward);
        }
    }
    let _ = d.reason().map(|r| r.to_string());
}

fuzz_target!(|input: Input<'_>| {
    let origin: Vec<&[u8]> = input.origin.iter().map(Token::bytes).collect();
    let request_method: Vec<&[u8]> = input.request_method.iter().map(Token::bytes).collect();
    let lines: Vec<&[u8]> = input.request_headers.iter().map(Token::bytes).collect();
    let req = CorsRequest {
        method: input.method.bytes(),
        origin: field(&origin),
        request_method: field(&request_method),
        request_headers: lines.iter().copied(),
        request_private_network: input.private_network,
    };
    let policies = policies();
    check(&policies[usize::from(input.policy) % policies.len()], &req, &lines);
    check_disabled(&req);
});
