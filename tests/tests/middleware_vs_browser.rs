//! The middleware against the browser (issue 13): for generated policies and the requests pages
//! make, the page can read the response exactly when the policy allows the request, and when it
//! cannot, the browser's reason and the server's log line name the same cause.
//!
//! Each case builds an app in process (one route that answers every method, wrapped in
//! `cors_actix::Cors::new(policy)`) and drives `cors_core::client::Fetch` by hand: every request
//! the browser would put on the wire (the preflight when one is needed, then the actual request)
//! goes to the app, and every response goes back to the fetch, until the verdict. Three things
//! are compared:
//!
//! - the **oracle**, computed in this file from the generated parameters alone: the page's
//!   origin against the listed origins (exact, `https://*.app.example` meaning one or more labels
//!   in front of `app.example` with no port, or `*`); whether a preflight is needed (a method
//!   other than GET, HEAD and POST after the browser upper-cases the six names it normalises, or
//!   a header that is not CORS-safelisted — each header value in the pools below is marked safe
//!   or unsafe by hand); the method against the allowed ones (case-sensitive, GET, HEAD and POST
//!   always allowed, `*` any); each unsafe header against the allowed ones (case-insensitive;
//!   `*` covers every name but `authorization`, which must be listed beside it); and
//!   `credentials: 'include'` against the policy's credentials. The builder never writes a
//!   literal `*` in `Access-Control-Allow-Methods` or `-Allow-Headers` (it echoes what was asked
//!   for), so `*` in a policy means "any" with and without credentials;
//! - the **browser's verdict** and its `Reason`;
//! - the **server's log**: the `CORS request refused: …` lines the middleware writes (target
//!   `cors`, debug), captured with `tests::log::with_log`.
//!
//! The mapping between the browser's reason and the server's log line:
//!
//! | cause (first that fails) | browser's `Reason` | server's log |
//! |---|---|---|
//! | origin not allowed | `PreflightCors(MissingAllowOrigin)` or `Cors(MissingAllowOrigin)` | `origin "…" is not allowed`, for the preflight (`method=OPTIONS`) or the actual request |
//! | `include` without credentials in the policy | `…(InvalidAllowCredentials)`, or `…(WildcardOriginWithCredentials)` under `*` | nothing when the server granted the rest; the server cannot see a credentials mode |
//! | method not allowed | `MethodNotAllowed { method }` | `method "<method>" is not allowed` (`method=OPTIONS`) |
//! | request header not allowed | `HeaderNotAllowed { name }`, the first refused name in the sorted, lower-case list the preflight sends | `request header "<name>" is not allowed` (`method=OPTIONS`) |
//!
//! The browser checks a preflight's response in the order origin, credentials, method, headers;
//! the server decides in the order origin, method, headers. So when `include` meets a policy
//! without credentials *and* the method or a header is refused, the browser reports the
//! credentials and the server logs the method or the header: the oracle computes each side's
//! first failure in its own order.
//!
//! A page on the API's own origin (`https://api.example`) makes a same-origin request: no CORS
//! check, the page always reads the response (with `block_disallowed`, a 403). Browsers still
//! send `Origin` on a same-origin request that is not GET or HEAD, so the server logs an origin
//! refusal when the policy does not list its own origin; the property expects that line too.
//!
//! `PROPTEST_CASES` sets the number of cases (512 by default).

use std::cell::Cell;

use actix_web::http::Method;
use actix_web::test::{init_service, TestRequest};
use actix_web::{web, App, HttpResponse};
use cors_actix::{Cors, Policy};
use cors_core::client::{CorsCheckFailure, CredentialsMode, Fetch, Outgoing, PageRequest, Reason, Response};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};

/// The API's origin and the URL every page fetches.
const API: &str = "https://api.example";
const PATH: &str = "/items";

// ---------------------------------------------------------------------------------------------
// What is generated

/// Entries a policy may list (all valid with credentials: the `http` one is loopback).
const ORIGIN_ENTRIES: [&str; 4] =
    ["https://app.example", "https://admin.example", "http://localhost:3000", "https://*.app.example"];

