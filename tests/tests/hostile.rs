//! Hostile input (issue 7): whatever a client puts in `Origin`, `Access-Control-Request-Method`,
//! `Access-Control-Request-Headers` and `Access-Control-Request-Private-Network`, nothing panics,
//! nothing is granted unless the origin is exactly an allowed one, and the header-list bound of
//! SPEC section 3 holds.
//!
//! Every case is checked twice: against `cors_core::Policy::decide` directly (which also takes
//! bytes no HTTP parser lets through: NUL, CR, LF, other control bytes) and through the
//! `cors_actix` middleware in-process, around the reference app (`examples::env_server::routes`),
//! with the values a header can carry on the wire (visible ASCII, space, tab, bytes 0x80–0xFF).
//! One test also sends raw bytes over TCP to the `env-server` binary, including the inputs
//! actix-web's HTTP parser answers itself (400, 431): those answers carry no CORS headers.
//!
//! Speed is left to the benchmarks (`cargo bench -p cors-core`): instead of timing the hostile
//! header lists, the tests show that they are refused before they are parsed (the refusal is
//! `HeadersTooLong` even when the first item is not a token, and deciding reads each line once,
//! for its length only).

use std::cell::Cell;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, Error};
use cors_actix::{Cors, Policy};
use cors_core::{CorsRequest, Decision, Field, Refusal};
use proptest::prelude::*;
use proptest::sample::select;
use tests::env_server::EnvServer;
use tests::wire;

const ALLOWED: &str = "https://allowed.example";
const ALLOWED_V6: &str = "http://[::1]:8080";

// ---------------------------------------------------------------------------------------------
// Policies

fn build(builder: cors_core::PolicyBuilder) -> Policy {
    builder.build().unwrap_or_else(|e| panic!("test policy must be valid: {e}"))
}

/// Shared settings: credentials on, PUT and PATCH, two request headers, one exposed header.
fn with_common(builder: cors_core::PolicyBuilder) -> cors_core::PolicyBuilder {
    builder
        .allow_credentials(true)
        .allow_methods(["PUT", "PATCH"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
}

/// Exact origins only (one of them IPv6 loopback).
fn exact_policy() -> Policy {
    build(with_common(Policy::builder().allow_origins([ALLOWED, ALLOWED_V6])))
}

/// A subdomain pattern: `https://*.allowed.example` (one or more labels, never the apex).
fn subdomain_policy() -> Policy {
    build(with_common(Policy::builder().allow_origin("https://*.allowed.example")))
}

/// A port pattern on a public host: `https://allowed.example:*`.
fn port_policy() -> Policy {
    build(with_common(Policy::builder().allow_origin("https://allowed.example:*")))
}

/// The loopback port pattern: `http://localhost:*`.
fn localhost_policy() -> Policy {
    build(with_common(Policy::builder().allow_origin("http://localhost:*")))
}

/// Any request header (`*`), where the 256-item / 16 KiB bound applies.
fn any_header_policy() -> Policy {
    build(
        Policy::builder()
            .allow_origin(ALLOWED)
            .allow_credentials(true)
            .allow_methods(["PUT"])
            .allow_any_header(),
    )
}

/// Any method (mirrored).
fn any_method_policy() -> Policy {
    build(Policy::builder().allow_origin(ALLOWED).allow_any_method().allow_headers(["content-type"]))
}

// ---------------------------------------------------------------------------------------------
// decide()

type Lines<'a> = std::iter::Copied<std::slice::Iter<'a, &'a [u8]>>;

fn field<'a>(lines: &'a [&'a [u8]]) -> Field<'a> {
    match lines {
        [] => Field::Absent,
        [one] => Field::One(one),
        _ => Field::Several,
    }
}

fn decide<'a>(
    policy: &'a Policy,
    method: &'a [u8],
    origin: &'a [&'a [u8]],
    request_method: &'a [&'a [u8]],
    request_headers: &'a [&'a [u8]],
) -> Decision<'a> {
    let req: CorsRequest<'a, Lines<'a>> = CorsRequest {
        method,
        origin: field(origin),
        request_method: field(request_method),
        request_headers: request_headers.iter().copied(),
        request_private_network: false,
    };
    policy.decide(&req)
}

fn decided_header(d: &Decision<'_>, name: &str) -> Option<Vec<u8>> {
    d.headers().find(|(h, _)| h.as_str() == name).map(|(_, v)| v.as_bytes().to_vec())
}

/// For a preflight from an allowed origin refused for its method or a request header, the
/// answer names the culprit (SPEC section 3): checks it grants the origin only, lists what the
/// policy allows, never the refused item, and no max age. Any other refusal writes nothing.
fn check_refusal_headers(d: &Decision<'_>, what: &str) {
    let (header, refused) = match d.refusal() {
        Some(cors_core::Refusal::MethodNotAllowed(m)) => ("access-control-allow-methods", m),
        Some(cors_core::Refusal::HeaderNotAllowed(h)) => ("access-control-allow-headers", h),
        _ => {
            assert_eq!(d.headers().count(), 0, "{what}: headers on a refusal");
            return;
        }
    };
    assert!(decided_header(d, "access-control-allow-origin").is_some(), "{what}");
    assert_eq!(decided_header(d, "access-control-max-age"), None, "{what}");
    if let Some(list) = decided_header(d, header) {
        // Methods are case-sensitive (`put` is not `PUT`), header names are not.
        let same = |item: &[u8]| {
            if header == "access-control-allow-methods" {
                item == refused
            } else {
                item.eq_ignore_ascii_case(refused)
            }
        };
        let listed = list.split(|&b| b == b',').any(|item| same(item.trim_ascii()));
        assert!(!listed, "{what}: {header} lists the refused {:?}", esc(refused));
    }
}

/// decide(): actual GET and POST and a preflight from `origin` are all refused, with no header.
fn assert_decide_refuses_origin(policy: &Policy, origin: &[u8], what: &str) {
    let o = [origin];
    for method in [&b"GET"[..], b"POST", b"DELETE"] {
        let d = decide(policy, method, &o, &[], &[]);
        assert!(!d.is_allowed(), "{what}: decide() granted {method:?} from {:?}", esc(origin));
        assert_eq!(d.headers().count(), 0, "{what}: headers on a refusal");
    }
    let d = decide(policy, b"OPTIONS", &o, &[b"PUT"], &[b"content-type"]);
    assert!(!d.is_allowed(), "{what}: decide() granted a preflight from {:?}", esc(origin));
    assert_eq!(d.headers().count(), 0, "{what}: headers on a refused preflight");
    assert!(
        matches!(d.refusal(), Some(Refusal::OriginNotAllowed(_) | Refusal::SeveralOrigins)),
        "{what}: {:?}",
        d.refusal()
    );
    // The reason renders (escaped) without panicking.
    let _ = d.reason().map(|r| r.to_string());
}

fn assert_decide_grants_origin(policy: &Policy, origin: &[u8], what: &str) {
    let o = [origin];
    let d = decide(policy, b"GET", &o, &[], &[]);
    assert!(d.is_allowed(), "{what}: decide() refused {:?}: {:?}", esc(origin), d.refusal());
    assert_eq!(decided_header(&d, "access-control-allow-origin").as_deref(), Some(origin));
    let d = decide(policy, b"OPTIONS", &o, &[b"PUT"], &[b"content-type"]);
    assert!(d.is_allowed(), "{what}: decide() refused a preflight from {:?}: {:?}", esc(origin), d.refusal());
}

