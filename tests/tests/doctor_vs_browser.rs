//! The doctor agrees with real browsers (issue 13): every case of the table below is one page
//! request — a method, request headers, a credentials mode, from a page origin, to a URL — sent
//! both by `cors-doctor` (the library, over HTTP, as the binary sends it) and by a page's
//! `fetch()` in headless Chromium and Firefox, against the same server. Case by case:
//!
//! * the doctor's verdict is the table's (the reason's [`Reason::code`] for a block, the status
//!   and any [`Note`] for a grant), so each case tests what its name says;
//! * the verdicts agree: the doctor allows ⇔ the page's `fetch` resolves, with the same status,
//!   and the browser logs no CORS error about it; on the hand-written app, whose bodies say what
//!   reached it, the page's body is what the doctor's last request carried (the URL after the
//!   redirects, the `Origin`, whether `Authorization` survived);
//! * for a block, Chromium's console line about the URL is the doctor's [`Blocked::message`],
//!   word for word ([`chromium_line`] has the one exception: the location of a redirect to a URL
//!   with a password, which Chromium shows as `''`; and a network error has no CORS line in
//!   either); Firefox's names the same rule, in Firefox's words ([`firefox_rule`], with a
//!   case's own [`Case::firefox`] where Firefox checks in another order).
//!
//! Each group is one server configuration: the `env-server` binary under good configurations
//! (listed origins with credentials, methods and headers; a subdomain pattern; the public
//! preset) and bad ones (the page's origin not listed; `content-type` not allowed), and a small
//! hand-written actix-web app (no middleware of ours) that makes the mistakes deployments make —
//! `*` with credentials, methods without the requested one, an auth layer answering preflights
//! 401, trailing-slash redirects, CORS headers missing on errors — and, in a second group, the
//! fine print of the browser's rules (the safelist's value rules, list parsing, redirects that
//! change the method or the origin). One browser run per page origin of a group executes all its
//! probes in one page; every probe has its own query string (`?case=NAME`), so no probe is
//! answered from another's cached preflight.
//!
//! Each run prints one line to stderr: the case count, the verdicts that agree, the refusals
//! whose words match. Run with `cargo test -p tests --test doctor_vs_browser` (add `_firefox` or
//! `_chromium` for one engine); `DOCTOR_VS_BROWSER_LOG=1` (with `-- --nocapture`) also prints,
//! per case, what the page got, the doctor's line and the browser's.

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use cors_core::client::{Blocked, CorsCheckFailure, CredentialsMode, Note, PageRequest, Reason, Verdict};
use cors_doctor::{diagnose, Diagnosis, HttpTransport};
use serde_json::{json, Map, Value};
use tests::browser::{
    bind_loopback, js_str, page_origin, probe, run_in_browser, BackgroundServer, BrowserRun, Engine,
};
use tests::env_server::EnvServer;

/// The app's page, where most cases run.
const APP: &str = "app.localhost";
/// The host name of the API servers.
const API_HOST: &str = "api.localhost";
/// A second host name for the hand-written app (the same server), for redirects across origins.
const OTHER_API_HOST: &str = "api2.localhost";

// ---------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------

/// What the case is about: the doctor's verdict, which both browsers must share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The page reads a response with this status.
    Allowed(u16),
    /// The browser blocks it, for the reason with this [`Reason::code`].
    Blocked(&'static str),
}

/// Firefox's words for a missing `Access-Control-Allow-Origin`.
const MISSING_ALLOW_ORIGIN: &str = "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing";
/// Firefox's words for an `Access-Control-Allow-Origin` that is not the request's origin.
const DOES_NOT_MATCH: &str = "CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match";

/// One page request, and what comes of it.
#[derive(Clone, Debug)]
struct Case {
    name: &'static str,
    /// The page's host (the page is `http://HOST:PORT/` on the harness's page server).
    page: &'static str,
    /// The path on the group's server; `case=NAME` is added to its query.
    path: &'static str,
    method: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    credentials: bool,
    expect: Expect,
    /// Firefox's words for the rule, where Firefox names another rule than the doctor does
    /// (else [`firefox_rule`] of the doctor's reason).
    firefox: Option<&'static str>,
    /// Whether the doctor must add [`Note::AuthorizationUnderWildcard`] to its grant.
    note: bool,
}

/// A `GET` of `path` from the app's page, allowed with status 200 until told otherwise.
fn case(name: &'static str, path: &'static str) -> Case {
    Case {
        name,
        page: APP,
        path,
        method: "GET",
        headers: Vec::new(),
        credentials: false,
        expect: Expect::Allowed(200),
        firefox: None,
        note: false,
    }
}

