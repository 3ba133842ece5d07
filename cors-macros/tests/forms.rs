//! Every argument form compiles, without a warning, into the configuration it says; and the
//! handler rewrite keeps the route's path, methods, `name`, `guard` and `wrap`.

#![deny(warnings)]

use actix_web::dev::ServiceResponse;
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::{delete, get, head, middleware, patch, post, put, route, web, App, HttpRequest, Responder};
use cors_actix::{Cors, NamedPolicy, PolicyConfig};
// Users write `cors_actix::{cors, CorsPolicy}`; the macros are this crate's own.
use cors_macros::{cors, CorsPolicy};

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---- Every argument form, through the derive. ----

#[derive(CorsPolicy)]
#[cors(origin = "https://a.example")]
struct OneOrigin;

#[derive(CorsPolicy)]
#[cors(
    origins("https://a.example", "https://*.b.example", "http://localhost:*"),
    methods(GET, PUT, "PATCH", delete),
    headers("content-type", "authorization"),
    expose("x-request-id"),
    credentials,
    max_age = 600,
    private_network,
    preflight_continue,
    preflight_status = 200,
    block_disallowed,
    debug
)]
struct EveryList;

#[derive(CorsPolicy)]
#[cors(any_origin, any_method, any_header, expose_any, credentials = false, debug = true)]
struct EveryAny;

#[derive(CorsPolicy)]
#[cors(
    origins("null", "http://intranet.example"),
    allow_null_origin,
    dangerously_allow_insecure_origins,
    credentials
)]
struct OptIns;

#[derive(CorsPolicy)]
#[cors(origin = "https://partner.example", headers("*", "authorization"), max_age = 0)]
struct StarBesideAuthorization;

/// Express's `cors()` defaults.
#[derive(CorsPolicy)]
#[cors(public)]
struct PublicApi;

#[derive(CorsPolicy)]
#[cors(preset = "public", origins("https://a.example"))]
struct PublicPresetWithOrigins;

#[test]
fn derive_the_public_preset() {
    let policy = PublicApi::policy();
    assert_eq!(
        policy.config().clone(),
        PolicyConfig { preset: Some(cors_core::Preset::Public), ..PolicyConfig::default() }
    );
    assert!(policy.allows_any_origin() && !policy.allows_credentials());
    assert!(policy.allows_method(b"DELETE") && policy.allows_method(b"PATCH"));
    // Explicit settings win.
    let policy = PublicPresetWithOrigins::policy();
    assert!(!policy.allows_any_origin() && policy.allows_origin(b"https://a.example"));
    assert!(policy.allows_method(b"PUT"));
}

#[test]
fn derive_one_origin() {
    let config = OneOrigin::policy().config().clone();
    assert_eq!(
        config,
        PolicyConfig { allowed_origins: strings(&["https://a.example"]), ..PolicyConfig::default() }
    );
}

#[test]
fn derive_every_list_and_flag() {
    let config = EveryList::policy().config().clone();
    assert_eq!(
        config,
        PolicyConfig {
            allowed_origins: strings(&["https://a.example", "https://*.b.example", "http://localhost:*"]),
            allowed_methods: Some(strings(&["GET", "PUT", "PATCH", "delete"])),
            allowed_headers: strings(&["content-type", "authorization"]),
            exposed_headers: strings(&["x-request-id"]),
            allow_credentials: true,
            max_age: Some(600),
            allow_private_network: true,
            preflight_continue: true,
            preflight_status: Some(200),
            block_disallowed: true,
            debug: true,
            ..PolicyConfig::default()
        }
    );
}

#[test]
fn derive_every_any() {
    let policy = EveryAny::policy();
    assert!(policy.allows_any_origin());
    assert_eq!(
        policy.config().clone(),
        PolicyConfig {
            allowed_origins: strings(&["*"]),
            allowed_methods: Some(strings(&["*"])),
            allowed_headers: strings(&["*"]),
            exposed_headers: strings(&["*"]),
            debug: true,
            ..PolicyConfig::default()
        }
    );
}

#[test]
fn derive_opt_ins() {
    let policy = OptIns::policy();
    assert!(policy.allows_origin(b"null"));
    assert!(policy.allows_origin(b"http://intranet.example"));
    assert!(policy.config().allow_null_origin && policy.config().dangerously_allow_insecure_origins);
    let star = StarBesideAuthorization::policy().config().clone();
    assert_eq!(star.allowed_headers, strings(&["*", "authorization"]));
    assert_eq!(star.max_age, Some(0));
}

#[test]
fn derive_builds_once_and_converts() {
    // Cheap to call again: the same shared policy.
    assert_eq!(format!("{:?}", EveryList::policy()), format!("{:?}", EveryList::policy()));
    let _ = Cors::from(EveryList);
}

// ---- Every handler form. ----

const ORIGIN: &str = "https://myapp.example";

#[cors(origin = "https://myapp.example", credentials)]
#[get("/private")]
async fn private() -> impl Responder {
    "secret"
}

#[cors(origins("https://myapp.example"), max_age = 60)]
#[post("/items")]
async fn create_item() -> impl Responder {
    "created"
}

// No `methods`: the handler's own method (PUT) is allowed.
#[cors(origin = "https://myapp.example", headers("content-type"))]
#[put("/items")]
async fn replace_item() -> impl Responder {
    "replaced"
}

#[cors(origin = "https://myapp.example", methods(PATCH), expose("x-request-id"))]
#[patch("/items")]
async fn update_item() -> impl Responder {
    "updated"
}

