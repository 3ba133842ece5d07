//! `#[cors(..)]` and `#[derive(CorsPolicy)]` through `actix_web::test`, alone and under an
//! app-wide `Cors` (SPEC sections 1 and 3): two methods of one path with their own policies, a
//! plain `OPTIONS` (not a preflight), inline / named / `any_origin` / `disable`, the per-URL
//! preflight cache limit with `block_disallowed`, and the user's own `guard` and `wrap`.
//!
//! Every response is checked whole: status, body, every `Access-Control-*` header (the exact set),
//! `Vary`, and which handlers and middleware ran.

use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::guard::GuardContext;
use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use actix_web::middleware::{from_fn, Next};
use actix_web::{get, options, post, put, test, web, App, Error, Responder};
use cors_actix::{cors, Cors, CorsPolicy, Policy, ScopeExt};

const A: &str = "https://a.example";
const B: &str = "https://b.example";
const C: &str = "https://c.example";
/// An origin only some app policies list, and no handler.
const D: &str = "https://d.example";

// ---- What ran ----

/// The handlers and middleware that ran, in order; one per app, as app data.
#[derive(Default)]
struct Hits(Mutex<Vec<&'static str>>);

impl Hits {
    fn hit(&self, what: &'static str) {
        self.0.lock().unwrap().push(what);
    }

    /// What ran since the last call.
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

// ---- Requests and responses ----

use tests::inproc::names::*;
use tests::inproc::send;

/// A preflight for `method` on `path` from `origin`, with `Access-Control-Request-Headers`.
fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> actix_http::Request {
    tests::inproc::preflight(path, origin, method, headers, &[])
}

use tests::inproc::actual;

/// Builds the test app: the hits as app data, these services, and optionally an app-wide layer.
macro_rules! app {
    ($hits:expr, [$($svc:expr),* $(,)?] $(, $wrap:expr)?) => {
        test::init_service(App::new().app_data($hits.clone()) $(.service($svc))* $(.wrap($wrap))?).await
    };
}

/// A plain route (no `#[cors]`), counted: shows what the app-wide policy does where it governs.
#[get("/plain")]
async fn plain(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /plain");
    "plain"
}

// ---- App-wide policies ----

/// An app policy listing only a third origin, C.
fn app_c() -> Policy {
    Policy::builder()
        .allow_origin(C)
        .allow_credentials(true)
        .allow_methods(["GET", "POST", "PUT"])
        .allow_headers(["content-type", "x-app"])
        .expose_headers(["x-app-id"])
        .max_age(300)
        .build()
        .unwrap()
}

/// An app policy listing A and B both (and C), with credentials, exposed headers and a max age
/// that no handler policy below has: any of them in a response would be the app's.
fn app_abc() -> Policy {
    Policy::builder()
        .allow_origins([A, B, C])
        .allow_credentials(true)
        .allow_methods(["GET", "POST", "PUT"])
        .allow_headers(["content-type", "x-app", "x-key"])
        .expose_headers(["x-app-id"])
        .max_age(300)
        .build()
        .unwrap()
}

/// The app's grant of an actual request from `origin`.
fn app_actual(origin: &str) -> [(&str, &str); 3] {
    [(ACAO, origin), (ACAC, "true"), (ACEH, "x-app-id")]
}

// =====================================================================================
// 1. Two methods on one path, each with its own inline policy.
// =====================================================================================

#[cors(origin = "https://a.example")]
#[get("/items")]
async fn get_items(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /items");
    "items"
}

#[cors(origin = "https://b.example", credentials, headers("content-type"))]
#[post("/items")]
async fn post_items(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("POST /items");
    "created"
}

/// The per-method checks, the same whatever surrounds the handlers: each method's own policy
/// decides, alone.
async fn per_method_policies<S, B>(app: &S, hits: &Hits, path: &str, ctx: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    // POST's preflight from B: POST's policy.
    let res = send(app, preflight(path, B, "POST", Some("content-type"))).await;
    res.check(
        &format!("{ctx}: POST preflight from B"),
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "POST"), (ACAH, "content-type")],
        VARY_PREFLIGHT,
    );
    // ... which does not lend B to GET.
    let res = send(app, preflight(path, B, "GET", None)).await;
    res.check(&format!("{ctx}: GET preflight from B"), 403, "", &[], VARY_PREFLIGHT);
    let res = send(app, preflight(path, B, "GET", Some("content-type"))).await;
    res.check(&format!("{ctx}: GET preflight from B, content-type"), 403, "", &[], VARY_PREFLIGHT);
    // GET's preflight from A: GET's policy, without POST's credentials or headers.
    let res = send(app, preflight(path, A, "GET", None)).await;
    res.check(&format!("{ctx}: GET preflight from A"), 204, "", &[(ACAO, A), (ACAM, "GET")], VARY_PREFLIGHT);
    // GET's policy allows A but no header: its answer names what it allows.
    let res = send(app, preflight(path, A, "GET", Some("content-type"))).await;
    res.check(
        &format!("{ctx}: GET preflight from A, content-type"),
        204,
        "",
        &[(ACAO, A), (ACAM, "GET, HEAD, POST")],
        VARY_PREFLIGHT,
    );
    // POST does not lend its headers to A, nor GET its origin to POST.
    let res = send(app, preflight(path, A, "POST", None)).await;
    res.check(&format!("{ctx}: POST preflight from A"), 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}: a preflight ran a handler");

    // Actual requests: the handler runs; only its own policy writes headers.
    let res = send(app, actual(Method::GET, path, Some(A), &[])).await;
    res.check(&format!("{ctx}: GET from A"), 200, "items", &[(ACAO, A)], VARY_ORIGIN);
    let res = send(app, actual(Method::GET, path, Some(B), &[])).await;
    res.check(&format!("{ctx}: GET from B"), 200, "items", &[], VARY_ORIGIN);
    let res = send(app, actual(Method::POST, path, Some(B), &[])).await;
    res.check(&format!("{ctx}: POST from B"), 200, "created", &[(ACAO, B), (ACAC, "true")], VARY_ORIGIN);
    let res = send(app, actual(Method::POST, path, Some(A), &[])).await;
    res.check(&format!("{ctx}: POST from A"), 200, "created", &[], VARY_ORIGIN);
    let res = send(app, actual(Method::GET, path, None, &[])).await;
    res.check(&format!("{ctx}: GET, no Origin"), 200, "items", &[], VARY_ORIGIN);
    assert_eq!(
        hits.take(),
        ["GET /items", "GET /items", "POST /items", "POST /items", "GET /items"],
        "{ctx}"
    );

    // C is the app's origin (when there is an app policy): never the handlers'.
    let res = send(app, preflight(path, C, "GET", None)).await;
    res.check(&format!("{ctx}: GET preflight from C"), 403, "", &[], VARY_PREFLIGHT);
    let res = send(app, preflight(path, C, "POST", Some("content-type"))).await;
    res.check(&format!("{ctx}: POST preflight from C"), 403, "", &[], VARY_PREFLIGHT);
    let res = send(app, actual(Method::GET, path, Some(C), &[])).await;
    res.check(&format!("{ctx}: GET from C"), 200, "items", &[], VARY_ORIGIN);
    let res = send(app, actual(Method::POST, path, Some(C), &[])).await;
    res.check(&format!("{ctx}: POST from C"), 200, "created", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /items", "POST /items"], "{ctx}");
}

#[actix_web::test]
async fn per_method_policies_alone() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items]);
    per_method_policies(&app, &hits, "/items", "no app policy").await;
    // A method no handler has: no policy at all, so no resource accepts its preflight.
    let res = send(&app, preflight("/items", A, "PUT", None)).await;
    res.check("PUT preflight, no app policy", 404, "", &[], None);
    assert_eq!(hits.take(), Vec::<&str>::new());
}