impl Case {
    /// From the page on `page` instead of the app's.
    fn from(mut self, page: &'static str) -> Case {
        self.page = page;
        self
    }
    /// With this method, as the page writes it.
    fn method(mut self, method: &'static str) -> Case {
        self.method = method;
        self
    }
    /// With this request header.
    fn header(mut self, name: &'static str, value: &'static str) -> Case {
        self.headers.push((name, value));
        self
    }
    /// With `Content-Type: application/json` (no body: the doctor sends none either).
    fn json(self) -> Case {
        self.header("Content-Type", "application/json")
    }
    /// With `credentials: "include"`.
    fn include(mut self) -> Case {
        self.credentials = true;
        self
    }
    /// Allowed, with this status.
    fn status(mut self, status: u16) -> Case {
        self.expect = Expect::Allowed(status);
        self
    }
    /// Blocked, for the reason with this code.
    fn blocked(mut self, code: &'static str) -> Case {
        self.expect = Expect::Blocked(code);
        self
    }
    /// Firefox names this rule instead of the doctor's.
    fn firefox_says(mut self, rule: &'static str) -> Case {
        self.firefox = Some(rule);
        self
    }
    /// Allowed with [`Note::AuthorizationUnderWildcard`].
    fn with_note(mut self) -> Case {
        self.note = true;
        self
    }

    /// The URL the page fetches on `base`.
    fn url(&self, base: &str) -> String {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        format!("{base}{}{sep}case={}", self.path, self.name)
    }

    /// The `fetch` init, as a JS object literal.
    fn init(&self) -> String {
        let mut init = Map::new();
        init.insert("method".into(), json!(self.method));
        let headers: Map<String, Value> =
            self.headers.iter().map(|(n, v)| (n.to_string(), json!(v))).collect();
        init.insert("headers".into(), Value::Object(headers));
        if self.credentials {
            init.insert("credentials".into(), json!("include"));
        }
        Value::Object(init).to_string()
    }

    /// The doctor's page request for this case.
    fn page_request(&self, base: &str) -> PageRequest {
        let mut builder = PageRequest::builder(page_origin(self.page), self.url(base)).method(self.method);
        for (name, value) in &self.headers {
            builder = builder.header(*name, *value);
        }
        if self.credentials {
            builder = builder.credentials(CredentialsMode::Include);
        }
        builder.build().unwrap_or_else(|e| panic!("case {}: fetch() would refuse it: {e:?}", self.name))
    }
}

/// One server configuration and its cases. The server stops when the group is dropped.
struct Group {
    name: &'static str,
    /// `http://api.localhost:PORT`.
    base: String,
    cases: Vec<Case>,
    _server: Box<dyn std::any::Any>,
    /// Whether the server's bodies are [`reached_body`], to compare with the doctor's last request.
    reports_reached: bool,
}

impl Group {
    /// `env-server` with these variables, and its cases.
    fn env(name: &'static str, vars: &[(&str, &str)], cases: Vec<Case>) -> Group {
        let server = EnvServer::start(vars);
        Group {
            name,
            base: server.base_on(API_HOST),
            cases,
            _server: Box::new(server),
            reports_reached: false,
        }
    }
}

/// `env-server` with everything a SPA needs listed: its origin, credentials, methods and headers.
fn env_listed() -> Group {
    let app = page_origin(APP);
    Group::env(
        "env-server, listed origin with credentials, methods and headers",
        &[
            ("CORS_ALLOWED_ORIGINS", &app),
            ("CORS_ALLOW_CREDENTIALS", "true"),
            ("CORS_ALLOWED_METHODS", "GET,POST,PUT,DELETE"),
            ("CORS_ALLOWED_HEADERS", "content-type,authorization,x-api-key"),
            ("CORS_EXPOSED_HEADERS", "x-request-id"),
        ],
        vec![
            case("get", "/api/echo"),
            case("get-include", "/api/echo").include(),
            case("put-json-include", "/api/echo").method("PUT").json().include(),
            case("post-json-include", "/api/echo").method("POST").json().include(),
            case("delete", "/api/echo").method("DELETE"),
            case("api-key", "/api/echo").header("X-Api-Key", "k"),
            case("patch-not-listed", "/api/echo")
                .method("PATCH")
                .blocked("MethodDisallowedByPreflightResponse"),
            case("header-not-listed", "/api/echo")
                .header("X-Other", "1")
                .blocked("HeaderDisallowedByPreflightResponse"),
            // The preflight is answered before the bearer middleware; the request is authorized.
            case("bearer-include", "/api/needs-auth").header("Authorization", "Bearer t").include(),
            // Errors carry the policy's headers: the page reads them.
            case("error-500", "/api/fail").status(500),
            case("unauthorized-401", "/api/needs-auth").status(401),
            case("not-found-404", "/api/nope").status(404),
        ],
    )
}