fn esc(b: &[u8]) -> String {
    let s = b.escape_ascii().to_string();
    if s.len() > 120 {
        format!("{}… ({} bytes)", &s[..120], b.len())
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------------
// The middleware, in-process

/// What a client sees.
#[derive(Debug)]
struct Seen {
    status: StatusCode,
    headers: HeaderMap,
}

impl Seen {
    fn lines(&self, name: &str) -> Vec<&[u8]> {
        self.headers.get_all(name).map(HeaderValue::as_bytes).collect()
    }

    fn one(&self, name: &str) -> Option<&[u8]> {
        let lines = self.lines(name);
        assert!(lines.len() <= 1, "several {name} lines: {self:?}");
        lines.first().copied()
    }

    fn granted_any(&self) -> bool {
        self.headers.keys().any(|k| {
            k.as_str().starts_with("access-control-allow-") || k.as_str() == "access-control-expose-headers"
        })
    }

    fn varies_on_origin(&self) -> bool {
        self.headers
            .get_all("vary")
            .flat_map(|v| v.as_bytes().split(|&b| b == b','))
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"origin"))
    }
}

async fn send<S, B>(app: &S, req: actix_http::Request) -> Seen
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let r = tests::inproc::send(app, req).await;
    Seen { status: r.status, headers: r.headers }
}

/// A request with these header lines (several lines of one name are appended, not replaced).
fn request(method: &str, path: &str, headers: &[(&str, &[u8])]) -> actix_http::Request {
    let mut req = actix_web::test::TestRequest::default()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path);
    for (name, value) in headers {
        let value = HeaderValue::from_bytes(value)
            .unwrap_or_else(|e| panic!("{name}: {:?} cannot be a header value: {e}", esc(value)));
        req = req.append_header((*name, value));
    }
    req.to_request()
}

fn preflight(origin: &[u8], method: &[u8], headers: &[&[u8]]) -> actix_http::Request {
    let mut lines: Vec<(&str, &[u8])> = vec![("origin", origin), ("access-control-request-method", method)];
    lines.extend(headers.iter().map(|h| ("access-control-request-headers", *h)));
    request("OPTIONS", "/api/echo", &lines)
}

macro_rules! app {
    ($policy:expr) => {
        actix_web::test::init_service(
            App::new().configure(examples::env_server::routes).wrap(Cors::new($policy)),
        )
        .await
    };
}

/// Through the middleware: preflight (403), actual GET and POST (handler runs): no grant at all,
/// and `Vary: Origin` (the answer depends on the Origin).
async fn assert_middleware_refuses_origins<S, B>(app: &S, origin_lines: &[&[u8]], what: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let origins: Vec<(&str, &[u8])> = origin_lines.iter().map(|o| ("origin", *o)).collect();
    let mut pre = origins.clone();
    pre.push(("access-control-request-method", b"PUT"));
    pre.push(("access-control-request-headers", b"content-type"));
    let seen = send(app, request("OPTIONS", "/api/echo", &pre)).await;
    let shown: Vec<String> = origin_lines.iter().map(|o| esc(o)).collect();
    assert_eq!(seen.status, StatusCode::FORBIDDEN, "{what}: preflight from {shown:?}: {seen:?}");
    assert!(!seen.granted_any(), "{what}: preflight from {shown:?} was granted: {seen:?}");
    assert!(seen.varies_on_origin(), "{what}: preflight from {shown:?} lacks Vary: Origin: {seen:?}");
    for method in ["GET", "POST", "PUT"] {
        let seen = send(app, request(method, "/api/echo", &origins)).await;
        assert_eq!(seen.status, StatusCode::OK, "{what}: {method} from {shown:?}: {seen:?}");
        assert!(!seen.granted_any(), "{what}: {method} from {shown:?} was granted: {seen:?}");
        assert!(seen.varies_on_origin(), "{what}: {method} from {shown:?} lacks Vary: Origin: {seen:?}");
    }
}

async fn assert_middleware_grants_origin<S, B>(app: &S, origin: &[u8], what: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let seen = send(app, preflight(origin, b"PUT", &[b"content-type"])).await;
    assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:?}");
    assert_eq!(seen.one("access-control-allow-origin"), Some(origin), "{what}: {seen:?}");
    let seen = send(app, request("GET", "/api/echo", &[("origin", origin)])).await;
    assert_eq!(seen.one("access-control-allow-origin"), Some(origin), "{what}: {seen:?}");
    assert_eq!(seen.one("access-control-allow-credentials"), Some(&b"true"[..]), "{what}: {seen:?}");
}

// ---------------------------------------------------------------------------------------------
// Hostile origins

/// Variants of an allowed origin that a browser never sends for it (and so must not be granted).
fn variants_of(legit: &str) -> Vec<Vec<u8>> {
    let (scheme, rest) = legit.split_once("://").expect("scheme://");
    let (host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let end = v6.find(']').unwrap();
            (&rest[..end + 2], rest[end + 2..].strip_prefix(':'))
        }
        None => match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        },
    };
    let port_part = port.map(|p| format!(":{p}")).unwrap_or_default();
    let default_port = if scheme == "https" { "443" } else { "80" };
    let mut v: Vec<Vec<u8>> = Vec::new();
    let mut s = |x: String| v.push(x.into_bytes());
    // Case.
    s(format!("{}://{rest}", scheme.to_ascii_uppercase()));
    s(format!("{}{}://{rest}", &scheme[..1].to_ascii_uppercase(), &scheme[1..]));
    s(format!("{scheme}://{}{port_part}", host.to_ascii_uppercase()));
    s(format!("{scheme}://{}{}{port_part}", &host[..1].to_ascii_uppercase(), &host[1..]));
    // Trailing dot, default port spelled out, empty port.
    s(format!("{scheme}://{host}.{port_part}"));
    s(format!("{scheme}://{host}:{default_port}"));
    s(format!("{scheme}://{host}:"));
    s(format!("{legit}:"));
    // Userinfo.
    s(format!("{scheme}://user@{rest}"));
    s(format!("{scheme}://user:pass@{rest}"));
    s(format!("{scheme}://@{rest}"));
    s(format!("{scheme}://evil.net@{rest}"));
    s(format!("{legit}@evil.net"));
    s(format!("{scheme}://{host}:{}@evil.net", port.unwrap_or(default_port)));
    // Path, query, fragment, whitespace, lists.
    for tail in ["/", "/x", "?", "?q=1", "#", "#f", " ", "\t", ",", ", https://evil.net", "\\", "%00"] {
        s(format!("{legit}{tail}"));
    }
    s(format!(" {legit}"));
    s(format!("\t{legit}"));
    s(format!("https://evil.net, {legit}"));
    // Other schemes, scheme separators.
    for other in ["ws", "wss", "ftp", "file", "httpss", "http+https", ""] {
        s(format!("{other}://{rest}"));
    }
    s(format!("{scheme}:/{rest}"));
    s(format!("{scheme}:{rest}"));
    s(format!("{scheme}:///{rest}"));
    s(rest.to_string());
    s(format!("//{rest}"));
    // Encodings.
    s(format!("{scheme}://{}{port_part}", host.replace('.', "%2e")));
    s(format!("{scheme}://{}{port_part}", host.replace('.', "\u{ff0e}")));
    // Port games.
    for p in ["0", "65536", "99999", "+1", "-1", "0x1f90", "1e3", "00080", "8080:8080"] {
        s(format!("{scheme}://{host}:{p}"));
    }
    if let Some(p) = port {
        s(format!("{scheme}://{host}:0{p}"));
        s(format!("{scheme}://{host}"));
    }
    // 8 KiB long.
    s(format!("{legit}{}", "a".repeat(8192)));
    s(format!("{scheme}://{}{host}{port_part}", "a".repeat(8192)));
    s(format!("{scheme}://{}{host}{port_part}", "a.".repeat(4096)));
    // Invalid UTF-8 and bytes 0x80-0xFF (reach the middleware over HTTP).
    let mut raw = legit.as_bytes().to_vec();
    raw.push(0xff);
    v.push(raw);
    let mut raw = vec![0xef, 0xbb, 0xbf]; // a UTF-8 BOM
    raw.extend_from_slice(legit.as_bytes());
    v.push(raw);
    let mut raw = format!("{scheme}://").into_bytes();
    raw.extend_from_slice(&[0xc3, 0x28]); // invalid UTF-8 sequence
    raw.extend_from_slice(format!("{host}{port_part}").as_bytes());
    v.push(raw);
    let mut raw = legit.as_bytes().to_vec();
    let at = scheme.len() + 3 + 1;
    raw[at] |= 0x80;
    v.push(raw);
    v.retain(|o| o != legit.as_bytes());
    v
}