#[actix_web::test]
async fn per_method_policies_under_an_app_policy_for_another_origin() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items, plain], Cors::new(app_c()));
    per_method_policies(&app, &hits, "/items", "app allows C").await;
    // The app layer is there, and governs what no handler claims.
    let res = send(&app, preflight("/plain", C, "PUT", Some("x-app"))).await;
    res.check(
        "PUT preflight on /plain from C",
        204,
        "",
        &[(ACAO, C), (ACAC, "true"), (ACAM, "PUT"), (ACAH, "x-app"), (ACMA, "300")],
        VARY_PREFLIGHT,
    );
    let res = send(&app, actual(Method::GET, "/plain", Some(C), &[])).await;
    res.check("GET /plain from C", 200, "plain", &app_actual(C), VARY_ORIGIN);
    // A method of /items that no handler has: the app's.
    let res = send(&app, preflight("/items", C, "PUT", None)).await;
    res.check(
        "PUT preflight on /items from C",
        204,
        "",
        &[(ACAO, C), (ACAC, "true"), (ACAM, "PUT"), (ACMA, "300")],
        VARY_PREFLIGHT,
    );
    assert_eq!(hits.take(), ["GET /plain"]);
}

#[actix_web::test]
async fn per_method_policies_under_an_app_policy_allowing_both_origins() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items, plain], Cors::new(app_abc()));
    // The app allows B with credentials, and A with exposed headers: none of it leaks in.
    per_method_policies(&app, &hits, "/items", "app allows A, B and C").await;
    let res = send(&app, actual(Method::GET, "/plain", Some(B), &[])).await;
    res.check("GET /plain from B", 200, "plain", &app_actual(B), VARY_ORIGIN);
    let res = send(&app, preflight("/plain", B, "GET", None)).await;
    res.check(
        "GET preflight on /plain from B",
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "GET"), (ACMA, "300")],
        VARY_PREFLIGHT,
    );
    assert_eq!(hits.take(), ["GET /plain"]);
}