/// Origins pages are on: allowed by some entry above, near misses, and the API's own origin.
const PAGE_ORIGINS: [&str; 16] = [
    "https://app.example",
    "https://admin.example",
    "http://localhost:3000",
    "http://localhost:3001",
    "https://api.app.example",
    "https://a.b.app.example",
    "https://app.example:8443",
    "https://x.app.example:8443",
    // A host of its own: the trailing dot is kept by browsers and the URL Standard.
    "https://api.app.example.",
    "http://app.example",
    "http://api.app.example",
    "https://evilapp.example",
    "https://app.example.evil.example",
    "https://evil.example",
    "null",
    API,
];

/// Methods a policy may list, as a user writes them (`put` is upper-cased by the builder, `patch`
/// is kept as written).
const METHOD_ENTRIES: [&str; 6] = ["PUT", "PATCH", "DELETE", "OPTIONS", "put", "patch"];

/// Methods pages send, as the page writes them.
const PAGE_METHODS: [&str; 10] =
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "put", "patch", "delete"];

/// Request headers a policy may list, as a user writes them.
const HEADER_ENTRIES: [&str; 5] = ["content-type", "X-Api-Key", "x-requested-with", "Authorization", "range"];

/// Response headers a policy may expose.
const EXPOSE_ENTRIES: [&str; 2] = ["x-request-id", "x-total-count"];

