//! The demo: a page on one origin calls an API on another; the page shows which calls succeed
//! and which the browser blocks, and the server's log says why each block happened.
//!
//! * page: <http://localhost:8080/> (allowed origin) and <http://localhost:8082/> (not allowed);
//! * API: <http://127.0.0.1:8081>, wrapped in [`policy`].

use actix_web::http::header::{ContentType, HeaderName, HeaderValue};
use actix_web::{error, web, HttpResponse};
use cors_actix::Policy;

/// The page's allowed origin.
pub const PAGE_ORIGIN: &str = "http://localhost:8080";
/// The page served from an origin the policy does not list.
pub const OTHER_PAGE_PORT: u16 = 8082;
/// The page's port.
pub const PAGE_PORT: u16 = 8080;
/// The API's address.
pub const API_ADDR: &str = "127.0.0.1:8081";

/// The demo's embedded policy (the demo needs no environment).
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
    .route("/api/fail", web::get().to(fail));
}

/// The page's routes.
pub fn page(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async { HttpResponse::Ok().content_type(ContentType::html()).body(PAGE) }),
    );
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>CORS demo</title>
<style>
 body { font: 15px system-ui, sans-serif; margin: 2em; }
 td, th { padding: .3em .8em; border-bottom: 1px solid #ddd; text-align: left; }
 .ok { color: #176d2b; } .blocked { color: #a11; }
</style>
<h1>CORS demo</h1>
<p>This page's origin is <b id="origin"></b>. It calls the API at <code>http://127.0.0.1:8081</code>,
whose policy allows <code>http://localhost:8080</code> with credentials, the extra method PUT, the request
header <code>content-type</code>, and exposes <code>x-request-id</code>.</p>
<p>Open the same page from <a href="http://localhost:8082/">http://localhost:8082</a>, an origin the
policy does not list, and watch every call fail. The browser says little; the server's log explains each refusal.</p>
<table><thead><tr><th>call</th><th>result</th></tr></thead><tbody id="out"></tbody></table>
<script>
const API = "http://127.0.0.1:8081";
const calls = [
  ["GET /api/data", () => fetch(API + "/api/data")],
  ["GET with credentials", () => fetch(API + "/api/data", {credentials: "include"})],
  ["PUT with JSON (preflighted)", () => fetch(API + "/api/data", {method: "PUT", headers: {"content-type": "application/json"}, body: "{}"})],
  ["DELETE (method not allowed)", () => fetch(API + "/api/data", {method: "DELETE"})],
  ["POST with X-Api-Key (header not allowed)", () => fetch(API + "/api/data", {method: "POST", headers: {"x-api-key": "k"}})],
  ["GET /api/fail (a 500 the page can read)", () => fetch(API + "/api/fail")],
];
document.getElementById("origin").textContent = location.origin;
const out = document.getElementById("out");
(async () => {
  for (const [name, call] of calls) {
    const row = out.insertRow();
    row.insertCell().textContent = name;
    const cell = row.insertCell();
    try {
      const res = await call();
      cell.className = "ok";
      cell.textContent = `status ${res.status}; X-Request-Id: ${res.headers.get("x-request-id")}; X-Secret: ${res.headers.get("x-secret")} (not exposed)`;
    } catch (e) {
      cell.className = "blocked";
      cell.textContent = `blocked by the browser (${e}); see the server log for why`;
    }
  }
})();
</script>
"#;