#[actix_web::test]
async fn per_method_policies_in_a_scope_with_its_own_policy_under_an_app_policy() {
    // Handler over scope over app: the scope allows C (PUT), the app A, B and C.
    let hits = web::Data::new(Hits::default());
    let app = app!(
        hits,
        [web::scope("/s").service(get_items).service(post_items).cors(app_c())],
        Cors::new(app_abc())
    );
    per_method_policies(&app, &hits, "/s/items", "scope allows C, app allows A, B and C").await;
    // A method no handler has: the scope's, not the app's (which would grant A).
    let res = send(&app, preflight("/s/items", C, "PUT", None)).await;
    res.check(
        "PUT preflight on /s/items from C",
        204,
        "",
        &[(ACAO, C), (ACAC, "true"), (ACAM, "PUT"), (ACMA, "300")],
        VARY_PREFLIGHT,
    );
    let res = send(&app, preflight("/s/items", A, "PUT", None)).await;
    res.check("PUT preflight on /s/items from A", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<&str>::new());
}

#[actix_web::test]
async fn per_method_policies_under_a_blocking_app_policy_for_another_origin() {
    // The app blocks what it refuses (A and B among them), but it governs neither method: the
    // handlers, which do not block, run for every origin.
    let hits = web::Data::new(Hits::default());
    let app_policy = Policy::builder().allow_origin(D).block_disallowed(true).build().unwrap();
    let app = app!(hits, [get_items, post_items], Cors::new(app_policy));
    per_method_policies(&app, &hits, "/items", "blocking app allows D").await;
}

// =====================================================================================
// 2. A plain OPTIONS request is not a preflight.
// =====================================================================================

/// A user's own OPTIONS handler on the same path, registered after the `#[cors]` handlers.
#[options("/items")]
async fn options_items(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("OPTIONS /items");
    "options"
}

/// Per `Origin` of a plain OPTIONS request: status, body, CORS headers, `Vary`.
type Expected<'a> = (Option<&'a str>, u16, &'a str, &'a [(&'a str, &'a str)], Option<&'a str>);

/// Plain OPTIONS requests on /items: with an Origin of each kind, and without one. `expect`
/// gives, per Origin, the status, body and CORS headers the route table and the app give.
async fn plain_options<S, B>(app: &S, ctx: &str, expect: &[Expected<'_>])
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    for (origin, status, body, cors, vary) in expect {
        let res = send(app, actual(Method::OPTIONS, "/items", *origin, &[])).await;
        res.check(&format!("{ctx}: OPTIONS /items, Origin {origin:?}"), *status, body, cors, *vary);
        if origin.is_none() {
            // `Access-Control-Request-Method` without `Origin` is not a preflight either.
            let acrm = [("Access-Control-Request-Method", "GET")];
            let res = send(app, actual(Method::OPTIONS, "/items", None, &acrm)).await;
            res.check(&format!("{ctx}: OPTIONS /items, ACRM, no Origin"), *status, body, cors, *vary);
        }
    }
}

#[actix_web::test]
async fn plain_options_is_routed_as_a_normal_request() {
    // Without any OPTIONS route: no resource accepts it (the `#[cors]` guards accept only their
    // methods and their preflights), so actix-web's default service answers 404.
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items]);
    plain_options(
        &app,
        "no app policy",
        &[(Some(A), 404, "", &[], None), (Some(B), 404, "", &[], None), (None, 404, "", &[], None)],
    )
    .await;
    assert_eq!(hits.take(), Vec::<&str>::new());

    // Under an app policy, it is an actual CORS request: the app's headers, never the handlers'.
    let app = app!(hits, [get_items, post_items], Cors::new(app_c()));
    plain_options(
        &app,
        "app allows C",
        &[
            (Some(C), 404, "", &app_actual(C), VARY_ORIGIN),
            // GET's and POST's origins, which the app does not list.
            (Some(A), 404, "", &[], VARY_ORIGIN),
            (Some(B), 404, "", &[], VARY_ORIGIN),
            (None, 404, "", &[], VARY_ORIGIN),
        ],
    )
    .await;
    let app = app!(hits, [get_items, post_items], Cors::new(app_abc()));
    plain_options(
        &app,
        "app allows A, B and C",
        &[
            // The app's grant (credentials, exposed headers), not GET's (origin only).
            (Some(A), 404, "", &app_actual(A), VARY_ORIGIN),
            (Some(B), 404, "", &app_actual(B), VARY_ORIGIN),
            (None, 404, "", &[], VARY_ORIGIN),
        ],
    )
    .await;
    assert_eq!(hits.take(), Vec::<&str>::new());
}