#[cors(any_origin, any_method, any_header)]
#[delete("/items")]
async fn delete_item() -> impl Responder {
    "deleted"
}

#[cors(origin = "https://myapp.example")]
#[head("/items")]
async fn head_items() -> impl Responder {
    ""
}

#[cors(origin = "https://myapp.example", block_disallowed, preflight_status = 200)]
#[route("/multi", method = "PUT", method = "DELETE")]
async fn multi() -> impl Responder {
    "multi"
}

#[derive(CorsPolicy)]
#[cors(origin = "https://myapp.example", credentials)]
struct MyApp;

#[cors(policy = MyApp)]
#[actix_web::get("/named")]
async fn named() -> impl Responder {
    "named"
}

#[cors(disable)]
#[get("/internal")]
async fn internal() -> impl Responder {
    "internal"
}

fn needs_key(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head().headers.contains_key("x-key")
}

/// A handler with every route argument: its docs stay on it.
#[cors(origin = "https://myapp.example", methods(PUT))]
#[put(
    "/guarded",
    name = "guarded_resource",
    guard = "needs_key",
    wrap = "middleware::DefaultHeaders::new().add((\"x-wrapped\", \"1\"))"
)]
pub async fn guarded(req: HttpRequest) -> impl Responder {
    req.url_for_static("guarded_resource").map(|url| url.path().to_owned()).unwrap_or_default()
}

macro_rules! app {
    () => {
        init_service(
            App::new()
                .service(private)
                .service(create_item)
                .service(replace_item)
                .service(update_item)
                .service(delete_item)
                .service(head_items)
                .service(multi)
                .service(named)
                .service(internal)
                .service(guarded)
                .default_service(web::to(|| async { "default" })),
        )
        .await
    };
}

fn preflight(path: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header((header::ORIGIN, ORIGIN))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
}

fn allow_origin(res: &ServiceResponse) -> Option<&str> {
    res.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn each_handler_answers_its_own_preflight() {
    let app = app!();
    for (path, method) in [
        ("/private", "GET"),
        ("/items", "PUT"),
        ("/items", "PATCH"),
        ("/items", "DELETE"),
        ("/multi", "PUT"),
        ("/multi", "DELETE"),
        ("/named", "GET"),
    ] {
        let res = call_service(&app, preflight(path, method).to_request()).await;
        assert!(res.status().is_success(), "{method} {path}: {}", res.status());
        assert!(allow_origin(&res).is_some(), "{method} {path}");
    }
    let res = call_service(&app, preflight("/multi", "PUT").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK, "preflight_status = 200");
}

#[actix_web::test]
async fn actual_requests_keep_their_routes() {
    let app = app!();
    for (method, path, body) in [
        (Method::GET, "/private", "secret"),
        (Method::POST, "/items", "created"),
        (Method::PUT, "/items", "replaced"),
        (Method::PATCH, "/items", "updated"),
        (Method::DELETE, "/items", "deleted"),
        (Method::PUT, "/multi", "multi"),
        (Method::DELETE, "/multi", "multi"),
        (Method::GET, "/named", "named"),
        (Method::GET, "/internal", "internal"),
    ] {
        let req = TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header((header::ORIGIN, ORIGIN))
            .to_request();
        let res = call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::OK, "{method} {path}");
        let disabled = path == "/internal";
        assert_eq!(allow_origin(&res).is_none(), disabled, "{method} {path}");
        assert_eq!(read_body(res).await, body.as_bytes(), "{method} {path}");
    }
    // `#[get]` never matched HEAD, and still does not; `#[head]` does.
    let req = TestRequest::default().method(Method::HEAD).uri("/items").to_request();
    assert_eq!(call_service(&app, req).await.status(), StatusCode::OK);
    let req = TestRequest::default().method(Method::POST).uri("/multi").to_request();
    assert_eq!(read_body(call_service(&app, req).await).await, "default".as_bytes());
}

#[actix_web::test]
async fn name_guard_and_wrap_are_kept() {
    let app = app!();
    // The guard decides the route's own requests...
    let req = TestRequest::put().uri("/guarded").to_request();
    assert_eq!(read_body(call_service(&app, req).await).await, "default".as_bytes());
    let req = TestRequest::put().uri("/guarded").insert_header(("x-key", "1")).to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.headers().get("x-wrapped").map(|v| v.as_bytes()), Some(&b"1"[..]));
    assert_eq!(read_body(res).await, "/guarded".as_bytes(), "name = \"..\" is the resource name");
    // ...and the preflight's, as routing does: a guard that reads a header the preflight does
    // not carry does not pass it, so the preflight is not this route's...
    let res = call_service(&app, preflight("/guarded", "PUT").to_request()).await;
    assert_eq!(allow_origin(&res), None);
    assert_eq!(read_body(res).await, "default".as_bytes());
    // ...while one the guard passes is answered by the route's policy, without the handler.
    let res =
        call_service(&app, preflight("/guarded", "PUT").insert_header(("x-key", "1")).to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(allow_origin(&res), Some(ORIGIN));
    assert_eq!(res.headers().get("x-wrapped"), None, "the route's own middleware did not run");
}

#[actix_web::test]
async fn a_disabled_handler_refuses_its_preflight_without_running() {
    let app = app!();
    let res = call_service(&app, preflight("/internal", "GET").to_request()).await;
    assert!(allow_origin(&res).is_none());
    assert_ne!(read_body(res).await, "internal".as_bytes());
}