/// `env-server` with a subdomain pattern: `*.app.localhost`, not `app.localhost` itself.
fn env_subdomains() -> Group {
    let pattern = page_origin("*.app.localhost");
    Group::env(
        "env-server, subdomain pattern",
        &[("CORS_ALLOWED_ORIGINS", &pattern), ("CORS_ALLOWED_HEADERS", "content-type")],
        vec![
            case("sub-get", "/api/echo").from("a.app.localhost"),
            case("sub-post-json", "/api/echo").from("a.app.localhost").method("POST").json(),
            case("sub-put", "/api/echo")
                .from("a.app.localhost")
                .method("PUT")
                .blocked("MethodDisallowedByPreflightResponse"),
            case("apex-get", "/api/echo").blocked("MissingAllowOriginHeader"),
            case("apex-post-json", "/api/echo")
                .method("POST")
                .json()
                .blocked("PreflightMissingAllowOriginHeader"),
        ],
    )
}

/// `CORS_PRESET=public`: Express's `cors()`.
fn env_public() -> Group {
    Group::env(
        "env-server, CORS_PRESET=public",
        &[("CORS_PRESET", "public")],
        vec![
            case("public-get", "/api/echo"),
            case("public-put-json", "/api/echo").method("PUT").json(),
            case("public-patch", "/api/echo").method("PATCH"),
            case("public-delete", "/api/echo").method("DELETE"),
            case("public-custom-header", "/api/echo").header("X-Request-Id", "r1"),
            case("public-get-include", "/api/echo").include().blocked("WildcardOriginNotAllowed"),
            // Our `*` never covers Authorization: the server refuses it, so both browsers do.
            case("public-authorization", "/api/needs-auth")
                .header("Authorization", "Bearer t")
                .blocked("HeaderDisallowedByPreflightResponse"),
        ],
    )
}

/// `env-server` listing another origin than the page's.
fn env_unlisted() -> Group {
    let other = page_origin("other.localhost");
    Group::env(
        "env-server, the page's origin not listed",
        &[
            ("CORS_ALLOWED_ORIGINS", &other),
            ("CORS_ALLOW_CREDENTIALS", "true"),
            ("CORS_ALLOWED_METHODS", "GET,POST,PUT"),
        ],
        vec![
            case("unlisted-get", "/api/echo").blocked("MissingAllowOriginHeader"),
            case("unlisted-get-include", "/api/echo").include().blocked("MissingAllowOriginHeader"),
            case("unlisted-post-text", "/api/echo")
                .method("POST")
                .header("Content-Type", "text/plain")
                .blocked("MissingAllowOriginHeader"),
            case("unlisted-put", "/api/echo").method("PUT").blocked("PreflightMissingAllowOriginHeader"),
            case("listed-put", "/api/echo").from("other.localhost").method("PUT"),
        ],
    )
}

/// `env-server` allowing a custom header but not `content-type`, and no credentials.
fn env_no_content_type() -> Group {
    let app = page_origin(APP);
    Group::env(
        "env-server, content-type not allowed, no credentials",
        &[
            ("CORS_ALLOWED_ORIGINS", &app),
            ("CORS_ALLOWED_METHODS", "GET,POST,PUT"),
            ("CORS_ALLOWED_HEADERS", "x-api-key"),
        ],
        vec![
            case("post-json", "/api/echo")
                .method("POST")
                .json()
                .blocked("HeaderDisallowedByPreflightResponse"),
            case("put-json-and-key", "/api/echo")
                .method("PUT")
                .json()
                .header("X-Api-Key", "k")
                .blocked("HeaderDisallowedByPreflightResponse"),
            case("post-text-plain", "/api/echo").method("POST").header("Content-Type", "text/plain"),
            case("post-form", "/api/echo")
                .method("POST")
                .header("Content-Type", "application/x-www-form-urlencoded"),
            case("get-key", "/api/echo").header("X-Api-Key", "k"),
            case("get-include-no-credentials", "/api/echo").include().blocked("InvalidAllowCredentials"),
            case("put-include-no-credentials", "/api/echo")
                .method("PUT")
                .include()
                .blocked("PreflightInvalidAllowCredentials"),
        ],
    )
}

// ---------------------------------------------------------------------------------
// The misconfigured app: hand-written, no middleware of ours
// ---------------------------------------------------------------------------------

/// What the misconfigured app needs to know: the app's page origin (which `/fixed-origin` sends
/// whatever the request says) and its own base under each host name.
#[derive(Clone)]
struct Misconfigured {
    app: String,
    base: String,
    other_base: String,
}

/// A request header's value, lossily as text.
fn request_header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// What the misconfigured app's bodies say about the request that reached it: its path and
/// query, its `Origin`, and whether it carried `Authorization`. The doctor's last request must
/// say the same.
fn reached_body(path_and_query: &str, origin: &str, authorization: bool) -> String {
    let auth = if authorization { " +authorization" } else { "" };
    format!("{path_and_query} origin={origin}{auth}")
}