#[actix_web::test]
async fn plain_options_reaches_the_users_options_handler_and_a_preflight_does_not() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items, options_items]);
    plain_options(
        &app,
        "no app policy",
        &[
            (Some(A), 200, "options", &[], None),
            (Some(B), 200, "options", &[], None),
            (None, 200, "options", &[], None),
        ],
    )
    .await;
    assert_eq!(hits.take(), ["OPTIONS /items"; 4]);
    let res = send(&app, preflight("/items", A, "GET", None)).await;
    res.check("GET preflight from A", 204, "", &[(ACAO, A), (ACAM, "GET")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/items", B, "GET", None)).await;
    res.check("GET preflight from B", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(
        hits.take(),
        Vec::<&str>::new(),
        "the OPTIONS handler never sees a #[cors] handler's preflight"
    );

    let app = app!(hits, [get_items, post_items, options_items], Cors::new(app_abc()));
    plain_options(
        &app,
        "app allows A, B and C",
        &[
            (Some(A), 200, "options", &app_actual(A), VARY_ORIGIN),
            (Some(C), 200, "options", &app_actual(C), VARY_ORIGIN),
            (None, 200, "options", &[], VARY_ORIGIN),
        ],
    )
    .await;
    assert_eq!(hits.take(), ["OPTIONS /items"; 4]);
    let res = send(&app, preflight("/items", B, "GET", None)).await;
    res.check("GET preflight from B, app allows B", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<&str>::new());
}

#[actix_web::test]
async fn a_users_options_handler_registered_first_takes_the_preflight_without_an_outer_layer() {
    // Documented residual case (cors-actix docs, "Residual cases"): a resource registered before
    // the `#[cors]` handler that also matches the preflight gets it first. Under an app-wide
    // `Cors`, the marker lookup sees through it and answers with GET's policy; with no outer
    // layer, nothing can, and the user's OPTIONS handler runs.
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [options_items, get_items, post_items]);
    let res = send(&app, preflight("/items", A, "GET", None)).await;
    res.check("GET preflight from A, OPTIONS handler first, no app policy", 200, "options", &[], None);
    assert_eq!(hits.take(), ["OPTIONS /items"]);

    let app = app!(hits, [options_items, get_items, post_items], Cors::new(app_abc()));
    let res = send(&app, preflight("/items", A, "GET", None)).await;
    res.check(
        "GET preflight from A, OPTIONS handler first",
        204,
        "",
        &[(ACAO, A), (ACAM, "GET")],
        VARY_PREFLIGHT,
    );
    let res = send(&app, preflight("/items", B, "GET", None)).await;
    res.check("GET preflight from B, OPTIONS handler first", 403, "", &[], VARY_PREFLIGHT);
    let res = send(&app, preflight("/items", B, "POST", Some("content-type"))).await;
    res.check(
        "POST preflight from B, OPTIONS handler first",
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "POST"), (ACAH, "content-type")],
        VARY_PREFLIGHT,
    );
    assert_eq!(hits.take(), Vec::<&str>::new(), "a preflight ran user code under the app layer");
}

// =====================================================================================
// 3. Inline, named, any_origin and disable; named on a scope and on an app.
// =====================================================================================

/// A named policy, with settings no other policy here has.
#[derive(CorsPolicy)]
#[cors(
    origins("https://b.example"),
    credentials,
    methods(GET, PUT),
    headers("x-named"),
    expose("x-named-id"),
    max_age = 600
)]
struct Partner;

#[cors(origin = "https://a.example", expose("x-inline-id"), max_age = 60)]
#[get("/inline")]
async fn inline(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /inline");
    "inline"
}

#[cors(policy = Partner)]
#[get("/named")]
async fn named(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /named");
    "named"
}

