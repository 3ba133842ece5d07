//! The demo: a page on one origin calls an API on another. For every call the page shows whether
//! the browser let it read the answer and, for each one the browser blocks, the words the
//! browser's console gives (Chromium's and Firefox's) beside the line the server logged, with the
//! reason in words. One refusal of each kind: the origin, the method, a request header (a custom
//! one, and a JSON body where no header is allowed), and credentials.
//!
//! * page: <http://localhost:8080/> (the allowed origin), with the same page from
//!   <http://localhost:8082/> (an origin no policy lists) embedded for the origin refusal;
//! * API: <http://127.0.0.1:8081>, wrapped in [`policy`]; its `/public` scope has
//!   [`public_policy`], without credentials.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::{error, web, HttpResponse};
use cors_actix::{Policy, ScopeExt};
use tracing_subscriber::layer::{Context, Layer};

/// The page's allowed origin.
pub const PAGE_ORIGIN: &str = "http://localhost:8080";
/// The page served from an origin the policy does not list.
pub const OTHER_PAGE_PORT: u16 = 8082;
/// The page's port.
pub const PAGE_PORT: u16 = 8080;
/// The API's address.
pub const API_ADDR: &str = "127.0.0.1:8081";

/// The demo's embedded policy (the demo needs no environment): the page's origin with
/// credentials, the extra method PUT, the request header `content-type`, `x-request-id` exposed.
pub fn policy() -> Policy {
    Policy::builder()
        .allow_origin(PAGE_ORIGIN)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(5)
        .build()
        .expect("the demo policy is valid")
}

/// The policy of the API's `/public` scope: the page's origin, no credentials, no request
/// header.
pub fn public_policy() -> Policy {
    Policy::builder().allow_origin(PAGE_ORIGIN).build().expect("the public policy is valid")
}

async fn data() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((HeaderName::from_static("x-request-id"), HeaderValue::from_static("42")))
        .insert_header((HeaderName::from_static("x-secret"), HeaderValue::from_static("s")))
        .content_type(ContentType::json())
        .body(r#"{"items":["apple","pear"]}"#)
}

async fn fail() -> Result<HttpResponse, actix_web::Error> {
    Err(error::ErrorInternalServerError("the handler failed on purpose"))
}

/// The API's routes.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/data")
            .route(web::get().to(data))
            .route(web::put().to(data))
            .route(web::delete().to(data))
            .route(web::post().to(data)),
    )
    .route("/api/fail", web::get().to(fail))
    .service(web::scope("/public").route("/data", web::to(data)).cors(public_policy()));
}

/// The refusal lines the `cors` target logged, newest last, for the page to show.
#[derive(Clone, Debug, Default)]
pub struct RecentRefusals(Arc<Mutex<VecDeque<String>>>);

impl RecentRefusals {
    /// How many lines are kept.
    const KEPT: usize = 64;

    /// The lines logged after the first `since`, with the count so far.
    pub fn since(&self, since: usize) -> (usize, Vec<String>) {
        let lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let total = lines.len();
        (total, lines.iter().skip(since).cloned().collect())
    }

    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == Self::KEPT {
            lines.clear();
        }
        lines.push_back(line);
    }
}

/// A `tracing` layer keeping the `cors` target's refusal lines, as the terminal shows them.
impl<S: tracing::Subscriber> Layer<S> for RecentRefusals {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "cors" || *event.metadata().level() != tracing::Level::DEBUG {
            return;
        }
        #[derive(Default)]
        struct Fields(String, String);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                } else {
                    self.1.push_str(&format!(" {}={value:?}", field.name()));
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.push(format!("DEBUG cors: {}{}", fields.0, fields.1));
    }
}

/// The page's routes; `/log` serves the refusals logged since `?since=N`, same-origin.
pub fn page(refusals: RecentRefusals) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        let refusals = refusals.clone();
        cfg.route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().content_type(ContentType::html()).body(PAGE) }),
        )
        .route(
            "/log",
            web::get().to(move |q: web::Query<std::collections::HashMap<String, usize>>| {
                let (total, lines) = refusals.since(q.get("since").copied().unwrap_or(0));
                let body = serde_lines(total, &lines);
                async move { HttpResponse::Ok().content_type(ContentType::json()).body(body) }
            }),
        );
    }
}