/// Each path makes one mistake (or none); see the cases in [`misconfigured`] and [`fine_print`].
/// Every body is [`reached_body`], so the page shows where redirects ended and what arrived.
async fn misconfigured_app(req: HttpRequest, conf: web::Data<Misconfigured>) -> HttpResponse {
    let preflight =
        req.method() == Method::OPTIONS && req.headers().contains_key("access-control-request-method");
    let origin = request_header(&req, "origin").unwrap_or_default();
    let query = req.query_string().to_string();
    let authorization = request_header(&req, "authorization");
    let authorized = authorization.as_deref() == Some("Bearer t");
    let body = if preflight {
        String::new()
    } else {
        let reached = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
        reached_body(&reached, &origin, authorization.is_some())
    };
    // A preflight granted for these methods and headers, or a 200, with the origin echoed.
    let grant = |methods: &str, headers: &str| {
        let mut r = if preflight { HttpResponse::NoContent() } else { HttpResponse::Ok() };
        r.insert_header(("Access-Control-Allow-Origin", origin.as_str()));
        r.insert_header(("Vary", "Origin"));
        if preflight {
            r.insert_header(("Access-Control-Allow-Methods", methods));
            r.insert_header(("Access-Control-Allow-Headers", headers));
        }
        r
    };
    let redirect = |status: u16, to: String, cors: bool| {
        let mut r = HttpResponseBuilder::new(StatusCode::from_u16(status).expect("a redirect status"));
        r.insert_header(("Location", to));
        if cors {
            r.insert_header(("Access-Control-Allow-Origin", origin.as_str()));
        }
        r.finish()
    };
    match req.path() {
        // `*` and credentials together, on every response.
        "/star-credentials" => grant("GET, PUT", "content-type")
            .insert_header(("Access-Control-Allow-Origin", "*"))
            .insert_header(("Access-Control-Allow-Credentials", "true"))
            .body(body),
        // A method list without PUT or DELETE (and PATCH in upper case).
        "/methods" => grant("GET, POST, PATCH", "content-type").body(body),
        // `*` for methods, or for headers, with credentials allowed.
        "/star-methods" => {
            grant("*", "content-type").insert_header(("Access-Control-Allow-Credentials", "true")).body(body)
        }
        "/star-headers" => {
            grant("GET", "*").insert_header(("Access-Control-Allow-Credentials", "true")).body(body)
        }
        // An auth layer before CORS: 401 with no CORS header, preflights included.
        "/auth-first" if !authorized => HttpResponse::Unauthorized().body("send Authorization: Bearer t"),
        // The same, behind a proxy that adds CORS headers to every response.
        "/auth-first-proxied" if !authorized => {
            grant("GET", "authorization").status(StatusCode::UNAUTHORIZED).body(body)
        }
        "/auth-first" | "/auth-first-proxied" => grant("GET", "authorization").body(body),
        // A framework's trailing-slash redirect, without CORS headers, for every method.
        "/slash" => redirect(301, format!("/slash/?{query}"), false),
        // The same as 308, with the CORS headers.
        "/slash-308" => redirect(308, format!("/slash-308/?{query}"), true),
        "/slash/" | "/slash-308/" | "/ok" => grant("PUT", "content-type, authorization").body(body),
        // CORS headers on the preflight and on 200s, but not on errors.
        "/error" if preflight => grant("PUT", "content-type").finish(),
        "/error" => HttpResponse::InternalServerError().body(body),
        // Redirects of actual requests, with the CORS headers.
        "/hop" => redirect(302, format!("/ok?{query}"), true),
        "/hop-put" | "/see-other" | "/hop-away-authorization" if preflight => {
            grant("PUT", "authorization").finish()
        }
        "/hop-put" => redirect(307, format!("/ok?{query}"), true),
        "/see-other" => redirect(303, format!("/ok?{query}"), true),
        "/hop-away" | "/hop-away-authorization" => {
            redirect(307, format!("{}/ok?{query}", conf.other_base), true)
        }
        "/hop-away-fixed" => redirect(307, format!("{}/fixed-origin?{query}", conf.other_base), true),
        "/loop" => redirect(302, format!("/loop?{query}"), true),
        "/to-userinfo" => {
            let to = conf.base.replacen("http://", "http://user:secret@", 1);
            redirect(307, format!("{to}/ok?{query}"), true)
        }
        "/to-data" => redirect(302, "data:text/plain,hello".into(), true),
        // The app's origin, whatever the request's.
        "/fixed-origin" => {
            HttpResponse::Ok().insert_header(("Access-Control-Allow-Origin", conf.app.as_str())).body(body)
        }
        // Every allowed origin in one header line, or in two.
        "/multi" => grant("PUT", "content-type")
            .insert_header(("Access-Control-Allow-Origin", format!("{}, http://other.localhost", conf.app)))
            .body(body),
        "/multi-lines" => HttpResponse::Ok()
            .append_header(("Access-Control-Allow-Origin", origin.as_str()))
            .append_header(("Access-Control-Allow-Origin", "http://other.localhost"))
            .body(body),
        // The origin with a trailing slash; no origin at all.
        "/origin-slash" => grant("PUT", "content-type")
            .insert_header(("Access-Control-Allow-Origin", format!("{origin}/")))
            .body(body),
        "/invalid-origin" => {
            grant("PUT", "content-type").insert_header(("Access-Control-Allow-Origin", "http://")).body(body)
        }
        // The origin echoed, but credentials never allowed, or allowed as `True`.
        "/no-credentials" => {
            HttpResponse::Ok().insert_header(("Access-Control-Allow-Origin", origin)).body(body)
        }
        "/credentials-capital" => HttpResponse::Ok()
            .insert_header(("Access-Control-Allow-Origin", origin))
            .insert_header(("Access-Control-Allow-Credentials", "True"))
            .body(body),
        // Lists that are not quite right.
        "/methods-lower-case" => grant("get, put", "content-type").body(body),
        "/methods-trailing-comma" => grant("GET, PUT,", "content-type").body(body),
        "/methods-spaces" => grant("GET PUT", "content-type").body(body),
        "/headers-spaces" => grant("GET", "x-custom x-other").body(body),
        // Every preflight refused (405, no CORS headers): only what needs none gets through.
        "/simple-only" if req.method() == Method::OPTIONS => HttpResponse::MethodNotAllowed().finish(),
        "/simple-only" => grant("", "").body(body),
        _ => HttpResponse::NotFound().body("no such path"),
    }
}