/// One header value a page may set, and whether it is CORS-safelisted (decided by hand from the
/// Fetch standard's rules, not by the library).
type Value = (&'static str, bool);

/// 129 bytes of an otherwise safelisted `Accept`.
const LONG_ACCEPT: &str = "application/json,text/plain,text/html,application/xml,image/png,image/webp,image/avif,text/css,text/csv,text/markdown,audio/ogg12";

/// Request headers pages set, each with the values it may take (names in any case).
const PAGE_HEADERS: [(&str, &[Value]); 9] = [
    (
        "Content-Type",
        &[
            ("text/plain", true),
            ("text/plain;charset=UTF-8", true),
            // The essence is compared lower-cased, whitespace before `;` is not part of it.
            ("TEXT/PLAIN ; charset=utf-8", true),
            ("application/x-www-form-urlencoded", true),
            ("multipart/form-data; boundary=x", true),
            ("application/json", false),
            ("text/html", false),
        ],
    ),
    // `(` is a CORS-unsafe request-header byte.
    // Over 128 bytes, any safelisted header needs the preflight.
    ("Accept", &[("application/json", true), ("text/html (q)", false), (LONG_ACCEPT, false)]),
    // Language tags: letters, digits, space and `*,-.;=` only.
    ("Accept-Language", &[("en-US,en;q=0.9", true), ("en/US", false)]),
    ("content-language", &[("de-DE", true), ("de_DE", false)]),
    ("X-Api-Key", &[("k1", false)]),
    ("X-Requested-With", &[("XMLHttpRequest", false)]),
    ("Authorization", &[("Bearer t0k3n", false)]),
    // A suffix range has no start, and is not safelisted.
    ("Range", &[("bytes=0-99", true), ("bytes=-500", false)]),
    // Listed by no policy: only `*` allows it.
    ("X-Trace", &[("1", false)]),
];

#[derive(Clone, Debug)]
enum Origins {
    Any,
    List(Vec<&'static str>),
}

#[derive(Clone, Debug)]
enum Methods {
    /// Not set: GET, HEAD and POST.
    Default,
    Any,
    List(Vec<&'static str>),
}

#[derive(Clone, Debug)]
enum Headers {
    List(Vec<&'static str>),
    /// `*`, and these names beside it.
    Any(Vec<&'static str>),
}

#[derive(Clone, Debug)]
enum Exposed {
    List(Vec<&'static str>),
    Any,
}

#[derive(Clone, Debug)]
struct PolicySpec {
    origins: Origins,
    methods: Methods,
    headers: Headers,
    exposed: Exposed,
    credentials: bool,
    preflight_200: bool,
    block_disallowed: bool,
    /// Preflights go to the handler, which the middleware's headers then decorate.
    preflight_continue: bool,
    debug: bool,
    max_age: Option<u32>,
}

impl PolicySpec {
    fn build(&self) -> Policy {
        let mut b = Policy::builder();
        b = match &self.origins {
            Origins::Any => b.allow_any_origin(),
            Origins::List(list) => b.allow_origins(list.iter().copied()),
        };
        b = match &self.methods {
            Methods::Default => b,
            Methods::Any => b.allow_any_method(),
            Methods::List(list) => b.allow_methods(list.iter().copied()),
        };
        b = match &self.headers {
            Headers::List(list) => b.allow_headers(list.iter().copied()),
            Headers::Any(also) => b.allow_any_header().allow_headers(also.iter().copied()),
        };
        b = match &self.exposed {
            Exposed::List(list) => b.expose_headers(list.iter().copied()),
            Exposed::Any => b.expose_any_header(),
        };
        b = b
            .allow_credentials(self.credentials)
            .preflight_status(if self.preflight_200 { 200 } else { 204 })
            .block_disallowed(self.block_disallowed)
            .preflight_continue(self.preflight_continue)
            .debug(self.debug);
        if let Some(age) = self.max_age {
            b = b.max_age(age);
        }
        b.build().unwrap_or_else(|e| panic!("the generator makes valid policies only: {self:?}: {e}"))
    }
}

#[derive(Clone, Debug)]
struct PageSpec {
    origin: &'static str,
    method: &'static str,
    /// Name, value, safelisted; each name at most once.
    headers: Vec<(&'static str, &'static str, bool)>,
    credentials: CredentialsMode,
}

/// Only valid policies: `*` origins and `*` exposed headers only without credentials.
fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    any::<bool>().prop_flat_map(|credentials| {
        let list = subsequence(ORIGIN_ENTRIES.to_vec(), 1..=ORIGIN_ENTRIES.len()).prop_map(Origins::List);
        let origins =
            if credentials { list.boxed() } else { prop_oneof![1 => Just(Origins::Any), 3 => list].boxed() };
        let methods = prop_oneof![
            1 => Just(Methods::Default),
            1 => Just(Methods::Any),
            3 => subsequence(METHOD_ENTRIES.to_vec(), 0..=METHOD_ENTRIES.len()).prop_map(Methods::List),
        ];
        let headers = prop_oneof![
            3 => subsequence(HEADER_ENTRIES.to_vec(), 0..=HEADER_ENTRIES.len()).prop_map(Headers::List),
            1 => prop_oneof![Just(vec![]), Just(vec!["authorization"]), Just(vec!["x-api-key", "Authorization"])]
                .prop_map(Headers::Any),
        ];
        let expose_list = subsequence(EXPOSE_ENTRIES.to_vec(), 0..=EXPOSE_ENTRIES.len()).prop_map(Exposed::List);
        let exposed = if credentials {
            expose_list.boxed()
        } else {
            prop_oneof![3 => expose_list, 1 => Just(Exposed::Any)].boxed()
        };
        let flags = (any::<bool>(), any::<bool>(), proptest::bool::weighted(0.2), any::<bool>());
        (origins, methods, headers, exposed, flags, proptest::option::of(0u32..=600)).prop_map(
            move |(origins, methods, headers, exposed, flags, max_age)| {
                let (preflight_200, block_disallowed, preflight_continue, debug) = flags;
                PolicySpec {
                    origins,
                    methods,
                    headers,
                    exposed,
                    credentials,
                    preflight_200,
                    block_disallowed,
                    preflight_continue,
                    debug,
                    max_age,
                }
            },
        )
    })
}

fn page_spec() -> impl Strategy<Value = PageSpec> {
    let headers: Vec<_> = PAGE_HEADERS
        .iter()
        .map(|&(name, values)| {
            proptest::option::weighted(0.25, select(values.to_vec()))
                .prop_map(move |v| v.map(|(value, safe)| (name, value, safe)))
        })
        .collect();
    (
        select(PAGE_ORIGINS.to_vec()),
        select(PAGE_METHODS.to_vec()),
        headers,
        select(vec![CredentialsMode::Omit, CredentialsMode::SameOrigin, CredentialsMode::Include]),
    )
        .prop_map(|(origin, method, headers, credentials)| PageSpec {
            origin,
            method,
            headers: headers.into_iter().flatten().collect(),
            credentials,
        })
}

// ---------------------------------------------------------------------------------------------
// The oracle

/// A cause of refusal, as both sides can name it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cause {
    Origin,
    Credentials,
    Method(String),
    Header(String),
}

#[derive(Debug)]
struct Expected {
    /// The page can read the response.
    allowed: bool,
    /// The browser sends a preflight first.
    preflight: bool,
    /// The browser's reason, when blocked.
    client: Option<Cause>,
    /// The server's logged refusal, if any, and the method of the request it logs it for.
    server: Option<(Cause, String)>,
}

/// The method as a browser sends it: the six names it normalises upper-cased, others as written.
/// The builder applies the same rule to configured methods.
fn normalise(method: &str) -> String {
    let upper = method.to_ascii_uppercase();
    if ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].contains(&upper.as_str()) {
        upper
    } else {
        method.to_string()
    }
}

fn origin_allowed(policy: &PolicySpec, origin: &str) -> bool {
    let entries = match &policy.origins {
        Origins::Any => return true,
        Origins::List(list) => list,
    };
    entries.iter().any(|entry| match entry.strip_prefix("https://*.") {
        // One or more labels in front of the suffix, the default port only.
        Some(suffix) => origin.strip_prefix("https://").is_some_and(|host| {
            !host.contains(':')
                && host
                    .strip_suffix(suffix)
                    .and_then(|front| front.strip_suffix('.'))
                    .is_some_and(|f| !f.is_empty())
        }),
        None => *entry == origin,
    })
}

fn method_allowed(policy: &PolicySpec, method: &str) -> bool {
    if ["GET", "HEAD", "POST"].contains(&method) {
        return true;
    }
    match &policy.methods {
        Methods::Default => false,
        Methods::Any => true,
        Methods::List(list) => list.iter().any(|m| normalise(m) == method),
    }
}

/// `name` is lower case, as the preflight sends it.
fn header_allowed(policy: &PolicySpec, name: &str) -> bool {
    match &policy.headers {
        Headers::List(list) => list.iter().any(|h| h.eq_ignore_ascii_case(name)),
        Headers::Any(also) => name != "authorization" || also.iter().any(|h| h.eq_ignore_ascii_case(name)),
    }
}

fn oracle(policy: &PolicySpec, page: &PageSpec) -> Expected {
    let method = normalise(page.method);
    if page.origin == API {
        // Same origin: no CORS check. `Origin` goes along unless the method is GET or HEAD.
        let sends_origin = !matches!(method.as_str(), "GET" | "HEAD");
        let server = (sends_origin && !origin_allowed(policy, API)).then(|| (Cause::Origin, method.clone()));
        return Expected { allowed: true, preflight: false, client: None, server };
    }
    let mut unsafe_names: Vec<String> =
        page.headers.iter().filter(|(_, _, safe)| !safe).map(|(n, _, _)| n.to_ascii_lowercase()).collect();
    unsafe_names.sort();
    let preflight = !["GET", "HEAD", "POST"].contains(&method.as_str()) || !unsafe_names.is_empty();

    let origin_ok = origin_allowed(policy, page.origin);
    let credentials_ok = page.credentials != CredentialsMode::Include || policy.credentials;
    let method_ok = !preflight || method_allowed(policy, &method);
    let refused_header =
        if preflight { unsafe_names.iter().find(|n| !header_allowed(policy, n)) } else { None };

    let server_cause = if !origin_ok {
        Some(Cause::Origin)
    } else if !method_ok {
        Some(Cause::Method(method.clone()))
    } else {
        refused_header.map(|h| Cause::Header(h.clone()))
    };
    let logged_for = if preflight { "OPTIONS".to_string() } else { method.clone() };
    let client = if !origin_ok {
        Some(Cause::Origin)
    } else if !credentials_ok {
        Some(Cause::Credentials)
    } else if !method_ok {
        Some(Cause::Method(method.clone()))
    } else {
        refused_header.map(|h| Cause::Header(h.clone()))
    };
    Expected { allowed: client.is_none(), preflight, client, server: server_cause.map(|c| (c, logged_for)) }
}

// ---------------------------------------------------------------------------------------------
// The two sides, as observed

fn client_cause(reason: &Reason) -> Option<Cause> {
    match reason {
        Reason::PreflightCors(CorsCheckFailure::MissingAllowOrigin)
        | Reason::Cors(CorsCheckFailure::MissingAllowOrigin) => Some(Cause::Origin),
        Reason::PreflightCors(
            CorsCheckFailure::InvalidAllowCredentials { .. }
            | CorsCheckFailure::WildcardOriginWithCredentials,
        )
        | Reason::Cors(
            CorsCheckFailure::InvalidAllowCredentials { .. }
            | CorsCheckFailure::WildcardOriginWithCredentials,
        ) => Some(Cause::Credentials),
        Reason::MethodNotAllowed { method, .. } => Some(Cause::Method(method.clone())),
        Reason::HeaderNotAllowed { name, .. } => Some(Cause::Header(name.clone())),
        _ => None,
    }
}

/// One `CORS request refused: …` line: the cause its reason names, the quoted value, and the
/// `origin=` and `method=` fields.
#[derive(Debug, PartialEq, Eq)]
struct Logged {
    cause: Option<Cause>,
    origin: String,
    method: String,
    path: String,
    line: String,
}

fn quoted_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(prefix)?.strip_prefix('"')?;
    let (value, tail) = rest.split_once('"')?;
    tail.starts_with(" is not allowed").then_some(value)
}

fn refusals(log: &str) -> Vec<Logged> {
    log.lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once("CORS request refused: ")?;
            let (reason, fields) = rest.rsplit_once(" origin=")?;
            let (origin, fields) = fields.split_once(" method=")?;
            let (method, path) = fields.split_once(" path=")?;
            let cause = if let Some(o) = quoted_after(reason, "origin ") {
                (o == origin).then_some(Cause::Origin)
            } else if let Some(m) = quoted_after(reason, "method ") {
                Some(Cause::Method(m.to_string()))
            } else {
                quoted_after(reason, "request header ").map(|h| Cause::Header(h.to_string()))
            };
            Some(Logged {
                cause,
                origin: origin.to_string(),
                method: method.to_string(),
                path: path.trim_end().to_string(),
                line: line.to_string(),
            })
        })
        .collect()
}