#[cors(any_origin)]
#[get("/any")]
async fn any(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /any");
    "any"
}

#[cors(disable)]
#[get("/off")]
async fn off(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /off");
    "off"
}

/// The four handler forms, the same alone and under any app policy.
async fn handler_forms<S, B>(app: &S, hits: &Hits, ctx: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let what = |s: &str| format!("{ctx}: {s}");

    // Inline.
    let res = send(app, preflight("/inline", A, "GET", None)).await;
    res.check(
        &what("inline preflight from A"),
        204,
        "",
        &[(ACAO, A), (ACAM, "GET"), (ACMA, "60")],
        VARY_PREFLIGHT,
    );
    for origin in [B, C] {
        let res = send(app, preflight("/inline", origin, "GET", None)).await;
        res.check(&what(&format!("inline preflight from {origin}")), 403, "", &[], VARY_PREFLIGHT);
    }
    let res = send(app, actual(Method::GET, "/inline", Some(A), &[])).await;
    res.check(&what("inline GET from A"), 200, "inline", &[(ACAO, A), (ACEH, "x-inline-id")], VARY_ORIGIN);
    let res = send(app, actual(Method::GET, "/inline", Some(B), &[])).await;
    res.check(&what("inline GET from B"), 200, "inline", &[], VARY_ORIGIN);

    // Named.
    let res = send(app, preflight("/named", B, "GET", Some("x-named"))).await;
    res.check(
        &what("named preflight from B"),
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "GET"), (ACAH, "x-named"), (ACMA, "600")],
        VARY_PREFLIGHT,
    );
    let res = send(app, preflight("/named", B, "GET", Some("x-app"))).await;
    res.check(
        &what("named preflight from B, x-app"),
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "GET, HEAD, POST, PUT"), (ACAH, "x-named")],
        VARY_PREFLIGHT,
    );
    let res = send(app, preflight("/named", A, "GET", None)).await;
    res.check(&what("named preflight from A"), 403, "", &[], VARY_PREFLIGHT);
    let res = send(app, actual(Method::GET, "/named", Some(B), &[])).await;
    res.check(
        &what("named GET from B"),
        200,
        "named",
        &[(ACAO, B), (ACAC, "true"), (ACEH, "x-named-id")],
        VARY_ORIGIN,
    );
    let res = send(app, actual(Method::GET, "/named", Some(A), &[])).await;
    res.check(&what("named GET from A"), 200, "named", &[], VARY_ORIGIN);

    // Any origin: `*`, no credentials even where the app has them, and no `Vary: Origin`.
    let vary_any = Some("Access-Control-Request-Method, Access-Control-Request-Headers");
    let res = send(app, preflight("/any", C, "GET", None)).await;
    res.check(&what("any preflight from C"), 204, "", &[(ACAO, "*"), (ACAM, "GET")], vary_any);
    let res = send(app, preflight("/any", A, "GET", Some("x-app"))).await;
    res.check(
        &what("any preflight from A, x-app"),
        204,
        "",
        &[(ACAO, "*"), (ACAM, "GET, HEAD, POST")],
        vary_any,
    );
    let res = send(app, actual(Method::GET, "/any", Some(A), &[])).await;
    res.check(&what("any GET from A"), 200, "any", &[(ACAO, "*")], None);
    let res = send(app, actual(Method::GET, "/any", None, &[])).await;
    res.check(&what("any GET, no Origin"), 200, "any", &[], None);

    // Disabled: no CORS header at all, whoever asks; its preflights refused.
    for origin in [A, B, C] {
        let res = send(app, preflight("/off", origin, "GET", None)).await;
        res.check(&what(&format!("off preflight from {origin}")), 403, "", &[], None);
        let res = send(app, actual(Method::GET, "/off", Some(origin), &[])).await;
        res.check(&what(&format!("off GET from {origin}")), 200, "off", &[], None);
    }
    assert_eq!(
        hits.take(),
        [
            "GET /inline",
            "GET /inline",
            "GET /named",
            "GET /named",
            "GET /any",
            "GET /any",
            "GET /off",
            "GET /off",
            "GET /off"
        ],
        "{ctx}: preflights ran no handler"
    );
}

#[actix_web::test]
async fn handler_forms_alone() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [inline, named, any, off]);
    handler_forms(&app, &hits, "no app policy").await;
}

#[actix_web::test]
async fn handler_forms_under_an_app_policy() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [inline, named, any, off, plain], Cors::new(app_abc()));
    handler_forms(&app, &hits, "app allows A, B and C").await;
    // The app policy itself, where it governs.
    let res = send(&app, actual(Method::GET, "/plain", Some(A), &[])).await;
    res.check("GET /plain from A", 200, "plain", &app_actual(A), VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /plain"]);
}