/// Starts the misconfigured app on 127.0.0.1 (reached as `api.localhost` and `api2.localhost`).
fn start_misconfigured(name: &'static str, cases: Vec<Case>) -> Group {
    let listener = bind_loopback(0).expect("bind the misconfigured app");
    let port = listener.local_addr().expect("local_addr").port();
    let conf = Misconfigured {
        app: page_origin(APP),
        base: format!("http://{API_HOST}:{port}"),
        other_base: format!("http://{OTHER_API_HOST}:{port}"),
    };
    let base = conf.base.clone();
    let server = BackgroundServer::start_app(listener, move |cfg| {
        cfg.app_data(web::Data::new(conf.clone())).default_service(web::to(misconfigured_app));
    })
    .expect("start the misconfigured app");
    Group { name, base, cases, _server: Box::new(server), reports_reached: true }
}

/// The mistakes deployments make, one path each.
fn misconfigured() -> Group {
    start_misconfigured(
        "hand-written misconfigured app",
        vec![
            case("star-credentials-omit", "/star-credentials"),
            case("star-credentials-include", "/star-credentials")
                .include()
                .blocked("WildcardOriginNotAllowed"),
            case("star-credentials-put-include", "/star-credentials")
                .method("PUT")
                .include()
                .blocked("PreflightWildcardOriginNotAllowed"),
            case("methods-put", "/methods").method("PUT").blocked("MethodDisallowedByPreflightResponse"),
            case("methods-delete-include", "/methods")
                .method("DELETE")
                .include()
                .blocked("PreflightInvalidAllowCredentials"),
            case("methods-patch", "/methods").method("PATCH"),
            case("methods-patch-lower-case", "/methods")
                .method("patch")
                .blocked("MethodDisallowedByPreflightResponse"),
            case("star-methods-delete", "/star-methods").method("DELETE"),
            case("star-methods-delete-include", "/star-methods")
                .method("DELETE")
                .include()
                .blocked("MethodDisallowedByPreflightResponse"),
            case("star-headers-authorization", "/star-headers")
                .header("Authorization", "Bearer t")
                .with_note(),
            case("star-headers-custom", "/star-headers").header("X-Custom", "1"),
            case("star-headers-custom-include", "/star-headers")
                .header("X-Custom", "1")
                .include()
                .blocked("HeaderDisallowedByPreflightResponse"),
            case("auth-first-preflight", "/auth-first")
                .header("Authorization", "Bearer t")
                .blocked("PreflightMissingAllowOriginHeader"),
            case("auth-first-proxied-preflight", "/auth-first-proxied")
                .header("Authorization", "Bearer t")
                .blocked("PreflightInvalidStatus"),
            case("auth-first-proxied-simple-401", "/auth-first-proxied").status(401),
            // Firefox runs the CORS check on a redirected preflight before it refuses the redirect.
            case("slash-preflight", "/slash")
                .method("PUT")
                .blocked("PreflightDisallowedRedirect")
                .firefox_says(MISSING_ALLOW_ORIGIN),
            case("slash-simple", "/slash").blocked("MissingAllowOriginHeader"),
            case("slash-308-preflight", "/slash-308")
                .method("PUT")
                .json()
                .blocked("PreflightDisallowedRedirect"),
            case("slash-308-simple", "/slash-308"),
            case("ok", "/ok"),
            case("ok-post-text", "/ok").method("POST").header("Content-Type", "text/plain"),
            case("error-simple", "/error").blocked("MissingAllowOriginHeader"),
            case("error-after-preflight", "/error").method("PUT").blocked("MissingAllowOriginHeader"),
            case("hop", "/hop"),
            case("hop-put", "/hop-put").method("PUT"),
            case("hop-away", "/hop-away"),
            case("hop-away-fixed-origin", "/hop-away-fixed").blocked("AllowOriginMismatch"),
            case("multi", "/multi").blocked("MultipleAllowOriginValues"),
            case("origin-slash", "/origin-slash").blocked("AllowOriginMismatch"),
            case("no-credentials-include", "/no-credentials").include().blocked("InvalidAllowCredentials"),
            case("credentials-capital-include", "/credentials-capital")
                .include()
                .blocked("InvalidAllowCredentials"),
        ],
    )
}