/// Bytes no HTTP/1.1 parser lets reach the middleware: decide() must still refuse them.
fn control_variants_of(legit: &str) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for c in [&b"\0"[..], b"\r", b"\n", b"\r\n", b"\x01", b"\x7f", b"\x1b[31m"] {
        let mut tail = legit.as_bytes().to_vec();
        tail.extend_from_slice(c);
        v.push(tail);
        let mut head = c.to_vec();
        head.extend_from_slice(legit.as_bytes());
        v.push(head);
        let mut mid = legit.as_bytes().to_vec();
        mid.splice(legit.len() - 1..legit.len() - 1, c.iter().copied());
        v.push(mid);
    }
    v
}

/// IPv6 spellings of `[::1]:8080` that a browser never sends (it sends the compressed form).
const IPV6_VARIANTS: &[&str] = &[
    "http://[0:0:0:0:0:0:0:1]:8080",
    "http://[::0:1]:8080",
    "http://[0::1]:8080",
    "http://[::0001]:8080",
    "http://[::ffff:127.0.0.1]:8080",
    "http://[::1%25lo]:8080",
    "http://[::1%lo]:8080",
    "http://[::1]",
    "http://[::1]:80",
    "http://[::1]:08080",
    "http://[::1]:8080]",
    "http://[[::1]]:8080",
    "http://::1:8080",
    "http://[::1:8080",
    "http://[::1]x:8080",
    "http://[::1].evil.net:8080",
    "http://[::2]:8080",
    "http://[::]:8080",
    "http://[]:8080",
    "http://[::1]:8080.",
    "https://[::1]:8080",
    "http://127.0.0.1:8080",
    "http://localhost:8080",
    "http://[::1]:8080/",
];

/// Hostile origins against each policy: through decide() and the middleware, none is granted
/// unless it is exactly an allowed origin; the legitimate ones are (so the harness can grant).
#[actix_web::test]
async fn hostile_origins_are_never_granted_unless_exactly_allowed() {
    // (name, policy, legitimate origins, hostile origins)
    type Case = (&'static str, Policy, Vec<&'static str>, Vec<Vec<u8>>);
    let cases: Vec<Case> = vec![
        ("exact", exact_policy(), vec![ALLOWED, ALLOWED_V6], {
            let mut v = variants_of(ALLOWED);
            v.extend(variants_of(ALLOWED_V6));
            v.extend(IPV6_VARIANTS.iter().map(|s| s.as_bytes().to_vec()));
            v.push(b"null".to_vec());
            v.push(b"https://sub.allowed.example".to_vec());
            v
        }),
        (
            "subdomain pattern",
            subdomain_policy(),
            vec!["https://app.allowed.example", "https://a.b.allowed.example"],
            {
                let mut v = variants_of("https://app.allowed.example");
                v.extend(variants_of("https://a.b.allowed.example"));
                v.push(b"null".to_vec());
                v.push(b"https://allowed.example".to_vec());
                v.push(b"https://.allowed.example".to_vec());
                v.push(b"https://..allowed.example".to_vec());
                v.push(b"https://*.allowed.example".to_vec());
                v.push(b"https://app.allowed.example:8443".to_vec());
                v.push(b"https://[::1].allowed.example".to_vec());
                // A host over the 253-byte DNS limit built of valid labels.
                v.push(format!("https://{}allowed.example", "a.".repeat(4096)).into_bytes());
                v
            },
        ),
        ("port pattern", port_policy(), vec![ALLOWED, "https://allowed.example:8443"], {
            let mut v = variants_of(ALLOWED);
            v.extend(variants_of("https://allowed.example:8443"));
            v.push(b"null".to_vec());
            v.push(b"https://sub.allowed.example:8443".to_vec());
            v
        }),
        ("localhost port pattern", localhost_policy(), vec!["http://localhost", "http://localhost:3000"], {
            let mut v = variants_of("http://localhost");
            v.extend(variants_of("http://localhost:3000"));
            v.push(b"null".to_vec());
            v.push(b"http://a.localhost:3000".to_vec());
            v.push(b"http://localhost.evil.net:3000".to_vec());
            v.push(b"http://127.0.0.1:3000".to_vec());
            v.push(b"http://[::1]:3000".to_vec());
            v
        }),
    ];
    let mut checked = 0;
    for (name, policy, legit, hostile) in cases {
        let app = app!(policy.clone());
        for origin in &legit {
            assert_decide_grants_origin(&policy, origin.as_bytes(), name);
            assert_middleware_grants_origin(&app, origin.as_bytes(), name).await;
        }
        // Variants of one legitimate origin can be another one (the port pattern's
        // `https://allowed.example` is a variant of `https://allowed.example:8443`).
        for origin in hostile.iter().filter(|o| !legit.iter().any(|l| l.as_bytes() == o.as_slice())) {
            assert_decide_refuses_origin(&policy, origin, name);
            if HeaderValue::from_bytes(origin).is_ok() {
                assert_middleware_refuses_origins(&app, &[origin], name).await;
            }
            checked += 1;
        }
        for l in &legit {
            for origin in control_variants_of(l) {
                assert_decide_refuses_origin(&policy, &origin, name);
                checked += 1;
            }
        }
    }
    eprintln!("[hostile] {checked} hostile origins refused");
}

/// Several `Origin` lines are never granted, even when every line is the allowed origin.
#[actix_web::test]
async fn several_origin_lines_are_never_granted() {
    let policy = exact_policy();
    let app = app!(policy.clone());
    let a = ALLOWED.as_bytes();
    for lines in [
        vec![a, a],
        vec![a, b"https://evil.net"],
        vec![b"https://evil.net", a],
        vec![a, b"null"],
        vec![a, a, a],
    ] {
        let d = decide(&policy, b"GET", &lines, &[], &[]);
        assert_eq!(d.refusal(), Some(Refusal::SeveralOrigins));
        let d = decide(&policy, b"OPTIONS", &lines, &[b"PUT"], &[]);
        assert_eq!(d.refusal(), Some(Refusal::SeveralOrigins));
        assert_eq!(d.headers().count(), 0);
        assert_middleware_refuses_origins(&app, &lines, "several Origin lines").await;
    }
}