#[actix_web::test]
async fn handler_forms_under_a_blocking_app_policy_for_another_origin() {
    // The app would block A, B and C; it governs none of these handlers, so it blocks nothing.
    let hits = web::Data::new(Hits::default());
    let app_policy = Policy::builder().allow_origin(D).block_disallowed(true).build().unwrap();
    let app = app!(hits, [inline, named, any, off, plain], Cors::new(app_policy));
    handler_forms(&app, &hits, "blocking app allows D").await;
    let res = send(&app, actual(Method::GET, "/plain", Some(A), &[])).await;
    res.check("GET /plain from A", 403, "", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), Vec::<&str>::new());
}

/// A plain actix-web handler, used inside a scope and at the root of an app.
#[get("/orders")]
async fn orders(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /orders");
    "orders"
}

/// An inline policy inside a scope governed by the named one.
#[cors(origin = "https://c.example")]
#[get("/special")]
async fn special(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /special");
    "special"
}

/// `path` governed by `Partner`, under whatever surrounds it.
async fn partner_governs<S, B>(app: &S, hits: &Hits, path: &str, body: &str, ctx: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let what = |s: &str| format!("{ctx}: {path}: {s}");
    let res = send(app, preflight(path, B, "PUT", Some("x-named"))).await;
    res.check(
        &what("PUT preflight from B"),
        204,
        "",
        &[(ACAO, B), (ACAC, "true"), (ACAM, "PUT"), (ACAH, "x-named"), (ACMA, "600")],
        VARY_PREFLIGHT,
    );
    for origin in [A, C] {
        let res = send(app, preflight(path, origin, "GET", None)).await;
        res.check(&what(&format!("GET preflight from {origin}")), 403, "", &[], VARY_PREFLIGHT);
    }
    let res = send(app, actual(Method::GET, path, Some(B), &[])).await;
    res.check(
        &what("GET from B"),
        200,
        body,
        &[(ACAO, B), (ACAC, "true"), (ACEH, "x-named-id")],
        VARY_ORIGIN,
    );
    let res = send(app, actual(Method::GET, path, Some(A), &[])).await;
    res.check(&what("GET from A"), 200, body, &[], VARY_ORIGIN);
    assert_eq!(hits.take().len(), 2, "{ctx}: {path}: preflights ran no handler");
}

/// `/…/special`: its own inline policy (C) beats the named policy around it.
async fn special_governs<S, B>(app: &S, hits: &Hits, path: &str, ctx: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let what = |s: &str| format!("{ctx}: {path}: {s}");
    let res = send(app, preflight(path, C, "GET", None)).await;
    res.check(&what("GET preflight from C"), 204, "", &[(ACAO, C), (ACAM, "GET")], VARY_PREFLIGHT);
    let res = send(app, preflight(path, B, "GET", None)).await;
    res.check(&what("GET preflight from B"), 403, "", &[], VARY_PREFLIGHT);
    let res = send(app, actual(Method::GET, path, Some(C), &[])).await;
    res.check(&what("GET from C"), 200, "special", &[(ACAO, C)], VARY_ORIGIN);
    let res = send(app, actual(Method::GET, path, Some(B), &[])).await;
    res.check(&what("GET from B"), 200, "special", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /special", "GET /special"], "{ctx}: {path}");
}

#[actix_web::test]
async fn named_policy_on_a_scope() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [web::scope("/partner").service(orders).service(special).cors(Partner)]);
    partner_governs(&app, &hits, "/partner/orders", "orders", "scope, no app policy").await;
    special_governs(&app, &hits, "/partner/special", "scope, no app policy").await;

    let app = app!(
        hits,
        [web::scope("/partner").service(orders).service(special).cors(Partner), plain],
        Cors::new(app_abc())
    );
    partner_governs(&app, &hits, "/partner/orders", "orders", "scope, app allows A, B and C").await;
    special_governs(&app, &hits, "/partner/special", "scope, app allows A, B and C").await;
    let res = send(&app, actual(Method::GET, "/plain", Some(A), &[])).await;
    res.check("GET /plain from A", 200, "plain", &app_actual(A), VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /plain"]);
}