/// The same app, for the fine print of the browser's rules: the safelist's value rules, list
/// parsing, what a redirect does to the method, the `Origin` and `Authorization`.
fn fine_print() -> Group {
    let long_accept: &'static str = Box::leak("a".repeat(129).into_boxed_str());
    let accept_128: &'static str = Box::leak("a".repeat(128).into_boxed_str());
    start_misconfigured(
        "hand-written app, the fine print",
        vec![
            case("multi-preflight", "/multi").method("PUT").blocked("PreflightMultipleAllowOriginValues"),
            case("multi-lines", "/multi-lines").blocked("MultipleAllowOriginValues"),
            case("origin-slash-preflight", "/origin-slash")
                .method("PUT")
                .blocked("PreflightAllowOriginMismatch"),
            case("invalid-origin", "/invalid-origin").blocked("InvalidAllowOriginValue"),
            case("invalid-origin-preflight", "/invalid-origin")
                .method("PUT")
                .blocked("PreflightInvalidAllowOriginValue"),
            // Methods compare case-sensitively, even those fetch() upper-cases.
            case("methods-lower-case-put", "/methods-lower-case")
                .method("PUT")
                .blocked("MethodDisallowedByPreflightResponse"),
            case("methods-trailing-comma", "/methods-trailing-comma").method("PUT"),
            case("methods-spaces", "/methods-spaces")
                .method("PUT")
                .blocked("InvalidAllowMethodsPreflightResponse"),
            case("headers-spaces", "/headers-spaces")
                .header("X-Custom", "1")
                .blocked("InvalidAllowHeadersPreflightResponse"),
            case("see-other-put", "/see-other").method("PUT"),
            case("loop", "/loop").blocked("TooManyRedirects"),
            case("to-userinfo", "/to-userinfo").blocked("RedirectContainsCredentials"),
            case("to-data", "/to-data").blocked("CorsDisabledScheme"),
            case("hop-away-authorization", "/hop-away-authorization").header("Authorization", "Bearer t"),
            case("text-plain-charset", "/simple-only")
                .method("POST")
                .header("Content-Type", "text/plain; charset=utf-8"),
            case("accept-128-bytes", "/simple-only").header("Accept", accept_128),
            case("accept-129-bytes", "/simple-only")
                .header("Accept", long_accept)
                .blocked("PreflightMissingAllowOriginHeader"),
            case("accept-quote", "/simple-only")
                .header("Accept", "text/\"html\"")
                .blocked("PreflightMissingAllowOriginHeader"),
            case("content-language", "/simple-only").header("Content-Language", "en-US"),
            case("content-language-underscore", "/simple-only")
                .header("Content-Language", "en_US")
                .blocked("PreflightMissingAllowOriginHeader"),
            case("range", "/simple-only").header("Range", "bytes=0-99"),
            case("range-suffix", "/simple-only")
                .header("Range", "bytes=-99")
                .blocked("PreflightMissingAllowOriginHeader"),
        ],
    )
}

// ---------------------------------------------------------------------------------
// Running a group: the doctor, then the browser, then the comparison
// ---------------------------------------------------------------------------------