// ---------------------------------------------------------------------------------------------
// Scanner probes

/// The probes misconfiguration scanners send, around `allowed.example`.
fn scanner_probes(apex_allowed: bool) -> Vec<&'static str> {
    let mut v = vec![
        "https://evil.net",
        "https://attacker.invalid",
        "null",
        "https://allowed.example.evil.net",
        "https://evilallowed.example",
        "https://allowedxexample",
        "https://allowed.example_.evil.net",
        "https://allowed.example%60.evil.net",
        "https://allowed.example`.evil.net",
        "https://allowed.example%2eevil.net",
        "https://allowed.example@evil.net",
        "https://evil.net@allowed.example",
        "https://evil.net/allowed.example",
        "https://evil.net?allowed.example",
        "https://evil.net#allowed.example",
        "https://evil.net\\allowed.example",
        "https://evil.net%23.allowed.example",
        "https://allowed.examplee",
        "https://allowed.exampl",
        "https://xallowed.example",
        "http://allowed.example",
        "http://sub.allowed.example",
        "https://allowed.example.",
        "https://ALLOWED.EXAMPLE",
        "https://allowed.example:443",
        "HTTPS://allowed.example",
    ];
    if apex_allowed {
        // An arbitrary subdomain when only the apex is listed.
        v.extend(["https://evil.allowed.example", "https://www.allowed.example"]);
    } else {
        // Under `*.allowed.example`: the apex itself.
        v.push("https://allowed.example");
    }
    v
}

/// Every scanner probe against an exact policy, a subdomain pattern and a port pattern, with
/// credentials, through the middleware (preflight and actual requests) and decide(): no grant,
/// no `Access-Control-Allow-Origin`, no `Access-Control-Allow-Credentials`.
#[actix_web::test]
async fn scanner_probes_get_no_grant() {
    let cases = [
        ("exact https://allowed.example", exact_policy(), true),
        ("pattern https://*.allowed.example", subdomain_policy(), false),
        ("port pattern https://allowed.example:*", port_policy(), true),
    ];
    for (name, policy, apex_allowed) in cases {
        assert!(policy.allows_credentials());
        let app = app!(policy.clone());
        for probe in scanner_probes(apex_allowed) {
            let what = format!("{name}, probe {probe}");
            assert_decide_refuses_origin(&policy, probe.as_bytes(), &what);
            assert_middleware_refuses_origins(&app, &[probe.as_bytes()], &what).await;
        }
    }
    // The port pattern grants the origin on any port; the subdomain pattern any subdomain.
    assert!(port_policy().allows_origin(b"https://allowed.example:8443"));
    assert!(subdomain_policy().allows_origin(b"https://evil.allowed.example"));
}

// ---------------------------------------------------------------------------------------------
// Access-Control-Request-Headers