#[actix_web::test]
async fn named_policy_on_an_app() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [orders, special, inline, off], Cors::from(Partner));
    partner_governs(&app, &hits, "/orders", "orders", "Cors::from(Partner) on the app").await;
    special_governs(&app, &hits, "/special", "Cors::from(Partner) on the app").await;
    // B is the app's origin, and still nothing from the app on the handlers' responses.
    let res = send(&app, preflight("/inline", B, "GET", Some("x-named"))).await;
    res.check("inline preflight from B", 403, "", &[], VARY_PREFLIGHT);
    let res = send(&app, actual(Method::GET, "/inline", Some(B), &[])).await;
    res.check("inline GET from B", 200, "inline", &[], VARY_ORIGIN);
    let res = send(&app, preflight("/off", B, "GET", None)).await;
    res.check("off preflight from B", 403, "", &[], None);
    let res = send(&app, actual(Method::GET, "/off", Some(B), &[])).await;
    res.check("off GET from B", 200, "off", &[], None);
    assert_eq!(hits.take(), ["GET /inline", "GET /off"]);
}

// =====================================================================================
// 4. SPEC section 3, known limit: the per-URL preflight cache, and `block_disallowed`.
// =====================================================================================

#[cors(origin = "https://a.example", block_disallowed)]
#[get("/things")]
async fn get_things(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("GET /things");
    "things"
}

#[cors(origin = "https://b.example", block_disallowed)]
#[post("/things")]
async fn post_things(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("POST /things");
    "posted"
}

async fn blocking_per_method<S, B>(app: &S, hits: &Hits, ctx: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let what = |s: &str| format!("{ctx}: {s}");
    // B's preflight for POST is granted: a browser caches the grant for B and /things, and may
    // then send a GET from B without a preflight (GET needs none anyway).
    let res = send(app, preflight("/things", B, "POST", None)).await;
    res.check(&what("POST preflight from B"), 204, "", &[(ACAO, B), (ACAM, "POST")], VARY_PREFLIGHT);
    let res = send(app, preflight("/things", B, "GET", None)).await;
    res.check(&what("GET preflight from B"), 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}: a preflight ran a handler");
    // GET's own policy refuses B, and blocks: the GET handler never runs.
    let res = send(app, actual(Method::GET, "/things", Some(B), &[])).await;
    res.check(&what("GET from B"), 403, "", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}: the GET handler ran for B");
    // The other way round, for POST.
    let res = send(app, actual(Method::POST, "/things", Some(A), &[])).await;
    res.check(&what("POST from A"), 403, "", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}: the POST handler ran for A");
    // Each method's own origin runs it; no Origin is not CORS, never blocked.
    let res = send(app, actual(Method::GET, "/things", Some(A), &[])).await;
    res.check(&what("GET from A"), 200, "things", &[(ACAO, A)], VARY_ORIGIN);
    let res = send(app, actual(Method::POST, "/things", Some(B), &[])).await;
    res.check(&what("POST from B"), 200, "posted", &[(ACAO, B)], VARY_ORIGIN);
    let res = send(app, actual(Method::GET, "/things", None, &[])).await;
    res.check(&what("GET, no Origin"), 200, "things", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /things", "POST /things", "GET /things"], "{ctx}");
}

#[actix_web::test]
async fn blocking_per_method_alone() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_things, post_things]);
    blocking_per_method(&app, &hits, "no app policy").await;
}

#[actix_web::test]
async fn blocking_per_method_under_an_app_policy_allowing_both() {
    // The app allows B (and A): GET's policy still refuses B, and blocks.
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_things, post_things], Cors::new(app_abc()));
    blocking_per_method(&app, &hits, "app allows A, B and C").await;
}

#[actix_web::test]
async fn blocking_per_method_under_a_blocking_app_policy_allowing_neither() {
    // The app refuses A and B and blocks what it refuses, but it governs neither method here.
    let hits = web::Data::new(Hits::default());
    let app_policy = Policy::builder().allow_origin(C).block_disallowed(true).build().unwrap();
    let app = app!(hits, [get_things, post_things, plain], Cors::new(app_policy));
    blocking_per_method(&app, &hits, "blocking app allows C").await;
    let res = send(&app, actual(Method::GET, "/plain", Some(A), &[])).await;
    res.check("GET /plain from A", 403, "", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), Vec::<&str>::new());
}

#[actix_web::test]
async fn without_blocking_the_cached_grant_lets_the_request_run() {
    // The limit itself: GET /items from B (which only POST's policy allows) runs GET's handler,
    // without CORS headers; the browser hides the response, but the handler's effects happen.
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [get_items, post_items]);
    let res = send(&app, preflight("/items", B, "POST", None)).await;
    res.check("POST preflight from B", 204, "", &[(ACAO, B), (ACAC, "true"), (ACAM, "POST")], VARY_PREFLIGHT);
    let res = send(&app, actual(Method::GET, "/items", Some(B), &[])).await;
    res.check("GET from B", 200, "items", &[], VARY_ORIGIN);
    assert_eq!(hits.take(), ["GET /items"]);
}