/// `{"total":N,"lines":["..",..]}` without a JSON library: lines are escaped by hand.
fn serde_lines(total: usize, lines: &[String]) -> String {
    let escaped: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut out = String::from('"');
            for c in l.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        })
        .collect();
    format!(r#"{{"total":{total},"lines":[{}]}}"#, escaped.join(","))
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>CORS demo</title>
<style>
 body { font: 14px system-ui, sans-serif; margin: 1.5em; }
 table { border-collapse: collapse; }
 td, th { padding: .35em .7em; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
 .ok { color: #176d2b; } .blocked { color: #a11; }
 code, .log, .console { font: 12px ui-monospace, monospace; }
 .console { color: #555; } .log { color: #0b4f8a; }
 iframe { width: 100%; height: 16em; border: 1px solid #ccc; }
 .embedded .intro { display: none; }
</style>
<h1 class="intro">CORS demo</h1>
<p class="intro">This page's origin is <b id="origin"></b>. It calls the API at <code>http://127.0.0.1:8081</code>,
whose policy allows <code>http://localhost:8080</code> with credentials, the extra method PUT, the request
header <code>content-type</code>, and exposes <code>x-request-id</code>; its <code>/public</code> scope
allows the same origin without credentials or request headers.</p>
<p class="intro">For every call the browser blocks, the page shows what the browser's console says (open the
developer tools to see it there) beside the line the server logged, which names the reason.</p>
<table><thead><tr><th>call</th><th>result</th><th>the console says · the server logged</th></tr></thead><tbody id="out"></tbody></table>
<div id="other"></div>
<script>
const API = "http://127.0.0.1:8081";
const page = location.origin;
// What each engine's console says for each refusal, after "Access to fetch at '…' from origin
// '…' has been blocked by CORS policy:" (Chromium) or "Cross-Origin Request Blocked: … (Reason:"
// (Firefox). Checked by the browser test suite.
const CONSOLE = {
  origin: ["No 'Access-Control-Allow-Origin' header is present on the requested resource.",
           "CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."],
  method: ["Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.",
           "Did not find method in CORS header ‘Access-Control-Allow-Methods’)."],
  header: ["Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.",
           "header ‘x-api-key’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."],
  json:   ["Request header field content-type is not allowed by Access-Control-Allow-Headers in preflight response.",
           "header ‘content-type’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."],
  credentials: ["The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.",
           "expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’)."],
};
const calls = page === "http://localhost:8080" ? [
  ["GET /api/data", () => fetch(API + "/api/data")],
  ["GET with credentials", () => fetch(API + "/api/data", {credentials: "include"})],
  ["PUT with JSON (preflighted)", () => fetch(API + "/api/data", {method: "PUT", headers: {"content-type": "application/json"}, body: "{}"})],
  ["DELETE (method not allowed)", () => fetch(API + "/api/data", {method: "DELETE"}), "method"],
  ["POST with X-Api-Key (header not allowed)", () => fetch(API + "/api/data", {method: "POST", headers: {"x-api-key": "k"}}), "header"],
  ["POST JSON to /public (no header allowed there)", () => fetch(API + "/public/data", {method: "POST", headers: {"content-type": "application/json"}, body: "{}"}), "json"],
  ["GET /public with credentials (no credentials there)", () => fetch(API + "/public/data", {credentials: "include"}), "credentials"],
  ["GET /api/fail (a 500 the page can read)", () => fetch(API + "/api/fail")],
] : [
  ["GET /api/data from " + page + " (origin not allowed)", () => fetch(API + "/api/data"), "origin"],
];
document.getElementById("origin").textContent = page;
if (window !== window.top) document.body.className = "embedded";
const out = document.getElementById("out");
let seen = 0;
async function logged() {
  // The server's refusal lines since the last call, from this page's own server.
  for (let i = 0; i < 20; i++) {
    const r = await (await fetch("/log?since=" + seen)).json();
    if (r.lines.length) { seen = r.total; return r.lines; }
    await new Promise(res => setTimeout(res, 50));
  }
  return [];
}
(async () => {
  seen = (await (await fetch("/log?since=0")).json()).total;
  for (const [name, call, kind] of calls) {
    const row = out.insertRow();
    row.insertCell().textContent = name;
    const cell = row.insertCell();
    const why = row.insertCell();
    try {
      const res = await call();
      cell.className = "ok";
      cell.textContent = `status ${res.status}; X-Request-Id: ${res.headers.get("x-request-id")}; X-Secret: ${res.headers.get("x-secret")} (not exposed)`;
    } catch (e) {
      cell.className = "blocked";
      cell.textContent = `blocked by the browser (${e})`;
      const [chromium, firefox] = CONSOLE[kind] || ["", ""];
      let lines = await logged();
      if (!lines.length && kind === "credentials") {
        lines = ["(no refusal: the policy allows the origin, without credentials; the server cannot see the page's credentials mode, the browser refuses the answer because it lacks Access-Control-Allow-Credentials: true)"];
      }
      why.innerHTML = "";
      for (const [label, text, cls] of [["Chromium", chromium, "console"], ["Firefox", firefox, "console"]].concat(lines.map(l => ["server", l, "log"]))) {
        const div = document.createElement("div");
        div.className = cls;
        div.textContent = label + ": " + text;
        why.appendChild(div);
      }
    }
  }
  if (page === "http://localhost:8080") {
    const other = document.getElementById("other");
    other.innerHTML = "<h2>The same page from an origin no policy lists</h2><iframe src='http://localhost:8082/'></iframe>";
  }
  document.title = "CORS demo: done";
})();
</script>
"#;