fn to_test_request(out: &Outgoing) -> actix_http::Request {
    let method = Method::from_bytes(out.method.as_bytes()).expect("a browser's method is a token");
    let mut req = TestRequest::default().method(method).uri(&out.url.path_and_query());
    for h in &out.headers {
        req = req.append_header((h.name.as_str(), h.value.as_slice()));
    }
    req.to_request()
}

/// What one case observed.
struct Observed {
    /// Requests sent: (preflight?, status).
    sent: Vec<(bool, u16)>,
    verdict: cors_core::client::Verdict,
    log: String,
}

fn run_case(policy: &PolicySpec, page: &PageSpec) -> Observed {
    let mut request = PageRequest::builder(page.origin, format!("{API}{PATH}"))
        .method(page.method)
        .credentials(page.credentials);
    for (name, value, _) in &page.headers {
        request = request.header(*name, *value);
    }
    let request = request.build().unwrap_or_else(|e| panic!("fetch() accepts every generated request: {e}"));
    let policy = policy.build();
    let mut observed = None;
    tests::log::with_log(|log| {
        let observed = &mut observed;
        async move {
            let app = init_service(
                App::new()
                    .route(
                        PATH,
                        web::route().to(|| async {
                            HttpResponse::Ok().insert_header(("X-Request-Id", "7")).body("ok")
                        }),
                    )
                    .wrap(Cors::new(policy)),
            )
            .await;
            let mut fetch = Fetch::new(request);
            let mut sent = Vec::new();
            while let Some(out) = fetch.next_request().cloned() {
                let reply = tests::inproc::send(&app, to_test_request(&out)).await;
                let mut response = Response::new(reply.status.as_u16());
                for (name, value) in reply.headers.iter() {
                    response.push_header(name.as_str(), value.as_bytes());
                }
                sent.push((out.kind == cors_core::client::ExchangeKind::Preflight, reply.status.as_u16()));
                fetch.receive(response);
            }
            let verdict = fetch.verdict().expect("no request pending means a verdict").clone();
            *observed = Some(Observed { sent, verdict, log: log.take() });
        }
    });
    observed.expect("the case ran")
}