// =====================================================================================
// 5. The user's own `guard` and `wrap` on a `#[cors]` route.
// =====================================================================================

fn needs_key(ctx: &GuardContext<'_>) -> bool {
    ctx.head().headers.contains_key("x-key")
}

/// The user's middleware: counts its calls and marks the response.
async fn count_wrap(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(hits) = req.app_data::<web::Data<Hits>>() {
        hits.hit("wrap");
    }
    let mut res = next.call(req).await?;
    res.headers_mut().insert("x-wrapped".try_into().unwrap(), HeaderValue::from_static("1"));
    Ok(res)
}

#[cors(origin = "https://a.example", headers("x-key"))]
#[put("/guarded", guard = "needs_key", wrap = "from_fn(count_wrap)")]
async fn guarded(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("PUT /guarded");
    "guarded"
}

async fn guard_and_wrap<S, B>(
    app: &S,
    hits: &Hits,
    ctx: &str,
    app_grant_for_a: &[(&str, &str)],
    app_vary: Option<&str>,
    outer: bool,
) where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let what = |s: &str| format!("{ctx}: {s}");
    // The preflight carries no `x-key` (a browser never sends the script's headers in one).
    // Under an outer CORS layer, which evaluates the guard before routing, the handler's policy
    // answers it: no handler policy's guard passes, so the first whose path and method match
    // governs. Without one, routing evaluates the guard, and the preflight is not the route's:
    // the default service's 404, with no CORS header (a refusal, never a wrong grant).
    let res = send(app, preflight("/guarded", A, "PUT", Some("x-key"))).await;
    if outer {
        res.check(
            &what("PUT preflight from A"),
            204,
            "",
            &[(ACAO, A), (ACAM, "PUT"), (ACAH, "x-key")],
            VARY_PREFLIGHT,
        );
    } else {
        res.check(&what("PUT preflight from A"), 404, "", &[], None);
    }
    assert_eq!(res.header("x-wrapped"), None, "{ctx}");
    let res = send(app, preflight("/guarded", B, "PUT", Some("x-key"))).await;
    if outer {
        res.check(&what("PUT preflight from B"), 403, "", &[], VARY_PREFLIGHT);
    } else {
        res.check(&what("PUT preflight from B"), 404, "", &[], None);
    }
    assert_eq!(res.header("x-wrapped"), None, "{ctx}");
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}: a preflight ran user code");

    // The actual request goes through the guard and the wrap.
    let res = send(app, actual(Method::PUT, "/guarded", Some(A), &[("x-key", "1")])).await;
    res.check(&what("PUT from A with x-key"), 200, "guarded", &[(ACAO, A)], VARY_ORIGIN);
    assert_eq!(res.header("x-wrapped"), Some("1"), "{ctx}");
    assert_eq!(hits.take(), ["wrap", "PUT /guarded"], "{ctx}");
    let res = send(app, actual(Method::PUT, "/guarded", Some(B), &[("x-key", "1")])).await;
    res.check(&what("PUT from B with x-key"), 200, "guarded", &[], VARY_ORIGIN);
    assert_eq!(res.header("x-wrapped"), Some("1"), "{ctx}");
    assert_eq!(hits.take(), ["wrap", "PUT /guarded"], "{ctx}");
    // The guard still rejects the route's own requests: nothing of the route runs, and the
    // default service's 404 is the app's to decorate (if there is an app policy).
    let res = send(app, actual(Method::PUT, "/guarded", Some(A), &[])).await;
    res.check(&what("PUT from A without x-key"), 404, "", app_grant_for_a, app_vary);
    assert_eq!(res.header("x-wrapped"), None, "{ctx}");
    assert_eq!(hits.take(), Vec::<&str>::new(), "{ctx}");
}

#[actix_web::test]
async fn user_guard_and_wrap_alone() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [guarded]);
    guard_and_wrap(&app, &hits, "no app policy", &[], None, false).await;
}

#[actix_web::test]
async fn user_guard_and_wrap_under_an_app_policy() {
    let hits = web::Data::new(Hits::default());
    let app = app!(hits, [guarded], Cors::new(app_abc()));
    guard_and_wrap(&app, &hits, "app allows A, B and C", &app_actual(A), VARY_ORIGIN, true).await;
}