/// Firefox's words for the rule behind `reason` (after `(Reason: ` in its console line).
///
/// Firefox names fewer rules than Chromium: any unusable `Access-Control-Allow-Origin` (several
/// origins, on one line or two, or no origin at all) is one that "does not match", quoted as the
/// doctor quotes it; and what is a network error rather than a CORS failure (a redirect loop, to
/// another scheme, to a URL with a password) is only "CORS request did not succeed".
fn firefox_rule(reason: &Reason) -> String {
    let quoted =
        |value: &[u8]| format!("{DOES_NOT_MATCH} \u{2018}{}\u{2019}", String::from_utf8_lossy(value));
    let invalid_token = |value: &[u8], header: &str| {
        format!(
            "invalid token \u{2018}{}\u{2019} in CORS header \u{2018}{header}\u{2019}",
            String::from_utf8_lossy(value)
        )
    };
    match reason {
        Reason::PreflightCors(failure) | Reason::Cors(failure) => match failure {
            CorsCheckFailure::MissingAllowOrigin => MISSING_ALLOW_ORIGIN.into(),
            CorsCheckFailure::WildcardOriginWithCredentials => "Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019}".into(),
            CorsCheckFailure::MultipleAllowOriginValues { value }
            | CorsCheckFailure::InvalidAllowOriginValue { value }
            | CorsCheckFailure::AllowOriginMismatch { value } => quoted(value),
            CorsCheckFailure::InvalidAllowCredentials { .. } => {
                "expected \u{2018}true\u{2019} in CORS header \u{2018}Access-Control-Allow-Credentials\u{2019}".into()
            }
            other => panic!("no Firefox wording known for {other:?}"),
        },
        Reason::PreflightStatus { .. } => "CORS preflight response did not succeed".into(),
        Reason::PreflightRedirect { .. } => "CORS request external redirect not allowed".into(),
        Reason::MethodNotAllowed { .. } => {
            "Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019}".into()
        }
        Reason::HeaderNotAllowed { name, .. } => format!(
            "header \u{2018}{name}\u{2019} is not allowed according to header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight response"
        ),
        Reason::InvalidAllowMethods { value } => invalid_token(value, "Access-Control-Allow-Methods"),
        Reason::InvalidAllowHeaders { value } => invalid_token(value, "Access-Control-Allow-Headers"),
        Reason::TooManyRedirects | Reason::RedirectScheme { .. } | Reason::RedirectWithCredentials { .. } => {
            "CORS request did not succeed".into()
        }
        other => panic!("no Firefox wording known for {other:?}"),
    }
}

/// The console messages about `url`: Chromium's `Access to fetch at 'URL'` (or `(redirected
/// from 'URL')`), Firefox's `the remote resource at URL. (Reason: …` (or `‘URL’`).
fn console_about(run: &BrowserRun, urls: &[String]) -> Vec<String> {
    run.console
        .iter()
        .map(|m| &m.text)
        .filter(|text| {
            urls.iter().any(|url| {
                text.contains(&format!("'{url}'"))
                    || text.contains(&format!("at {url}. "))
                    || text.contains(&format!("\u{2018}{url}\u{2019}"))
            })
        })
        .cloned()
        .collect()
}

/// What one case gave, for the summary.
#[derive(Default)]
struct Tally {
    cases: usize,
    agree: usize,
    blocked: usize,
    same_message: usize,
    same_rule: usize,
}