// ---------------------------------------------------------------------------------------------
// The property

#[derive(Default)]
struct Tally {
    allowed_cross: Cell<usize>,
    same_origin: Cell<usize>,
    preflights: Cell<usize>,
    blocked_origin: Cell<usize>,
    blocked_credentials: Cell<usize>,
    blocked_method: Cell<usize>,
    blocked_header: Cell<usize>,
    split_causes: Cell<usize>,
}

fn bump(c: &Cell<usize>) {
    c.set(c.get() + 1);
}

fn check(policy: &PolicySpec, page: &PageSpec, tally: &Tally) -> Result<(), TestCaseError> {
    let expected = oracle(policy, page);
    let seen = run_case(policy, page);
    let context = || {
        format!("\npolicy: {policy:?}\npage: {page:?}\nexpected: {expected:?}\nsent: {:?}\nverdict: {:?}\nlog:\n{}", seen.sent, seen.verdict, seen.log)
    };

    // Whether the browser preflights (the client's rule against the hand-marked safelist).
    prop_assert_eq!(seen.sent.first().map(|s| s.0), Some(expected.preflight), "preflight{}", context());

    // (a) The page reads the response exactly when the policy allows the request.
    prop_assert_eq!(seen.verdict.is_allowed(), expected.allowed, "verdict{}", context());
    match &seen.verdict {
        cors_core::client::Verdict::Allowed(allowed) => {
            // The handler answered (or, same-origin, `block_disallowed` did).
            let status = allowed.status;
            let blocked_same_origin =
                page.origin == API && expected.server.is_some() && policy.block_disallowed;
            prop_assert_eq!(status, if blocked_same_origin { 403 } else { 200 }, "status{}", context());
            prop_assert_eq!(
                seen.sent.len(),
                1 + usize::from(expected.preflight),
                "requests sent{}",
                context()
            );
        }
        cors_core::client::Verdict::Blocked(blocked) => {
            // (b) The browser's reason is the cause the oracle finds first in the browser's order.
            let cause = client_cause(&blocked.reason);
            prop_assert_eq!(&cause, &expected.client, "browser's reason {:?}{}", blocked.reason, context());
        }
    }

    // (b) The server logs exactly the refusal the oracle finds first in the server's order, for
    // the request it refused, once.
    let logged = refusals(&seen.log);
    match &expected.server {
        None => prop_assert!(logged.is_empty(), "unexpected refusal logged{}", context()),
        Some((cause, method)) => {
            prop_assert_eq!(logged.len(), 1, "one refusal line{}", context());
            let line = &logged[0];
            prop_assert_eq!(line.cause.as_ref(), Some(cause), "logged cause: {}{}", line.line, context());
            prop_assert_eq!(&line.method, method, "logged method{}", context());
            prop_assert_eq!(line.origin.as_str(), page.origin, "logged origin{}", context());
            prop_assert_eq!(line.path.as_str(), PATH, "logged path{}", context());
        }
    }

    if page.origin == API {
        bump(&tally.same_origin);
    } else if expected.allowed {
        bump(&tally.allowed_cross);
    }
    if expected.preflight {
        bump(&tally.preflights);
    }
    match &expected.client {
        Some(Cause::Origin) => bump(&tally.blocked_origin),
        Some(Cause::Credentials) => bump(&tally.blocked_credentials),
        Some(Cause::Method(_)) => bump(&tally.blocked_method),
        Some(Cause::Header(_)) => bump(&tally.blocked_header),
        None => {}
    }
    if expected.client.is_some() && expected.server.as_ref().map(|s| &s.0) != expected.client.as_ref() {
        bump(&tally.split_causes);
    }
    Ok(())
}