#[derive(Clone, Debug)]
enum Expect {
    /// Granted; `Access-Control-Allow-Headers` is this value (`None`: absent).
    Granted(Option<Vec<u8>>),
    /// Refused with a refusal this predicate accepts.
    Refused(fn(&Refusal<'_>) -> bool),
}

fn too_long(r: &Refusal<'_>) -> bool {
    matches!(r, Refusal::HeadersTooLong { .. })
}
fn too_many(r: &Refusal<'_>) -> bool {
    matches!(r, Refusal::TooManyHeaders { limit: 256 })
}
fn invalid(r: &Refusal<'_>) -> bool {
    matches!(r, Refusal::InvalidHeader(_))
}
fn not_allowed(r: &Refusal<'_>) -> bool {
    matches!(r, Refusal::HeaderNotAllowed(_))
}
fn refused_any(r: &Refusal<'_>) -> bool {
    matches!(
        r,
        Refusal::HeadersTooLong { .. }
            | Refusal::TooManyHeaders { .. }
            | Refusal::InvalidHeader(_)
            | Refusal::HeaderNotAllowed(_)
    )
}

fn names(n: usize) -> String {
    (0..n).map(|i| format!("x-h{i}")).collect::<Vec<_>>().join(",")
}

/// Every hostile list, with the expected answer under a list policy and under `*`.
fn header_cases() -> Vec<(String, Vec<Vec<u8>>, Expect, Expect)> {
    use Expect::*;
    let g = |s: &str| Granted(Some(s.as_bytes().to_vec()));
    let mut kib64 = b"(bad),".to_vec();
    while kib64.len() < 64 * 1024 {
        kib64.extend_from_slice(b"x-a,");
    }
    kib64.truncate(64 * 1024);
    let items_10k = names(10_000);
    let empty_10k = format!("{}x-api-key", ",".repeat(10_000));
    let n256 = names(256);
    let n257 = names(257);
    let n257_then_bad = format!("{n257},(bad)");
    let dup100 = vec!["content-type"; 100].join(",");
    // Exactly 16 KiB (200 valid names), and one byte more.
    let mut kib16 = (0..200).map(|i| format!("x-{i:03}-{}", "a".repeat(74))).collect::<Vec<_>>().join(",");
    kib16.push_str(&"b".repeat(16 * 1024 - kib16.len()));
    assert_eq!(kib16.len(), 16 * 1024);
    let kib16_plus = format!("{kib16}c");
    vec![
        (
            "legit".into(),
            vec![b"content-type, x-api-key".to_vec()],
            g("content-type, x-api-key"),
            g("content-type, x-api-key"),
        ),
        (
            "upper case".into(),
            vec![b"Content-Type,X-API-KEY".to_vec()],
            g("Content-Type,X-API-KEY"),
            g("Content-Type,X-API-KEY"),
        ),
        ("64 KiB, first item not a token".into(), vec![kib64], Refused(too_long), Refused(too_long)),
        // Under the hostile bound, a list of names the policy does not list is a browser's (a page
        // that sets 200 custom headers): refused naming the first, not as hostile.
        ("exactly 16 KiB".into(), vec![kib16.clone().into_bytes()], Refused(not_allowed), g(&kib16)),
        ("16 KiB + 1".into(), vec![kib16_plus.into_bytes()], Refused(too_long), Refused(too_long)),
        ("10,000 items".into(), vec![items_10k.into_bytes()], Refused(too_long), Refused(too_long)),
        ("10,000 empty items".into(), vec![empty_10k.clone().into_bytes()], Refused(too_long), g(&empty_10k)),
        ("256 items".into(), vec![n256.clone().into_bytes()], Refused(refused_any), g(&n256)),
        ("257 items".into(), vec![n257.into_bytes()], Refused(refused_any), Refused(too_many)),
        (
            "257 items, then a non-token".into(),
            vec![n257_then_bad.into_bytes()],
            Refused(refused_any),
            Refused(too_many),
        ),
        (
            "two duplicates".into(),
            vec![b"content-type, content-type".to_vec()],
            g("content-type, content-type"),
            g("content-type, content-type"),
        ),
        ("100 duplicates".into(), vec![dup100.clone().into_bytes()], Refused(too_long), g(&dup100)),
        (
            "spaces and tabs".into(),
            vec![b" content-type ,\tx-api-key\t ,  ".to_vec()],
            g(" content-type ,\tx-api-key\t ,  "),
            g(" content-type ,\tx-api-key\t ,  "),
        ),
        (
            "empty items".into(),
            vec![b",,content-type,,, ,x-api-key,,".to_vec()],
            g(",,content-type,,, ,x-api-key,,"),
            g(",,content-type,,, ,x-api-key,,"),
        ),
        ("empty value".into(), vec![b"".to_vec()], Granted(None), Granted(None)),
        ("only commas".into(), vec![b" , ,, ".to_vec()], Granted(None), Granted(None)),
        (
            "several lines".into(),
            vec![b"content-type".to_vec(), b"x-api-key".to_vec()],
            g("content-type, x-api-key"),
            g("content-type, x-api-key"),
        ),
        (
            "several lines, one empty".into(),
            vec![b"".to_vec(), b"content-type".to_vec()],
            g("content-type"),
            g("content-type"),
        ),
        (
            "several lines, one too many".into(),
            vec![b"content-type".to_vec(), b"x-other".to_vec()],
            Refused(not_allowed),
            g("content-type, x-other"),
        ),
        (
            "space inside a name".into(),
            vec![b"content-type, x api".to_vec()],
            Refused(invalid),
            Refused(invalid),
        ),
        ("semicolon".into(), vec![b"content-type;x-api-key".to_vec()], Refused(invalid), Refused(invalid)),
        ("parenthesis".into(), vec![b"(content-type)".to_vec()], Refused(invalid), Refused(invalid)),
        ("quotes".into(), vec![b"\"content-type\"".to_vec()], Refused(invalid), Refused(invalid)),
        ("slash".into(), vec![b"content/type".to_vec()], Refused(invalid), Refused(invalid)),
        ("byte 0xff".into(), vec![b"content-type\xff".to_vec()], Refused(invalid), Refused(invalid)),
        ("UTF-8 name".into(), vec!["contént-type".as_bytes().to_vec()], Refused(invalid), Refused(invalid)),
        ("authorization".into(), vec![b"authorization".to_vec()], Refused(not_allowed), Refused(not_allowed)),
        ("literal *".into(), vec![b"*".to_vec()], Refused(not_allowed), Refused(not_allowed)),
        (
            "not listed".into(),
            vec![b"content-type, x-evil".to_vec()],
            Refused(not_allowed),
            g("content-type, x-evil"),
        ),
    ]
}

/// Bytes only decide() can see: never an HTTP header value.
fn control_header_cases() -> Vec<Vec<u8>> {
    vec![
        b"content-type\0".to_vec(),
        b"content-type\r\nx-evil: 1".to_vec(),
        b"content-type,\nx-api-key".to_vec(),
        b"\x01".to_vec(),
        b"content-type\x7f".to_vec(),
    ]
}

fn check_decision(d: &Decision<'_>, expect: &Expect, what: &str) {
    let _ = d.reason().map(|r| r.to_string());
    match expect {
        Expect::Granted(value) => {
            assert!(
                d.is_allowed(),
                "{what}: refused: {:?}",
                d.refusal().map(|_| d.reason().unwrap().to_string())
            );
            assert_eq!(decided_header(d, "access-control-allow-headers"), *value, "{what}");
            assert_eq!(decided_header(d, "access-control-allow-origin").as_deref(), Some(ALLOWED.as_bytes()));
        }
        Expect::Refused(ok) => {
            let r = d.refusal();
            assert!(r.as_ref().is_some_and(ok), "{what}: refusal {r:?}");
            check_refusal_headers(d, what);
        }
    }
}

#[actix_web::test]
async fn hostile_request_header_lists_are_bounded() {
    let list = exact_policy();
    let any = any_header_policy();
    let list_app = app!(list.clone());
    let any_app = app!(any.clone());
    let o: [&[u8]; 1] = [ALLOWED.as_bytes()];
    for (name, lines, on_list, on_any) in header_cases() {
        let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        for (policy_name, policy, expect, app) in
            [("list", &list, &on_list, &list_app), ("any (*)", &any, &on_any, &any_app)]
        {
            let what = format!("{name} under {policy_name}");
            check_decision(&decide(policy, b"OPTIONS", &o, &[b"PUT"], &refs), expect, &what);
            let seen = send(app, preflight(ALLOWED.as_bytes(), b"PUT", &refs)).await;
            match expect {
                Expect::Granted(value) => {
                    assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:?}");
                    assert_eq!(seen.one("access-control-allow-origin"), Some(ALLOWED.as_bytes()), "{what}");
                    assert_eq!(seen.one("access-control-allow-headers"), value.as_deref(), "{what}");
                    assert_ne!(seen.one("access-control-allow-headers"), Some(&b"*"[..]), "{what}");
                }
                Expect::Refused(_) => {
                    let d = decide(policy, b"OPTIONS", &o, &[b"PUT"], &refs);
                    if matches!(d.refusal(), Some(cors_core::Refusal::HeaderNotAllowed(_))) {
                        // A header the policy does not allow, from an allowed origin: the answer
                        // names it (no max age); a hostile list gets nothing.
                        assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:?}");
                        assert_eq!(
                            seen.one("access-control-allow-origin"),
                            Some(ALLOWED.as_bytes()),
                            "{what}"
                        );
                        assert!(seen.one("access-control-max-age").is_none(), "{what}: {seen:?}");
                    } else {
                        assert_eq!(seen.status, StatusCode::FORBIDDEN, "{what}: {seen:?}");
                        assert!(!seen.granted_any(), "{what}: {seen:?}");
                    }
                }
            }
        }
    }
    for bytes in control_header_cases() {
        for policy in [&list, &any] {
            let lines: [&[u8]; 1] = [&bytes];
            let d = decide(policy, b"OPTIONS", &o, &[b"PUT"], &lines);
            check_decision(&d, &Expect::Refused(invalid), &esc(&bytes));
        }
    }
}

/// A line iterator that counts how many lines deciding reads.
#[derive(Clone)]
struct Counting<'a> {
    lines: std::slice::Iter<'a, &'a [u8]>,
    reads: &'a Cell<usize>,
}

impl<'a> Iterator for Counting<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let line = self.lines.next()?;
        self.reads.set(self.reads.get() + 1);
        Some(line)
    }
}