/// Runs every case of `group` through the doctor and through `engine`, and asserts that they
/// agree; prints one line per run.
fn check(engine: Engine, group: Group) {
    let mut transport = HttpTransport::new(Duration::from_secs(10));
    let mut failures = Vec::new();
    let mut tally = Tally::default();

    // The doctor, case by case; its verdict must be the table's.
    let mut verdicts = BTreeMap::new();
    for case in &group.cases {
        let request = case.page_request(&group.base);
        let diagnosis = diagnose(request, &mut transport);
        let text = cors_doctor::render::text(&diagnosis);
        let Diagnosis::Done { report, .. } = diagnosis else {
            panic!("{}: the doctor got no answer:\n{text}", case.name);
        };
        // What the last request sent carried, as the misconfigured app's body reports it.
        let last = report.exchanges.last().map(|e| &e.request).expect("at least one exchange");
        let origin =
            last.header("origin").map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
        let expected_body =
            reached_body(&last.url.path_and_query(), &origin, last.header("authorization").is_some());
        let verdict = report.verdict;
        match (&verdict, case.expect) {
            (Verdict::Allowed(a), Expect::Allowed(status)) if a.status == status => {
                let noted = a.notes.contains(&Note::AuthorizationUnderWildcard);
                assert_eq!(noted, case.note, "{}: the doctor's notes:\n{text}", case.name);
            }
            (Verdict::Blocked(b), Expect::Blocked(code)) if b.reason.code() == code => {}
            _ => {
                failures.push(format!("{}: the table says {:?}, the doctor:\n{text}", case.name, case.expect))
            }
        }
        verdicts.insert(case.name, (verdict, text, expected_body));
    }

    // The browser: one page per origin, every probe of that origin in it.
    let mut pages: Vec<&str> = group.cases.iter().map(|c| c.page).collect();
    pages.sort_unstable();
    pages.dedup();
    let mut elapsed = Duration::ZERO;
    for page in pages {
        let cases: Vec<&Case> = group.cases.iter().filter(|c| c.page == page).collect();
        let script: String = cases
            .iter()
            .map(|c| {
                format!("await probe({}, {}, {});\n", js_str(c.name), js_str(&c.url(&group.base)), c.init())
            })
            .collect();
        let page_url = format!("{}/", page_origin(page));
        let run = run_in_browser(engine, &page_url, &script)
            .unwrap_or_else(|e| panic!("{engine} run on {page_url} failed: {e}\nscript:\n{script}"));
        elapsed += run.elapsed;
        assert_eq!(run.report["errors"], json!([]), "page script errors: {:#}", run.report);
        for case in cases {
            tally.cases += 1;
            let (verdict, doctor, expected_body) = &verdicts[case.name];
            let url = case.url(&group.base);
            let probe = probe(&run.report, case.name).unwrap_or_else(|| panic!("no probe {}", case.name));
            let mut urls = vec![url.clone()];
            if let Verdict::Blocked(b) = verdict {
                urls.push(b.url.to_string());
            }
            let console = console_about(&run, &urls);
            if std::env::var_os("DOCTOR_VS_BROWSER_LOG").is_some() {
                let said = match verdict {
                    Verdict::Allowed(a) => format!("allowed {}", a.status),
                    Verdict::Blocked(b) => b.message(),
                };
                eprintln!(
                    "[{engine}] {}: {probe}\n  doctor: {said}\n  console:\n    {}",
                    case.name,
                    console.join("\n    ")
                );
            }
            let context = || {
                format!(
                    "{engine}, {}, case {} ({url}):\nbrowser: {probe:#}\nconsole:\n  {}\ndoctor:\n{doctor}",
                    group.name,
                    case.name,
                    console.join("\n  ")
                )
            };
            let agree = match verdict {
                Verdict::Allowed(a) => probe["ok"] == true && probe["status"] == a.status,
                Verdict::Blocked(_) => probe["ok"] == false && probe["error"] == engine.fetch_error(),
            };
            if !agree {
                failures.push(format!("verdicts differ: {}", context()));
                continue;
            }
            tally.agree += 1;
            if let Verdict::Allowed(_) = verdict {
                if !console.is_empty() {
                    failures.push(format!("the browser logs a CORS error for what it allows: {}", context()));
                }
                // Where the request ended, with what Origin and whether Authorization survived.
                if group.reports_reached && probe["body"] != expected_body.as_str() {
                    failures
                        .push(format!("the last requests differ (doctor: {expected_body:?}): {}", context()));
                }
                continue;
            }
            let Verdict::Blocked(blocked) = verdict else { unreachable!() };
            tally.blocked += 1;
            match engine {
                Engine::Chromium => match chromium_agrees(blocked, &console) {
                    Ok(()) => tally.same_message += 1,
                    Err(e) => failures.push(format!("{e}: {}", context())),
                },
                Engine::Firefox => {
                    let rule = case.firefox.map_or_else(|| firefox_rule(&blocked.reason), str::to_string);
                    if console.iter().any(|m| m.contains(&rule)) {
                        tally.same_rule += 1;
                    } else {
                        failures.push(format!("Firefox names another rule than {rule:?}: {}", context()));
                    }
                }
            }
        }
    }
    let reasons = match engine {
        Engine::Chromium => {
            format!("{} of {} refusals worded as the doctor words them", tally.same_message, tally.blocked)
        }
        Engine::Firefox => {
            format!("{} of {} refusals name the doctor's rule", tally.same_rule, tally.blocked)
        }
    };
    eprintln!(
        "[doctor-vs-browser] {engine}, {}: {} cases, {} verdicts agree; {reasons} ({:.1} s in the browser)",
        group.name,
        tally.cases,
        tally.agree,
        elapsed.as_secs_f64()
    );
    assert!(failures.is_empty(), "{} disagreement(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The line Chromium's console has for `blocked`: the doctor's message, but for a redirect to
/// a URL with a password, whose location Chromium shows as `''`. `None` for a network error,
/// for which Chromium logs no CORS line.
fn chromium_line(blocked: &Blocked) -> Option<String> {
    let message = blocked.message();
    match &blocked.reason {
        reason if !reason.is_cors_policy() => None,
        Reason::RedirectWithCredentials { location } => {
            Some(message.replace(&format!("'{}'", String::from_utf8_lossy(location)), "''"))
        }
        _ => Some(message),
    }
}

/// Whether Chromium's console says about the case what [`chromium_line`] says it says.
fn chromium_agrees(blocked: &Blocked, console: &[String]) -> Result<(), String> {
    match chromium_line(blocked) {
        Some(line) if console.contains(&line) => Ok(()),
        Some(line) => Err(format!("Chromium's console is not the doctor's message: {line:?}")),
        None if console.is_empty() => Ok(()),
        None => Err("Chromium logs a CORS line for what the doctor calls a network error".into()),
    }
}

tests::in_both_engines! {
    |engine| check(engine, env_listed()) => env_listed_chromium, env_listed_firefox;
    |engine| check(engine, env_subdomains()) => env_subdomains_chromium, env_subdomains_firefox;
    |engine| check(engine, env_public()) => env_public_chromium, env_public_firefox;
    |engine| check(engine, env_unlisted()) => env_unlisted_chromium, env_unlisted_firefox;
    |engine| check(engine, env_no_content_type()) => env_no_content_type_chromium, env_no_content_type_firefox;
    |engine| check(engine, misconfigured()) => misconfigured_chromium, misconfigured_firefox;
    |engine| check(engine, fine_print()) => fine_print_chromium, fine_print_firefox;
}
