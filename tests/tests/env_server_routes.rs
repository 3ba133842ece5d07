//! The reference server's app (`examples::env_server::routes`), built in-process under the same
//! kind of policy `env-server` reads from `CORS_*`, behaves as its docs say, and every response a
//! client gets from an allowed origin carries `Access-Control-Allow-Origin`, errors included
//! (SPEC section 3: a handler's `Err`, an inner middleware's `Err`, a routing 404).
//!
//! Responses are read the way a client receives them: `app.call(req)` and, when the service
//! returns `Err`, the error's own response (`e.error_response()`), which is what actix-web's
//! dispatcher writes on the wire.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use actix_web::{test, App, Error};
use cors_actix::{Cors, Policy};

/// Extra request headers.
type Extra<'a> = &'a [(&'a str, &'a str)];

/// On `app.localhost`, which the compiled-in `/private/data` and `GET /items` policies allow on any
/// port (`http://app.localhost:*`); the port is arbitrary (nothing listens on it).
const ALLOWED: &str = "http://app.localhost:5173";
/// On `partner.localhost`, which the `/partner` scope and `POST /items` allow on any port.
const OTHER: &str = "http://partner.localhost:3000";

/// What the client sees.
#[derive(Debug)]
struct Seen {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    /// The service returned `Err` (turned into its response).
    was_err: bool,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("header value is ASCII"))
    }

    fn vary_tokens(&self) -> Vec<String> {
        self.headers
            .get_all("vary")
            .flat_map(|v| v.to_str().unwrap_or_default().split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn has_allow_headers(&self) -> bool {
        self.headers.keys().any(|k| k.as_str().starts_with("access-control-allow-"))
    }
}

fn policy(vars: &[(&str, &str)]) -> Policy {
    Policy::from_vars("CORS", vars.iter().copied()).unwrap_or_else(|e| panic!("policy {vars:?}: {e}"))
}

/// The policy of the tests: what `CORS_ALLOWED_ORIGINS=http://app.localhost:5173
/// CORS_EXPOSED_HEADERS=x-request-id env-server` would serve.
fn default_policy() -> Policy {
    policy(&[("CORS_ALLOWED_ORIGINS", ALLOWED), ("CORS_EXPOSED_HEADERS", "x-request-id")])
}

async fn send<S, B>(app: &S, req: actix_http::Request) -> Seen
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let r = tests::inproc::send(app, req).await;
    Seen { status: r.status, headers: r.headers, body: r.body, was_err: r.was_err }
}

fn request(method: Method, path: &str, origin: Option<&str>, extra: &[(&str, &str)]) -> actix_http::Request {
    let mut req = test::TestRequest::default().method(method).uri(path);
    if let Some(origin) = origin {
        req = req.insert_header(("Origin", origin));
    }
    for (k, v) in extra {
        req = req.insert_header((*k, *v));
    }
    req.to_request()
}

/// Asserts the CORS grant of an actual request from `ALLOWED`.
fn assert_granted(seen: &Seen, what: &str) {
    assert_eq!(seen.header("access-control-allow-origin"), Some(ALLOWED), "{what}: {seen:#?}");
    assert_eq!(seen.header("access-control-expose-headers"), Some("x-request-id"), "{what}: {seen:#?}");
    assert_eq!(seen.header("access-control-allow-credentials"), None, "{what}: {seen:#?}");
    assert!(seen.vary_tokens().iter().any(|t| t == "origin"), "{what}: Vary lacks Origin: {seen:#?}");
}

const ECHO_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