/// The 64 KiB list is refused on its length alone, before any item is parsed: the refusal is
/// `HeadersTooLong` although its first item is not a token (parsing would have said
/// `InvalidHeader`), and deciding reads each line exactly once (for its length). The same for
/// the most lines actix lets through (90 lines of 700 bytes).
#[test]
fn hostile_header_list_is_refused_before_parsing() {
    let mut kib64 = b"\x01not-a-token,".to_vec();
    kib64.resize(64 * 1024, b'a');
    let many: Vec<Vec<u8>> = (0..90).map(|i| format!("(bad{i}),{}", "x".repeat(693)).into_bytes()).collect();
    let cases: Vec<Vec<&[u8]>> = vec![vec![&kib64], many.iter().map(Vec::as_slice).collect()];
    for (policy, limit) in [(any_header_policy(), 16 * 1024), (exact_policy(), 0)] {
        for lines in &cases {
            let reads = Cell::new(0);
            let total: usize = lines.iter().map(|l| l.len()).sum();
            let req = CorsRequest {
                method: &b"OPTIONS"[..],
                origin: Field::One(ALLOWED.as_bytes()),
                request_method: Field::One(b"PUT"),
                request_headers: Counting { lines: lines.iter(), reads: &reads },
                request_private_network: false,
            };
            let d = policy.decide(&req);
            match d.refusal() {
                Some(Refusal::HeadersTooLong { len, limit: l }) => {
                    assert_eq!(len, total);
                    if limit > 0 {
                        assert_eq!(l, limit, "under `*` the bound is 16 KiB");
                    }
                }
                other => panic!("expected HeadersTooLong before parsing, got {other:?}"),
            }
            assert_eq!(reads.get(), lines.len(), "each line read once, for its length");
            assert!(d.reason().unwrap().to_string().contains("over the"), "{}", d.reason().unwrap());
        }
    }
    // The legit list is parsed and granted, reading each line for the length and for the items.
    let legit: [&[u8]; 1] = [b"content-type, x-api-key"];
    let reads = Cell::new(0);
    let req = CorsRequest {
        method: &b"OPTIONS"[..],
        origin: Field::One(ALLOWED.as_bytes()),
        request_method: Field::One(b"PUT"),
        request_headers: Counting { lines: legit.iter(), reads: &reads },
        request_private_network: false,
    };
    assert!(exact_policy().decide(&req).is_allowed());
}

// ---------------------------------------------------------------------------------------------
// Access-Control-Request-Method

#[actix_web::test]
async fn hostile_request_methods_are_refused_or_mirrored() {
    let list = exact_policy();
    let any = any_method_policy();
    let list_app = app!(list.clone());
    let any_app = app!(any.clone());
    let long = "A".repeat(8192);
    fn invalid_m(r: &Refusal<'_>) -> bool {
        matches!(r, Refusal::InvalidMethod(_))
    }
    fn not_allowed_m(r: &Refusal<'_>) -> bool {
        matches!(r, Refusal::MethodNotAllowed(_))
    }
    type Check = fn(&Refusal<'_>) -> bool;
    // (value, refusal under the list [PUT, PATCH] or None if granted, same under any)
    let cases: Vec<(&[u8], Option<Check>, Option<Check>)> = vec![
        (b"PUT", None, None),
        (b"PATCH", None, None),
        (b"GET", None, None),
        (b"", Some(invalid_m), Some(invalid_m)),
        (b" ", Some(invalid_m), Some(invalid_m)),
        (b"PU T", Some(invalid_m), Some(invalid_m)),
        (b"PUT,DELETE", Some(invalid_m), Some(invalid_m)),
        (b"PUT ", Some(invalid_m), Some(invalid_m)),
        (b"(PUT)", Some(invalid_m), Some(invalid_m)),
        (b"PUT\xff", Some(invalid_m), Some(invalid_m)),
        (b"\xc3\xa9", Some(invalid_m), Some(invalid_m)),
        (b"put", Some(not_allowed_m), None),
        (b"patch", Some(not_allowed_m), None),
        (b"get", Some(not_allowed_m), None),
        (b"Put", Some(not_allowed_m), None),
        (b"DELETE", Some(not_allowed_m), None),
        (b"CONNECT", Some(not_allowed_m), Some(not_allowed_m)),
        (b"trace", Some(not_allowed_m), Some(not_allowed_m)),
        (b"TRACK", Some(not_allowed_m), Some(not_allowed_m)),
        (b"*", Some(not_allowed_m), Some(not_allowed_m)),
        (long.as_bytes(), Some(not_allowed_m), None),
    ];
    let o: [&[u8]; 1] = [ALLOWED.as_bytes()];
    for (m, on_list, on_any) in cases {
        for (name, policy, app, expect) in
            [("list", &list, &list_app, on_list), ("any", &any, &any_app, on_any)]
        {
            let what = format!("Access-Control-Request-Method {:?} under {name}", esc(m));
            let ms: [&[u8]; 1] = [m];
            let d = decide(policy, b"OPTIONS", &o, &ms, &[]);
            let seen = send(app, preflight(ALLOWED.as_bytes(), m, &[])).await;
            match expect {
                None => {
                    assert!(d.is_allowed(), "{what}: {:?}", d.refusal());
                    assert_eq!(
                        decided_header(&d, "access-control-allow-methods").as_deref(),
                        Some(m),
                        "{what}"
                    );
                    assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:?}");
                    assert_eq!(seen.one("access-control-allow-methods"), Some(m), "{what}");
                }
                Some(ok) => {
                    assert!(d.refusal().as_ref().is_some_and(ok), "{what}: {:?}", d.refusal());
                    check_refusal_headers(&d, &what);
                    if matches!(d.refusal(), Some(cors_core::Refusal::MethodNotAllowed(_))) {
                        // The allowed origin learns the allowed methods, never the refused one.
                        assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:?}");
                        assert!(seen.one("access-control-max-age").is_none(), "{what}: {seen:?}");
                    } else {
                        assert_eq!(seen.status, StatusCode::FORBIDDEN, "{what}: {seen:?}");
                        assert!(!seen.granted_any(), "{what}: {seen:?}");
                    }
                }
            }
        }
    }
    // Several lines, and bytes only decide() sees.
    for policy in [&list, &any] {
        let d = decide(policy, b"OPTIONS", &o, &[b"PUT", b"PUT"], &[]);
        assert_eq!(d.refusal(), Some(Refusal::SeveralRequestMethods));
        for m in [&b"PUT\0"[..], b"PUT\r\n", b"\x01", b"P\nUT"] {
            let ms: [&[u8]; 1] = [m];
            let d = decide(policy, b"OPTIONS", &o, &ms, &[]);
            assert!(
                matches!(d.refusal(), Some(Refusal::InvalidMethod(_))),
                "{:?}: {:?}",
                esc(m),
                d.refusal()
            );
        }
    }
    let seen = send(
        &list_app,
        request(
            "OPTIONS",
            "/api/echo",
            &[
                ("origin", ALLOWED.as_bytes()),
                ("access-control-request-method", b"PUT"),
                ("access-control-request-method", b"PUT"),
            ],
        ),
    )
    .await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN, "{seen:?}");
    assert!(!seen.granted_any(), "{seen:?}");
}

// ---------------------------------------------------------------------------------------------
// Property test over the middleware's responses

/// Origins the reference app's policies know, the base of the near misses.
const KNOWN_ORIGINS: &[&str] = &[
    ALLOWED,
    "https://app.allowed.example",
    "http://localhost",
    "http://app.localhost:7401",
    "http://partner.localhost:7402",
    "https://evil.net",
    "null",
];

/// Any bytes an HTTP/1.1 header value can carry: visible ASCII, space, tab, 0x80-0xFF.
fn wire_byte() -> impl Strategy<Value = u8> {
    prop_oneof![0x20u8..=0x7e, Just(b'\t'), 0x80u8..=0xff]
}

fn wire_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(wire_byte(), 0..max)
}