#[test]
fn middleware_agrees_with_the_browser() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512);
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let tally = Tally::default();
    let result = TestRunner::new(config)
        .run(&(policy_spec(), page_spec()), |(policy, page)| check(&policy, &page, &tally));
    if let Err(e) = result {
        panic!("{e}");
    }
    // The generator reaches every outcome, or the property says little.
    if cases >= 256 {
        for (what, n) in [
            ("allowed cross-origin", &tally.allowed_cross),
            ("same-origin", &tally.same_origin),
            ("preflighted", &tally.preflights),
            ("blocked for the origin", &tally.blocked_origin),
            ("blocked for credentials", &tally.blocked_credentials),
            ("blocked for the method", &tally.blocked_method),
            ("blocked for a header", &tally.blocked_header),
            ("blocked with the two sides naming different causes", &tally.split_causes),
        ] {
            assert!(n.get() > 0, "no case was {what} in {cases} cases");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle's own rules, on cases worked by hand

#[test]
fn oracle_subdomain_pattern_needs_a_label_and_no_port() {
    let policy = PolicySpec {
        origins: Origins::List(vec!["https://*.app.example"]),
        methods: Methods::Default,
        headers: Headers::List(vec![]),
        exposed: Exposed::List(vec![]),
        credentials: false,
        preflight_200: false,
        block_disallowed: false,
        preflight_continue: false,
        debug: false,
        max_age: None,
    };
    for (origin, ok) in [
        ("https://api.app.example", true),
        ("https://a.b.app.example", true),
        ("https://app.example", false),
        ("https://evilapp.example", false),
        ("https://x.app.example:8443", false),
        ("http://api.app.example", false),
        ("https://app.example.evil.example", false),
    ] {
        assert_eq!(origin_allowed(&policy, origin), ok, "{origin}");
        assert_eq!(policy.build().allows_origin(origin.as_bytes()), ok, "the library on {origin}");
    }
}

#[test]
fn oracle_orders_causes_per_side() {
    let policy = PolicySpec {
        origins: Origins::List(vec!["https://app.example"]),
        methods: Methods::List(vec!["PUT"]),
        headers: Headers::Any(vec![]),
        exposed: Exposed::List(vec![]),
        credentials: false,
        preflight_200: false,
        block_disallowed: false,
        preflight_continue: false,
        debug: false,
        max_age: None,
    };
    let page = PageSpec {
        origin: "https://app.example",
        method: "delete",
        headers: vec![("Authorization", "Bearer t0k3n", false)],
        credentials: CredentialsMode::Include,
    };
    let expected = oracle(&policy, &page);
    assert!(expected.preflight && !expected.allowed);
    assert_eq!(expected.client, Some(Cause::Credentials));
    assert_eq!(expected.server, Some((Cause::Method("DELETE".into()), "OPTIONS".into())));
    let page = PageSpec { method: "PUT", credentials: CredentialsMode::Omit, ..page };
    let expected = oracle(&policy, &page);
    assert_eq!(expected.client, Some(Cause::Header("authorization".into())));
    assert_eq!(expected.server, Some((Cause::Header("authorization".into()), "OPTIONS".into())));
    // And the two sides agree with it on the wire.
    let seen = run_case(&policy, &page);
    assert_eq!(seen.verdict.reason().and_then(client_cause), expected.client, "{}", seen.log);
    let logged = refusals(&seen.log);
    assert_eq!(logged.len(), 1, "{}", seen.log);
    assert_eq!(logged[0].cause, Some(Cause::Header("authorization".into())), "{}", seen.log);
}