#[actix_web::test]
async fn echo_answers_every_documented_method_with_and_without_origin() {
    let app = test::init_service(
        App::new().configure(examples::env_server::routes).wrap(Cors::new(default_policy())),
    )
    .await;
    for m in ECHO_METHODS {
        let method = Method::from_bytes(m.as_bytes()).unwrap();
        for origin in [None, Some(ALLOWED)] {
            let what = format!("{m} /api/echo, Origin {origin:?}");
            let seen = send(&app, request(method.clone(), "/api/echo", origin, &[])).await;
            assert_eq!(seen.status, StatusCode::OK, "{what}: {seen:#?}");
            assert!(!seen.was_err, "{what}: {seen:#?}");
            // The test service does not strip HEAD bodies (the HTTP dispatcher does).
            assert_eq!(seen.body, "ok", "{what}: {seen:#?}");
            assert_eq!(seen.header("x-request-id"), Some("42"), "{what}: {seen:#?}");
            assert_eq!(seen.header("x-secret"), Some("s"), "{what}: {seen:#?}");
            match origin {
                Some(_) => assert_granted(&seen, &what),
                None => {
                    assert!(!seen.has_allow_headers(), "{what}: not CORS, no grant: {seen:#?}");
                    assert!(
                        seen.vary_tokens().iter().any(|t| t == "origin"),
                        "{what}: Vary: Origin even without Origin: {seen:#?}"
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn echo_rejects_other_methods_with_cors_headers_still_on() {
    let app = test::init_service(
        App::new().configure(examples::env_server::routes).wrap(Cors::new(default_policy())),
    )
    .await;
    // Not a documented method of /api/echo: actix answers 405, and the allowed origin can read it.
    let seen =
        send(&app, request(Method::from_bytes(b"TRACE").unwrap(), "/api/echo", Some(ALLOWED), &[])).await;
    assert_eq!(seen.status, StatusCode::METHOD_NOT_ALLOWED, "{seen:#?}");
    assert_granted(&seen, "TRACE /api/echo");
}

#[actix_web::test]
async fn errors_are_real_statuses_and_carry_the_grant() {
    let app = test::init_service(
        App::new().configure(examples::env_server::routes).wrap(Cors::new(default_policy())),
    )
    .await;
    let cases: [(&str, Extra, StatusCode); 5] = [
        ("/api/fail", &[], StatusCode::INTERNAL_SERVER_ERROR),
        ("/api/needs-auth", &[], StatusCode::UNAUTHORIZED),
        ("/api/needs-auth", &[("Authorization", "Bearer wrong")], StatusCode::UNAUTHORIZED),
        ("/api/needs-auth", &[("Authorization", "Bearer t")], StatusCode::OK),
        ("/api/other", &[], StatusCode::NOT_FOUND),
    ];
    for (path, extra, status) in cases {
        for origin in [None, Some(ALLOWED)] {
            let what = format!("GET {path} {extra:?}, Origin {origin:?}");
            let seen = send(&app, request(Method::GET, path, origin, extra)).await;
            assert_eq!(seen.status, status, "{what}: {seen:#?}");
            match origin {
                Some(_) => assert_granted(&seen, &what),
                None => assert!(!seen.has_allow_headers(), "{what}: {seen:#?}"),
            }
            if status == StatusCode::OK {
                assert_eq!(seen.body, "authorized", "{what}: {seen:#?}");
            }
        }
    }
    // Other /api paths, and other methods on the error routes, are 404/405 and decorated too.
    for (method, path) in
        [(Method::GET, "/api/nope"), (Method::POST, "/api/a/b/c"), (Method::DELETE, "/api/other")]
    {
        let what = format!("{method} {path}");
        let seen = send(&app, request(method, path, Some(ALLOWED), &[])).await;
        assert_eq!(seen.status, StatusCode::NOT_FOUND, "{what}: {seen:#?}");
        assert_granted(&seen, &what);
    }
}

#[actix_web::test]
async fn a_disallowed_origin_gets_the_response_without_a_grant() {
    let app = test::init_service(
        App::new().configure(examples::env_server::routes).wrap(Cors::new(default_policy())),
    )
    .await;
    let cases = [
        ("/api/echo", StatusCode::OK),
        ("/api/fail", StatusCode::INTERNAL_SERVER_ERROR),
        ("/api/needs-auth", StatusCode::UNAUTHORIZED),
        ("/api/other", StatusCode::NOT_FOUND),
    ];
    for (path, status) in cases {
        let seen = send(&app, request(Method::GET, path, Some(OTHER), &[])).await;
        // Blocking is off: the handler runs, the browser just may not read it.
        assert_eq!(seen.status, status, "{path}: {seen:#?}");
        assert!(!seen.has_allow_headers(), "{path}: refused, no Access-Control-Allow-*: {seen:#?}");
        assert_eq!(seen.header("access-control-expose-headers"), None, "{path}: {seen:#?}");
        assert!(seen.vary_tokens().iter().any(|t| t == "origin"), "{path}: {seen:#?}");
    }
}

#[actix_web::test]
async fn preflights_are_answered_without_running_the_routes() {
    let app =
        test::init_service(App::new().configure(examples::env_server::routes).wrap(Cors::new(policy(&[
            ("CORS_ALLOWED_ORIGINS", ALLOWED),
            ("CORS_ALLOWED_METHODS", "PUT, PATCH, DELETE"),
            ("CORS_ALLOWED_HEADERS", "content-type, authorization"),
        ]))))
        .await;
    // /api/needs-auth's middleware would answer 401 to an OPTIONS without Authorization, and
    // /api/fail has no OPTIONS route: a granted preflight is still 204 from the CORS layer.
    for path in ["/api/echo", "/api/fail", "/api/needs-auth", "/api/other"] {
        for (method, headers) in [("GET", "authorization"), ("PATCH", "content-type"), ("DELETE", "")] {
            let mut extra = vec![("Access-Control-Request-Method", method)];
            if !headers.is_empty() {
                extra.push(("Access-Control-Request-Headers", headers));
            }
            let what = format!("preflight {method} {path} [{headers}]");
            let seen = send(&app, request(Method::OPTIONS, path, Some(ALLOWED), &extra)).await;
            assert_eq!(seen.status, StatusCode::NO_CONTENT, "{what}: {seen:#?}");
            assert_eq!(seen.body, "", "{what}: {seen:#?}");
            assert_eq!(seen.header("access-control-allow-origin"), Some(ALLOWED), "{what}: {seen:#?}");
            assert_eq!(seen.header("access-control-allow-methods"), Some(method), "{what}: {seen:#?}");
            if headers.is_empty() {
                assert_eq!(seen.header("access-control-allow-headers"), None, "{what}: {seen:#?}");
            } else {
                assert_eq!(seen.header("access-control-allow-headers"), Some(headers), "{what}: {seen:#?}");
            }
            let vary = seen.vary_tokens();
            for token in ["origin", "access-control-request-method", "access-control-request-headers"] {
                assert!(vary.iter().any(|t| t == token), "{what}: Vary lacks {token}: {seen:#?}");
            }
            assert_eq!(seen.header("x-request-id"), None, "{what}: the handler ran: {seen:#?}");
        }
    }
    // Refused for the origin: 403, no Access-Control-Allow-*; for the method or a header from
    // the allowed origin: the grant's status and what is allowed, so the browser names the
    // culprit. Never the handler.
    let refused: [(&str, &str, &str, u16); 3] =
        [(OTHER, "GET", "", 403), (ALLOWED, "patch", "", 204), (ALLOWED, "PUT", "x-api-key", 204)];
    for (origin, method, headers, status) in refused {
        let mut extra = vec![("Access-Control-Request-Method", method)];
        if !headers.is_empty() {
            extra.push(("Access-Control-Request-Headers", headers));
        }
        let what = format!("refused preflight {method} from {origin} [{headers}]");
        let seen = send(&app, request(Method::OPTIONS, "/api/echo", Some(origin), &extra)).await;
        assert_eq!(seen.status.as_u16(), status, "{what}: {seen:#?}");
        if status == 403 {
            assert!(!seen.has_allow_headers(), "{what}: {seen:#?}");
        } else {
            assert_eq!(seen.header("access-control-allow-origin"), Some(ALLOWED), "{what}: {seen:#?}");
            assert_eq!(
                seen.header("access-control-allow-methods"),
                Some("GET, HEAD, POST, PUT, PATCH, DELETE"),
                "{what}"
            );
            assert_eq!(
                seen.header("access-control-allow-headers"),
                Some("content-type, authorization"),
                "{what}"
            );
            assert_eq!(seen.header("access-control-max-age"), None, "{what}: {seen:#?}");
        }
        assert_eq!(seen.header("x-request-id"), None, "{what}: {seen:#?}");
    }
}

/// The compiled-in handler and scope policies govern their routes alone, under an app policy
/// that lists only `https://app.example`.
#[actix_web::test]
async fn handler_and_scope_policies_govern_their_routes_alone() {
    let app_policy = policy(&[("CORS_ALLOWED_ORIGINS", "https://app.example")]);
    let app =
        test::init_service(App::new().configure(examples::env_server::routes).wrap(Cors::new(app_policy)))
            .await;
    let preflight = |path: &str, origin: &str, method: &str, headers: Option<&str>| {
        let mut extra = vec![("Access-Control-Request-Method", method.to_string())];
        if let Some(h) = headers {
            extra.push(("Access-Control-Request-Headers", h.to_string()));
        }
        let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
        request(Method::OPTIONS, path, Some(origin), &extra)
    };

    // POST /items: partner.localhost with credentials and content-type; GET /items: app.localhost only.
    let seen = send(&app, preflight("/items", OTHER, "POST", Some("content-type"))).await;
    assert_eq!(seen.status, StatusCode::NO_CONTENT, "{seen:#?}");
    assert_eq!(seen.header("access-control-allow-origin"), Some(OTHER));
    assert_eq!(seen.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(seen.header("access-control-allow-headers"), Some("content-type"));
    let seen = send(&app, preflight("/items", OTHER, "GET", None)).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN, "{seen:#?}");
    assert!(!seen.has_allow_headers(), "{seen:#?}");
    let seen = send(&app, request(Method::GET, "/items", Some(ALLOWED), &[])).await;
    assert_eq!((seen.status, seen.body.as_str()), (StatusCode::OK, "items"));
    assert_eq!(seen.header("access-control-allow-origin"), Some(ALLOWED));
    let seen = send(&app, request(Method::GET, "/items", Some(OTHER), &[])).await;
    assert_eq!(seen.header("access-control-allow-origin"), None, "{seen:#?}");

    // /private/data: app.localhost with credentials although the app policy does not list it; on
    // any port (`http://app.localhost:*`) or none, but not another host.
    let seen = send(&app, request(Method::GET, "/private/data", Some(ALLOWED), &[])).await;
    assert_eq!(seen.header("access-control-allow-origin"), Some(ALLOWED));
    assert_eq!(seen.header("access-control-allow-credentials"), Some("true"));
    for origin in ["http://app.localhost:1", "http://app.localhost"] {
        let seen = send(&app, request(Method::GET, "/private/data", Some(origin), &[])).await;
        assert_eq!(seen.header("access-control-allow-origin"), Some(origin), "{seen:#?}");
    }
    for origin in ["http://localhost:5173", "http://a.app.localhost:5173", "https://app.localhost:5173"] {
        let seen = send(&app, request(Method::GET, "/private/data", Some(origin), &[])).await;
        assert_eq!(seen.header("access-control-allow-origin"), None, "{origin}: {seen:#?}");
    }

    // /public/data: any origin.
    let seen = send(&app, request(Method::GET, "/public/data", Some("https://anyone.example"), &[])).await;
    assert_eq!(seen.header("access-control-allow-origin"), Some("*"));

    // /internal/ping: non-CORS even for the app's own origin; its preflights are refused.
    let seen = send(&app, request(Method::GET, "/internal/ping", Some("https://app.example"), &[])).await;
    assert_eq!((seen.status, seen.body.as_str()), (StatusCode::OK, "pong"));
    assert!(!seen.has_allow_headers() && seen.header("access-control-allow-origin").is_none(), "{seen:#?}");
    let seen = send(&app, preflight("/internal/ping", "https://app.example", "GET", None)).await;
    assert_eq!(seen.status, StatusCode::FORBIDDEN, "{seen:#?}");
    assert!(seen.header("access-control-allow-origin").is_none(), "{seen:#?}");

    // /partner/orders: PartnerPolicy.
    let seen =
        send(&app, preflight("/partner/orders", OTHER, "POST", Some("content-type,x-partner-key"))).await;
    assert_eq!(seen.status, StatusCode::NO_CONTENT, "{seen:#?}");
    assert_eq!(seen.header("access-control-allow-origin"), Some(OTHER));
    assert_eq!(seen.header("access-control-max-age"), Some("600"));
    let seen = send(&app, request(Method::GET, "/partner/orders", Some(OTHER), &[])).await;
    assert_eq!((seen.status, seen.body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(seen.header("access-control-expose-headers"), Some("x-request-id"));
    let seen = send(&app, request(Method::GET, "/partner/orders", Some("https://app.example"), &[])).await;
    assert_eq!(
        seen.header("access-control-allow-origin"),
        None,
        "the app policy must not govern /partner: {seen:#?}"
    );
}