fn near_miss() -> impl Strategy<Value = Vec<u8>> {
    (select(KNOWN_ORIGINS), any::<prop::sample::Index>(), wire_bytes(6), 0u8..4).prop_map(
        |(base, at, bytes, how)| {
            let mut v = base.as_bytes().to_vec();
            let i = at.index(v.len() + 1);
            match how {
                0 => {
                    v.splice(i..i, bytes);
                }
                1 if i < v.len() => {
                    v.remove(i);
                }
                2 if i < v.len() => v[i] = v[i].to_ascii_uppercase(),
                _ => v.extend(bytes),
            }
            v
        },
    )
}

fn origin_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => select(KNOWN_ORIGINS).prop_map(|s| s.as_bytes().to_vec()),
        3 => near_miss(),
        1 => "https://[a-z0-9.-]{1,12}\\.allowed\\.example".prop_map(String::into_bytes),
        1 => "http://localhost:[0-9]{1,6}".prop_map(String::into_bytes),
        2 => wire_bytes(40),
    ]
}

fn method_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(vec!["GET", "POST", "PUT", "PATCH", "patch", "DELETE", "OPTIONS", "put", "*", "CONNECT", ""])
            .prop_map(|s| s.as_bytes().to_vec()),
        wire_bytes(12),
    ]
}

fn headers_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(vec![
            "content-type",
            "x-api-key",
            "x-partner-key",
            "authorization",
            "content-type, x-partner-key",
            "*",
            "",
            " , ,",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        wire_bytes(40),
    ]
}

fn pna_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![select(vec!["true", "TRUE", "false", ""]).prop_map(|s| s.as_bytes().to_vec()), wire_bytes(8)]
}

/// One generated request.
#[derive(Clone, Debug)]
struct Input {
    method: &'static str,
    path: &'static str,
    origin: Vec<Vec<u8>>,
    request_method: Vec<Vec<u8>>,
    request_headers: Vec<Vec<u8>>,
    private_network: Vec<Vec<u8>>,
}

fn input() -> impl Strategy<Value = Input> {
    use proptest::collection::vec;
    (
        select(vec!["OPTIONS", "OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
        select(PATHS),
        prop_oneof![4 => vec(origin_value(), 1..=1), 1 => vec(origin_value(), 0..=3)],
        vec(method_value(), 0..=2),
        vec(headers_value(), 0..=3),
        vec(pna_value(), 0..=1),
    )
        .prop_map(|(method, path, origin, request_method, request_headers, private_network)| Input {
            method,
            path,
            origin,
            request_method,
            request_headers,
            private_network,
        })
}

/// Who may be granted, under the app policy of this test and the reference app's own policies.
#[derive(Clone, Copy, Debug)]
enum Allowed {
    /// The app policy: `https://allowed.example`, `https://*.allowed.example`, `http://localhost:*`
    /// with credentials.
    App,
    /// `#[cors(any_origin)]`: `*`, no credentials.
    Any,
    /// This `scheme://host` on any port, or none: `scheme://host:*` (the handler and scope
    /// policies, with or without credentials).
    AnyPort(&'static str),
    /// `#[cors(disable)]`.
    Nobody,
}

const PATHS: &[&str] = &[
    "/api/echo",
    "/api/fail",
    "/api/needs-auth",
    "/api/nope",
    "/elsewhere",
    "/public/data",
    "/private/data",
    "/items",
    "/partner/orders",
    "/internal/ping",
];

/// The handler and scope policies of the reference app: (path, method, who). A request whose
/// method (for a preflight: its requested method) has no entry is governed by the app policy.
const GOVERNED: &[(&str, Option<&str>, Allowed)] = &[
    ("/public/data", Some("GET"), Allowed::Any),
    ("/private/data", Some("GET"), Allowed::AnyPort("http://app.localhost")),
    ("/items", Some("GET"), Allowed::AnyPort("http://app.localhost")),
    ("/items", Some("POST"), Allowed::AnyPort("http://partner.localhost")),
    ("/partner/orders", None, Allowed::AnyPort("http://partner.localhost")),
    ("/internal/ping", Some("GET"), Allowed::Nobody),
];

fn governing(input: &Input) -> Allowed {
    let preflight = input.method == "OPTIONS" && !input.origin.is_empty() && !input.request_method.is_empty();
    let method: &[u8] = match (preflight, input.request_method.as_slice()) {
        (false, _) => input.method.as_bytes(),
        (true, [one]) => one,
        (true, _) => b"",
    };
    GOVERNED
        .iter()
        .find(|(p, m, _)| *p == input.path && m.is_none_or(|m| m.as_bytes() == method))
        .map_or(Allowed::App, |(_, _, a)| *a)
}

/// An oracle for the app policy, written from the SPEC without the crate's code.
fn app_oracle(origin: &[u8]) -> bool {
    let Ok(o) = std::str::from_utf8(origin) else { return false };
    if o == ALLOWED {
        return true;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    if let Some(sub) = o.strip_prefix("https://").and_then(|h| h.strip_suffix(".allowed.example")) {
        let host_len = o.len() - "https://".len();
        // Numeric-only last labels are never reached here: the host ends in `allowed.example`.
        return host_len <= 253 && sub.split('.').all(label_ok);
    }
    any_port_of(o, "http://localhost")
}

/// An oracle for `BASE:*`: `o` is `base` itself or `base:PORT`, the port written as a browser
/// writes it (1 to 65535, no leading zero, not the scheme's default).
fn any_port_of(o: &str, base: &str) -> bool {
    let Some(rest) = o.strip_prefix(base) else { return false };
    if rest.is_empty() {
        return true;
    }
    let Some(port) = rest.strip_prefix(':') else { return false };
    let default = if base.starts_with("https://") { 443 } else { 80 };
    !port.is_empty()
        && port.len() <= 5
        && !port.starts_with('0')
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p) && p != default)
}

fn app_policy() -> Policy {
    build(
        with_common(Policy::builder().allow_origins([
            ALLOWED,
            "https://*.allowed.example",
            "http://localhost:*",
        ]))
        .allow_private_network(true),
    )
}

/// Any bytes in the four request headers, any method, any path of the reference app: no panic,
/// no 5xx but `/api/fail`'s, at most one `Access-Control-Allow-Origin` line, none unless the
/// request's single Origin is allowed where it went (or `*` on the any-origin handler), and
/// never `*` together with `Access-Control-Allow-Credentials`.
#[test]
fn property_middleware_grants_only_allowed_origins() {
    let runner = actix_rt::System::new();
    let app = runner.block_on(async { app!(app_policy()) });
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000);
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let mut test_runner = proptest::test_runner::TestRunner::new(config);
    let granted = Cell::new(0usize);
    let result = test_runner.run(&input(), |input| {
        let mut headers: Vec<(&str, &[u8])> = Vec::new();
        headers.extend(input.origin.iter().map(|v| ("origin", v.as_slice())));
        headers.extend(input.request_method.iter().map(|v| ("access-control-request-method", v.as_slice())));
        headers
            .extend(input.request_headers.iter().map(|v| ("access-control-request-headers", v.as_slice())));
        headers.extend(
            input.private_network.iter().map(|v| ("access-control-request-private-network", v.as_slice())),
        );
        let seen = runner.block_on(send(&app, request(input.method, input.path, &headers)));

        let is_fail = input.path == "/api/fail" && input.method == "GET";
        prop_assert!(
            !seen.status.is_server_error() || is_fail,
            "5xx {} for {input:?}: {seen:?}",
            seen.status
        );
        let acao = seen.lines("access-control-allow-origin");
        let acac = seen.lines("access-control-allow-credentials");
        prop_assert!(acao.len() <= 1, "several ACAO lines: {seen:?}");
        prop_assert!(acac.len() <= 1, "several ACAC lines: {seen:?}");
        prop_assert!(acac.is_empty() || !acao.is_empty(), "ACAC without ACAO: {seen:?}");
        let Some(acao) = acao.first() else {
            prop_assert!(!seen.granted_any(), "grant headers without ACAO: {seen:?}");
            return Ok(());
        };
        granted.set(granted.get() + 1);
        prop_assert!(
            input.origin.len() == 1,
            "granted with {} Origin lines: {input:?} {seen:?}",
            input.origin.len()
        );
        let origin = input.origin[0].as_slice();
        let allowed = governing(&input);
        if *acao == b"*" {
            prop_assert!(matches!(allowed, Allowed::Any), "`*` on {}: {seen:?}", input.path);
            prop_assert!(acac.is_empty(), "`*` with credentials: {seen:?}");
        } else {
            prop_assert_eq!(*acao, origin, "ACAO is not the request's origin: {:?}", seen);
            let ok = match allowed {
                Allowed::App => app_oracle(origin),
                Allowed::Any => false,
                Allowed::AnyPort(base) => std::str::from_utf8(origin).is_ok_and(|o| any_port_of(o, base)),
                Allowed::Nobody => false,
            };
            prop_assert!(ok, "granted {:?} on {}: {input:?} {seen:?}", esc(origin), input.path);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("[hostile] property: {cases} requests, {} granted", granted.get());
    assert!(granted.get() > 0, "the generator never produced a granted request");
}

// ---------------------------------------------------------------------------------------------
// Over TCP, against the env-server binary

/// Raw bytes over HTTP/1.1 to the `env-server` binary: hostile values that reach the middleware
/// are refused without CORS headers; inputs actix-web's parser answers itself (a control byte
/// in a header value: 400; more than 96 header lines: 431) carry no CORS headers either; and
/// the server keeps serving.
#[test]
fn raw_hostile_bytes_over_http() {
    let mut server = EnvServer::start(&[
        ("CORS_ALLOWED_ORIGINS", ALLOWED),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_ALLOWED_METHODS", "PUT"),
        ("CORS_ALLOWED_HEADERS", "content-type,x-api-key"),
    ]);
    let raw = |extra: &[u8]| {
        let mut r = b"GET /api/echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\n".to_vec();
        r.extend_from_slice(extra);
        r.extend_from_slice(b"\r\n");
        r
    };
    let preflight = |extra: &[u8]| {
        let mut r = b"OPTIONS /api/echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: https://allowed.example\r\naccess-control-request-method: PUT\r\n".to_vec();
        r.extend_from_slice(extra);
        r.extend_from_slice(b"\r\n");
        r
    };
    let no_cors = |res: &wire::Response, what: &str| {
        assert!(
            !res.headers.iter().any(|(n, _)| n.starts_with("access-control-")),
            "{what}: CORS headers on {res:?}"
        );
    };
    // Reaches the middleware: refused, no CORS headers.
    let mut acrh = b"access-control-request-headers: (bad),".to_vec();
    acrh.resize(acrh.len() + 64 * 1024, b'a');
    acrh.extend_from_slice(b"\r\n");
    // 90 lines of 200 bytes: over the 16 KiB bound, refused before any is parsed. (Short lines
    // of names the policy does not list would be answered naming the first of them.)
    let mut ninety = Vec::new();
    for i in 0..90 {
        ninety.extend_from_slice(
            format!("access-control-request-headers: x-{i}-{}\r\n", "a".repeat(195)).as_bytes(),
        );
    }
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("Origin with 0xff", raw(b"origin: https://allowed.example\xff\r\n"), 200),
        ("Origin with UTF-8", raw("origin: https://allowéd.example\r\n".as_bytes()), 200),
        ("8 KiB Origin", raw(format!("origin: https://{}.example\r\n", "a".repeat(8192)).as_bytes()), 200),
        (
            "two Origin lines",
            raw(b"origin: https://allowed.example\r\norigin: https://allowed.example\r\n"),
            200,
        ),
        ("userinfo Origin", raw(b"origin: https://u@allowed.example\r\n"), 200),
        ("64 KiB request headers", preflight(&acrh), 403),
        ("90 request-header lines", preflight(&ninety), 403),
        ("request headers with 0xff", preflight(b"access-control-request-headers: x-a\xff\r\n"), 403),
    ];
    for (what, bytes, status) in &cases {
        let res =
            wire::send(&server.addr, bytes).unwrap_or_else(|e| panic!("{what}: {e}\n{}", server.output()));
        assert_eq!(res.status, *status, "{what}: {res:?}");
        no_cors(&res, what);
    }
    // Answered by the parser before any middleware: 4xx, no CORS headers (or the connection
    // closed without an answer).
    let mut lines = Vec::new();
    for i in 0..100 {
        lines.extend_from_slice(format!("x-h{i}: v\r\n").as_bytes());
    }
    let mut huge = b"x-big: ".to_vec();
    huge.resize(140 * 1024, b'a');
    huge.extend_from_slice(b"\r\n");
    let parser_cases: Vec<(&str, Vec<u8>)> = vec![
        ("control byte in Origin", raw(b"origin: https://allowed.example\x01\r\n")),
        ("NUL in Origin", raw(b"origin: https://allowed.\0example\r\n")),
        ("CR in Origin", raw(b"origin: https://allowed.example\rx\r\n")),
        ("100 header lines", raw(&[b"origin: https://allowed.example\r\n".to_vec(), lines].concat())),
        ("head over 128 KiB", raw(&[b"origin: https://allowed.example\r\n".to_vec(), huge].concat())),
    ];
    for (what, bytes) in &parser_cases {
        match wire::send(&server.addr, bytes) {
            Ok(res) => {
                assert!((400..500).contains(&res.status), "{what}: {res:?}");
                no_cors(&res, what);
            }
            Err(e) => eprintln!("[hostile] {what}: connection closed without an answer ({e})"),
        }
    }
    // The refusals were logged (the binary logs target `cors` at debug) with the client's values
    // escaped and truncated (SPEC section 4): 0xff as `\xff`, the 8 KiB origin cut to 128 bytes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut out = server.output();
    while !(out.contains(r"https://allowed.example\xff") && out.contains("bytes)"))
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
        out = server.output();
    }
    assert!(
        out.contains(r#"origin "https://allowed.example\xff" is not allowed"#),
        "0xff not escaped:\n{out}"
    );
    assert!(out.contains(r"origin=https://u@allowed.example"), "userinfo refusal not logged:\n{out}");
    assert!(out.contains("... (8208 bytes)"), "8 KiB origin not truncated:\n{out}");
    let longest = out.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 2048, "a log line of {longest} bytes: client values must be truncated");
    assert!(!out.contains('\u{fffd}'), "a raw non-UTF-8 byte reached the log");

    // Still serving, and granting the allowed origin.
    let res = wire::send(&server.addr, &raw(b"origin: https://allowed.example\r\n")).unwrap();
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.header("access-control-allow-origin"), Some(ALLOWED), "{res:?}");
    assert!(server.is_running(), "env-server exited:\n{}", server.output());
}
