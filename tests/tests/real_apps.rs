//! Precedence in apps built the way people build them (issue 10, SPEC section 1): an auth layer
//! between the CORS layers, `ErrorHandlers`, guards, `NormalizePath`, percent-encoded paths,
//! tail patterns, registrations that shadow a handler, blocking, no app policy at all.
//!
//! One test per case the issue lists, each also with the roles swapped (the outer policy's
//! origin where the inner one governs). Every response is checked whole (status, body, the exact
//! set of `Access-Control-*` headers, `Vary`), and every preflight is checked to run no user
//! code: no handler, no auth layer, no error handler.

use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::guard::{self, GuardContext};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{
    from_fn, Compress, ErrorHandlerResponse, ErrorHandlers, Logger, Next, NormalizePath,
};
use actix_web::{delete, get, put, test, web, App, Error, HttpResponse, Responder};
use cors_actix::{cors, Cors, Policy, ScopeExt};
use tests::inproc::names::*;
use tests::inproc::{actual, preflight, send};

/// The app-wide policy's origin.
const A: &str = "https://app.example";
/// Handler policies' origin.
const H: &str = "https://handler.example";
/// Scope policies' origin.
const P: &str = "https://partner.example";

// ---- What ran ----

/// The handlers and middleware that ran; shared by every worker of one app.
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<Vec<String>>>);

impl Hits {
    fn hit(&self, what: impl Into<String>) {
        self.0.lock().unwrap().push(what.into());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn hits_of(req: &ServiceRequest) -> Hits {
    req.app_data::<web::Data<Hits>>().map(|h| h.get_ref().clone()).unwrap_or_default()
}

/// The app-wide policy: A, with credentials; PUT, DELETE and PATCH; `content-type`; exposes
/// `x-app`; max age 600.
fn app_policy() -> Policy {
    Policy::builder()
        .allow_origin(A)
        .allow_credentials(true)
        .allow_methods(["PUT", "DELETE", "PATCH"])
        .allow_headers(["content-type"])
        .expose_headers(["x-app"])
        .max_age(600)
        .build()
        .unwrap()
}

/// A scope policy: P, PUT and DELETE, no credentials.
fn partner() -> Policy {
    Policy::builder().allow_origin(P).allow_methods(["PUT", "DELETE"]).build().unwrap()
}

/// What the app-wide policy writes on an actual response to A.
const APP_GRANT: [(&str, &str); 3] = [(ACAO, A), (ACAC, "true"), (ACEH, "x-app")];

/// An auth layer answering 401 unless `Authorization` is present; with `x-fail: err` it returns
/// an `Err` instead.
async fn auth(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    hits_of(&req).hit("auth");
    if req.headers().contains_key("authorization") {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    if req.headers().get("x-fail").is_some_and(|v| v == "err") {
        return Err(actix_web::error::ErrorUnauthorized("no credentials"));
    }
    Ok(req.into_response(HttpResponse::Unauthorized().body("login first")).map_into_right_body())
}

/// An error handler that rebuilds the response from scratch: its headers and extensions are gone.
fn rebuild<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    hits_of_response(&res).hit(format!("rebuild {}", res.status().as_u16()));
    let (req, res) = res.into_parts();
    let fresh = HttpResponse::build(res.status()).body("rebuilt");
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, fresh).map_into_right_body()))
}

fn hits_of_response<B>(res: &ServiceResponse<B>) -> Hits {
    res.request().app_data::<web::Data<Hits>>().map(|h| h.get_ref().clone()).unwrap_or_default()
}

fn counted(
    hits: &Hits,
    what: &'static str,
) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone + 'static {
    let hits = hits.clone();
    move || {
        hits.hit(what);
        std::future::ready(HttpResponse::Ok().body(what))
    }
}

// =============================================================================================
// 1. A percent-encoded path is the path routing sees: it cannot escape a handler or scope policy.
// =============================================================================================

#[cors(origin = "https://handler.example", methods(DELETE))]
#[delete("/admin/users/{id}")]
async fn delete_user(hits: web::Data<Hits>, id: web::Path<String>) -> impl Responder {
    hits.hit(format!("delete user {id}"));
    "deleted"
}

macro_rules! encoded_app {
    ($hits:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($hits.clone()))
                .service(delete_user)
                .service(
                    web::scope("/partner")
                        .route("/x", web::route().to(counted(&$hits, "partner x")))
                        .cors(partner()),
                )
                .route("/elsewhere", web::route().to(counted(&$hits, "elsewhere")))
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

#[actix_web::test]
async fn encoded_paths_are_governed_by_the_policy_of_the_resource_routing_reaches() {
    let hits = Hits::default();
    let app = encoded_app!(hits);
    for path in ["/admin/users/1", "/admin/us%65rs/1", "/%61dmin/users/1", "/admin/users/%31"] {
        // The app's origin is refused: the handler's policy governs, whatever the spelling.
        let res = send(&app, preflight(path, A, "DELETE", None, &[])).await;
        res.check(&format!("{path}: DELETE preflight from A"), 403, "", &[], VARY_PREFLIGHT);
        let res = send(&app, preflight(path, H, "DELETE", None, &[])).await;
        res.check(
            &format!("{path}: DELETE preflight from H"),
            204,
            "",
            &[(ACAO, H), (ACAM, "DELETE")],
            VARY_PREFLIGHT,
        );
        assert_eq!(hits.take(), Vec::<String>::new(), "{path}: a preflight ran user code");
        // The actual request reaches the handler, which governs its response alone.
        let res = send(&app, actual(Method::DELETE, path, Some(H), &[])).await;
        res.check(&format!("{path}: DELETE from H"), 200, "deleted", &[(ACAO, H)], VARY_ORIGIN);
        let res = send(&app, actual(Method::DELETE, path, Some(A), &[])).await;
        res.check(&format!("{path}: DELETE from A"), 200, "deleted", &[], VARY_ORIGIN);
        assert_eq!(hits.take(), ["delete user 1", "delete user 1"], "{path}");
    }
    for path in ["/partner/x", "/p%61rtner/x", "/partner/%78"] {
        let res = send(&app, preflight(path, A, "PUT", None, &[])).await;
        res.check(&format!("{path}: PUT preflight from A"), 403, "", &[], VARY_PREFLIGHT);
        let res = send(&app, preflight(path, P, "PUT", None, &[])).await;
        res.check(
            &format!("{path}: PUT preflight from P"),
            204,
            "",
            &[(ACAO, P), (ACAM, "PUT")],
            VARY_PREFLIGHT,
        );
        let res = send(&app, actual(Method::PUT, path, Some(A), &[])).await;
        res.check(&format!("{path}: PUT from A"), 200, "partner x", &[], VARY_ORIGIN);
        assert_eq!(hits.take(), ["partner x"], "{path}");
    }
    // An encoded slash stays encoded for routing: `/admin/users%2F1` is no user of the handler,
    // and the app's policy governs it.
    let res = send(&app, preflight("/admin/users%2F1", A, "DELETE", None, &[])).await;
    res.check(
        "encoded slash: DELETE preflight from A",
        204,
        "",
        &[(ACAO, A), (ACAC, "true"), (ACAM, "DELETE"), (ACMA, "600")],
        VARY_PREFLIGHT,
    );
    let res = send(&app, actual(Method::DELETE, "/admin/users%2F1", Some(A), &[])).await;
    res.check("encoded slash: DELETE from A", 404, "", &APP_GRANT, VARY_ORIGIN);
    assert_eq!(hits.take(), Vec::<String>::new());
}

// =============================================================================================
// 2. A middleware between the app's layer and a handler or scope policy: its 401, or its `Err`,
//    carries the governing policy's headers.
// =============================================================================================

#[cors(origin = "https://handler.example", credentials)]
#[put("/orders/{id}")]
async fn put_order(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("put order");
    "put"
}

macro_rules! auth_app {
    ($hits:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($hits.clone()))
                .service(put_order)
                .service(
                    web::scope("/s").route("/x", web::route().to(counted(&$hits, "s x"))).cors(partner()),
                )
                .route("/items", web::route().to(counted(&$hits, "items")))
                .wrap(from_fn(auth))
                .wrap(Logger::default())
                .wrap(Compress::default())
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

#[actix_web::test]
async fn a_401_or_err_from_a_middleware_between_the_layers_carries_the_governing_policy() {
    let hits = Hits::default();
    let app = auth_app!(hits);
    for (fail, body) in [(None, "login first"), (Some(("x-fail", "err")), "no credentials")] {
        let extra: Vec<(&str, &str)> = fail.into_iter().collect();
        let what = |s: &str| format!("{}: {s}", if extra.is_empty() { "401" } else { "Err" });
        // The handler's policy governs /orders/1: H is granted, A is not.
        let res = send(&app, actual(Method::PUT, "/orders/1", Some(H), &extra)).await;
        res.check(&what("PUT /orders/1 from H"), 401, body, &[(ACAO, H), (ACAC, "true")], VARY_ORIGIN);
        let res = send(&app, actual(Method::PUT, "/orders/1", Some(A), &extra)).await;
        res.check(&what("PUT /orders/1 from A"), 401, body, &[], VARY_ORIGIN);
        // The scope's policy governs /s/x.
        let res = send(&app, actual(Method::GET, "/s/x", Some(P), &extra)).await;
        res.check(&what("GET /s/x from P"), 401, body, &[(ACAO, P)], VARY_ORIGIN);
        let res = send(&app, actual(Method::GET, "/s/x", Some(A), &extra)).await;
        res.check(&what("GET /s/x from A"), 401, body, &[], VARY_ORIGIN);
        // The app's governs the rest.
        let res = send(&app, actual(Method::GET, "/items", Some(A), &extra)).await;
        res.check(&what("GET /items from A"), 401, body, &APP_GRANT, VARY_ORIGIN);
        let res = send(&app, actual(Method::GET, "/items", Some(H), &extra)).await;
        res.check(&what("GET /items from H"), 401, body, &[], VARY_ORIGIN);
        // Without an Origin, the governing policy still varies on it.
        let res = send(&app, actual(Method::PUT, "/orders/1", None, &extra)).await;
        res.check(&what("PUT /orders/1 without Origin"), 401, body, &[], VARY_ORIGIN);
        assert_eq!(hits.take().len(), 7, "{}", what("the auth layer ran for each actual request"));
    }
    // Preflights never reach the auth layer.
    let res = send(&app, preflight("/orders/1", H, "PUT", None, &[])).await;
    res.check(
        "PUT preflight /orders/1 from H",
        204,
        "",
        &[(ACAO, H), (ACAC, "true"), (ACAM, "PUT")],
        VARY_PREFLIGHT,
    );
    let res = send(&app, preflight("/orders/1", A, "PUT", None, &[])).await;
    res.check("PUT preflight /orders/1 from A", 403, "", &[], VARY_PREFLIGHT);
    let res = send(&app, preflight("/s/x", P, "DELETE", None, &[])).await;
    res.check("DELETE preflight /s/x from P", 204, "", &[(ACAO, P), (ACAM, "DELETE")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/s/x", A, "DELETE", None, &[])).await;
    res.check("DELETE preflight /s/x from A", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<String>::new(), "a preflight ran user code");
    // Authorized, the handlers run and their responses carry their own policy's headers.
    let auth = [("authorization", "Bearer t")];
    let res = send(&app, actual(Method::PUT, "/orders/1", Some(H), &auth)).await;
    res.check("authorized PUT /orders/1 from H", 200, "put", &[(ACAO, H), (ACAC, "true")], VARY_ORIGIN);
    let res = send(&app, actual(Method::GET, "/s/x", Some(P), &auth)).await;
    res.check("authorized GET /s/x from P", 200, "s x", &[(ACAO, P)], VARY_ORIGIN);
    assert_eq!(hits.take(), ["auth", "put order", "auth", "s x"]);
}

// =============================================================================================
// 3. A response rebuilt by `ErrorHandlers` between the layers keeps the governing policy.
// =============================================================================================

#[cors(disable)]
#[get("/internal")]
async fn internal(hits: web::Data<Hits>) -> HttpResponse {
    hits.hit("internal");
    HttpResponse::InternalServerError().body("boom")
}

#[actix_web::test]
async fn a_response_error_handlers_rebuilt_keeps_the_governing_policy() {
    let hits = Hits::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(internal)
            .service(web::scope("/s").route("/x", web::get().to(counted(&hits, "s x"))).cors(partner()))
            .wrap(
                ErrorHandlers::new()
                    .handler(StatusCode::NOT_FOUND, rebuild)
                    .handler(StatusCode::INTERNAL_SERVER_ERROR, rebuild),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    // A 404 inside the scope: the scope's policy, not the app's, for the rebuilt response.
    let res = send(&app, actual(Method::GET, "/s/missing", Some(A), &[])).await;
    res.check("404 in the scope from A", 404, "rebuilt", &[], VARY_ORIGIN);
    let res = send(&app, actual(Method::GET, "/s/missing", Some(P), &[])).await;
    res.check("404 in the scope from P", 404, "rebuilt", &[(ACAO, P)], VARY_ORIGIN);
    // The disabled handler's 500 stays non-CORS: no header of any policy, no Vary.
    let res = send(&app, actual(Method::GET, "/internal", Some(A), &[])).await;
    res.check("disabled handler's 500 from A", 500, "rebuilt", &[], None);
    // Outside them, the app's policy.
    let res = send(&app, actual(Method::GET, "/nowhere", Some(A), &[])).await;
    res.check("404 outside from A", 404, "rebuilt", &APP_GRANT, VARY_ORIGIN);
    let res = send(&app, actual(Method::GET, "/nowhere", Some(P), &[])).await;
    res.check("404 outside from P", 404, "rebuilt", &[], VARY_ORIGIN);
    assert_eq!(
        hits.take(),
        ["rebuild 404", "rebuild 404", "internal", "rebuild 500", "rebuild 404", "rebuild 404"]
    );
    // Preflights: answered before ErrorHandlers sees anything.
    let res = send(&app, preflight("/internal", A, "GET", None, &[])).await;
    res.check("preflight to the disabled handler", 403, "", &[], None);
    let res = send(&app, preflight("/s/missing", A, "PUT", None, &[])).await;
    res.check("preflight in the scope from A", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<String>::new(), "a preflight ran user code");
}

// =============================================================================================
// 4. Guards: scopes of one prefix told apart by `guard::Host`, and handlers of one path told
//    apart by `guard = ".."`.
// =============================================================================================

fn for_host(host: &'static str) -> impl Fn(&GuardContext<'_>) -> bool {
    move |ctx| ctx.head().headers.get("host").is_some_and(|h| h == host)
}

fn host_a(ctx: &GuardContext<'_>) -> bool {
    for_host("a.example")(ctx)
}

fn host_b(ctx: &GuardContext<'_>) -> bool {
    for_host("b.example")(ctx)
}

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/doc", guard = "host_a")]
async fn doc_on_a(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("doc on a");
    "doc a"
}

#[cors(origin = "https://partner.example", methods(PUT))]
#[put("/doc", guard = "host_b")]
async fn doc_on_b(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("doc on b");
    "doc b"
}

#[actix_web::test]
async fn guards_tell_policies_apart_before_routing() {
    let hits = Hits::default();
    let vhost = |origin| Policy::builder().allow_origin(origin).allow_methods(["PUT"]).build().unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(doc_on_a)
            .service(doc_on_b)
            .service(
                web::scope("/api")
                    .route("/x", web::route().to(counted(&hits, "api on a")))
                    .cors_guarded(guard::Host("a.example"), vhost(H)),
            )
            .service(
                web::scope("/api")
                    .route("/x", web::route().to(counted(&hits, "api on b")))
                    .cors_guarded(guard::Host("b.example"), vhost(P)),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    for (path, name) in [("/api/x", "scopes"), ("/doc", "handlers")] {
        let on = |host| [("host", host)];
        let what = |s: &str| format!("{name}: {s}");
        let res = send(&app, preflight(path, H, "PUT", None, &on("a.example"))).await;
        res.check(&what("PUT preflight from H on a"), 204, "", &[(ACAO, H), (ACAM, "PUT")], VARY_PREFLIGHT);
        let res = send(&app, preflight(path, P, "PUT", None, &on("a.example"))).await;
        res.check(&what("PUT preflight from P on a"), 403, "", &[], VARY_PREFLIGHT);
        let res = send(&app, preflight(path, P, "PUT", None, &on("b.example"))).await;
        res.check(&what("PUT preflight from P on b"), 204, "", &[(ACAO, P), (ACAM, "PUT")], VARY_PREFLIGHT);
        let res = send(&app, preflight(path, H, "PUT", None, &on("b.example"))).await;
        res.check(&what("PUT preflight from H on b"), 403, "", &[], VARY_PREFLIGHT);
        assert_eq!(hits.take(), Vec::<String>::new(), "{name}: a preflight ran user code");
        let res = send(&app, actual(Method::PUT, path, Some(P), &on("b.example"))).await;
        assert_eq!((res.status.as_u16(), res.header(ACAO)), (200, Some(P)), "{res:#?}");
        let res = send(&app, actual(Method::PUT, path, Some(H), &on("b.example"))).await;
        res.check(&what("PUT from H on b"), 200, &res.body.clone(), &[], VARY_ORIGIN);
        let ran = if name == "scopes" { "api on b" } else { "doc on b" };
        assert_eq!(hits.take(), [ran, ran], "{name}");
    }
    // Neither host: the scopes' guards fail, and the app's policy governs the path.
    let res = send(&app, preflight("/api/x", A, "PUT", None, &[("host", "c.example")])).await;
    res.check(
        "PUT preflight from A on c",
        204,
        "",
        &[(ACAO, A), (ACAC, "true"), (ACAM, "PUT"), (ACMA, "600")],
        VARY_PREFLIGHT,
    );
}

// =============================================================================================
// 5. `NormalizePath` inside the app's layer: the path is looked up as routing will see it.
// =============================================================================================

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/norm/items/{id}")]
async fn norm_item(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("norm item");
    "norm"
}

#[actix_web::test]
async fn normalize_path_inside_the_app_layer() {
    let hits = Hits::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(norm_item)
            .wrap(NormalizePath::trim())
            .wrap(Cors::new(app_policy())),
    )
    .await;
    for path in ["/norm/items/1", "/norm/items/1/", "//norm//items/1", "/norm/items//1//"] {
        let res = send(&app, preflight(path, H, "PUT", None, &[])).await;
        res.check(
            &format!("{path}: PUT preflight from H"),
            204,
            "",
            &[(ACAO, H), (ACAM, "PUT")],
            VARY_PREFLIGHT,
        );
        let res = send(&app, preflight(path, A, "PUT", None, &[])).await;
        res.check(&format!("{path}: PUT preflight from A"), 403, "", &[], VARY_PREFLIGHT);
        let res = send(&app, actual(Method::PUT, path, Some(H), &[])).await;
        res.check(&format!("{path}: PUT from H"), 200, "norm", &[(ACAO, H)], VARY_ORIGIN);
    }
    assert_eq!(hits.take().len(), 4);
}

// =============================================================================================
// 6. The app's blocking never refuses what the governing policy allows.
// =============================================================================================

#[actix_web::test]
async fn app_blocking_leaves_a_scopes_requests_to_the_scope() {
    let hits = Hits::default();
    let blocking = Policy::builder().allow_origin(A).block_disallowed(true).build().unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(web::scope("/s").route("/x", web::route().to(counted(&hits, "s x"))).cors(partner()))
            .route("/items", web::route().to(counted(&hits, "items")))
            .wrap(Cors::new(blocking)),
    )
    .await;
    let res = send(&app, actual(Method::POST, "/s/x", Some(P), &[])).await;
    res.check("POST /s/x from P", 200, "s x", &[(ACAO, P)], VARY_ORIGIN);
    // The scope does not block: A's request runs, without a grant.
    let res = send(&app, actual(Method::POST, "/s/x", Some(A), &[])).await;
    res.check("POST /s/x from A", 200, "s x", &[], VARY_ORIGIN);
    // Outside the scope, the app blocks.
    let res = send(&app, actual(Method::POST, "/items", Some(P), &[])).await;
    res.check("POST /items from P", 403, "", &[], VARY_ORIGIN);
    let res = send(&app, actual(Method::POST, "/items", Some(A), &[])).await;
    res.check("POST /items from A", 200, "items", &[(ACAO, A)], VARY_ORIGIN);
    assert_eq!(hits.take(), ["s x", "s x", "items"]);
}

// =============================================================================================
// 7. Handler policies with no app policy: `Cors::inner_only()` answers their preflights before
//    the user's middleware.
// =============================================================================================

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/profile")]
async fn profile(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("profile");
    "profile"
}

#[actix_web::test]
async fn inner_only_answers_handler_preflights_before_the_users_middleware() {
    let hits = Hits::default();
    let scoped = |hits: &Hits| {
        web::scope("/api")
            .service(profile)
            .route("/open", web::route().to(counted(hits, "open")))
            .wrap(from_fn(auth))
    };
    // Without an outer layer, the preflight meets the auth layer first.
    let bare =
        test::init_service(App::new().app_data(web::Data::new(hits.clone())).service(scoped(&hits))).await;
    let res = send(&bare, preflight("/api/profile", H, "PUT", None, &[])).await;
    res.check("no outer layer: PUT preflight from H", 401, "login first", &[], None);
    assert_eq!(hits.take(), ["auth"]);
    // With one that grants nothing itself, it is answered before the auth layer.
    let app = test::init_service(
        App::new().app_data(web::Data::new(hits.clone())).service(scoped(&hits)).wrap(Cors::inner_only()),
    )
    .await;
    let res = send(&app, preflight("/api/profile", H, "PUT", None, &[])).await;
    res.check("inner_only: PUT preflight from H", 204, "", &[(ACAO, H), (ACAM, "PUT")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/api/profile", A, "PUT", None, &[])).await;
    res.check("inner_only: PUT preflight from A", 403, "", &[], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<String>::new(), "a preflight ran user code");
    // The auth layer's 401 carries the handler's policy.
    let res = send(&app, actual(Method::PUT, "/api/profile", Some(H), &[])).await;
    res.check("inner_only: PUT from H", 401, "login first", &[(ACAO, H)], VARY_ORIGIN);
    // Everything else is untouched, preflights included: as if there were no CORS layer.
    let res = send(&app, actual(Method::GET, "/api/open", Some(A), &[("authorization", "t")])).await;
    res.check("inner_only: GET /api/open from A", 200, "open", &[], None);
    let res = send(&app, preflight("/api/open", A, "PUT", None, &[])).await;
    res.check("inner_only: preflight to /api/open", 401, "login first", &[], None);
    assert_eq!(hits.take(), ["auth", "auth", "open", "auth"]);
}

// =============================================================================================
// 8. Tail patterns are found; a handler shadowed by an earlier registration keeps its policy.
// =============================================================================================

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/files/{tail:.*}")]
async fn put_file(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("put file");
    "file"
}

#[cors(origin = "https://handler.example", methods(DELETE))]
#[delete("/blobs/{path}*")]
async fn delete_blob(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("delete blob");
    "blob"
}

#[get("/things/{id}")]
async fn thing(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("thing");
    "thing"
}

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/things/new")]
async fn new_thing(hits: web::Data<Hits>) -> impl Responder {
    hits.hit("new thing");
    "new"
}

#[actix_web::test]
async fn tail_patterns_and_shadowed_handlers() {
    let hits = Hits::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(put_file)
            .service(delete_blob)
            .service(thing)
            .service(new_thing)
            .wrap(Cors::new(app_policy())),
    )
    .await;
    for (path, method, body) in [
        ("/files/a/b/c.txt", Method::PUT, "file"),
        ("/blobs/x/y", Method::DELETE, "blob"),
        ("/things/new", Method::PUT, "new"),
    ] {
        let res = send(&app, preflight(path, H, method.as_str(), None, &[])).await;
        res.check(
            &format!("{method} preflight {path} from H"),
            204,
            "",
            &[(ACAO, H), (ACAM, method.as_str())],
            VARY_PREFLIGHT,
        );
        let res = send(&app, preflight(path, A, method.as_str(), None, &[])).await;
        res.check(&format!("{method} preflight {path} from A"), 403, "", &[], VARY_PREFLIGHT);
        assert_eq!(hits.take(), Vec::<String>::new());
        let res = send(&app, actual(method.clone(), path, Some(H), &[])).await;
        res.check(&format!("{method} {path} from H"), 200, body, &[(ACAO, H)], VARY_ORIGIN);
        let res = send(&app, actual(method.clone(), path, Some(A), &[])).await;
        res.check(&format!("{method} {path} from A"), 200, body, &[], VARY_ORIGIN);
        assert_eq!(hits.take().len(), 2);
    }
    // The shadowing resource keeps the app's policy for what it takes.
    let res = send(&app, actual(Method::GET, "/things/1", Some(A), &[])).await;
    res.check("GET /things/1 from A", 200, "thing", &APP_GRANT, VARY_ORIGIN);
}

// =============================================================================================
// 9. A plain `.wrap(Cors)` on a scope under the app's layer: actual requests follow the scope's
//    policy (routing reached it); its preflights are the app's (reported at startup).
// =============================================================================================

#[actix_web::test]
async fn a_plain_wrapped_scope_governs_the_actual_requests_routing_gives_it() {
    let hits = Hits::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(
                web::scope("/w")
                    .route("/x", web::route().to(counted(&hits, "w x")))
                    .wrap(Cors::new(partner())),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let res = send(&app, actual(Method::GET, "/w/x", Some(P), &[])).await;
    res.check("GET /w/x from P", 200, "w x", &[(ACAO, P)], VARY_ORIGIN);
    let res = send(&app, actual(Method::GET, "/w/x", Some(A), &[])).await;
    res.check("GET /w/x from A", 200, "w x", &[], VARY_ORIGIN);
    let res = send(&app, actual(Method::GET, "/w/missing", Some(P), &[])).await;
    res.check("404 in /w from P", 404, "", &[(ACAO, P)], VARY_ORIGIN);
    assert_eq!(hits.take(), ["w x", "w x"]);
}

// =============================================================================================
// Nested scopes, path parameters, `configure`: the innermost policy governs.
// =============================================================================================

#[cors(origin = "https://handler.example", methods(PATCH))]
#[actix_web::patch("/{item}")]
async fn patch_item(hits: web::Data<Hits>, path: web::Path<(String, String)>) -> impl Responder {
    let (tenant, item) = path.into_inner();
    hits.hit(format!("patch {tenant}/{item}"));
    "patched"
}

fn tenant_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/items").service(patch_item).route("", web::get().to(HttpResponse::Ok)).cors(
        Policy::builder().allow_origin("https://inner.example").allow_methods(["PUT"]).build().unwrap(),
    ));
}

#[actix_web::test]
async fn nested_scopes_with_path_parameters_and_configure() {
    let hits = Hits::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(hits.clone()))
            .service(web::scope("/t/{tenant}").configure(tenant_routes).cors(partner()))
            .wrap(Cors::new(app_policy())),
    )
    .await;
    const INNER: &str = "https://inner.example";
    let res = send(&app, preflight("/t/acme/items/42", H, "PATCH", None, &[])).await;
    res.check("handler", 204, "", &[(ACAO, H), (ACAM, "PATCH")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/t/acme/items", INNER, "PUT", None, &[])).await;
    res.check("inner scope", 204, "", &[(ACAO, INNER), (ACAM, "PUT")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/t/acme/items", P, "PUT", None, &[])).await;
    res.check("inner scope refuses the outer scope's origin", 403, "", &[], VARY_PREFLIGHT);
    let res = send(&app, preflight("/t/acme/other", P, "PUT", None, &[])).await;
    res.check("outer scope", 204, "", &[(ACAO, P), (ACAM, "PUT")], VARY_PREFLIGHT);
    let res = send(&app, preflight("/t/acme/other", A, "PUT", None, &[])).await;
    res.check("outer scope refuses the app's origin", 403, "", &[], VARY_PREFLIGHT);
    let res = send(&app, preflight("/elsewhere", A, "PUT", None, &[])).await;
    res.check("app", 204, "", &[(ACAO, A), (ACAC, "true"), (ACAM, "PUT"), (ACMA, "600")], VARY_PREFLIGHT);
    assert_eq!(hits.take(), Vec::<String>::new());
    let res = send(&app, actual(Method::PATCH, "/t/acme/items/42", Some(H), &[])).await;
    res.check("handler's actual", 200, "patched", &[(ACAO, H)], VARY_ORIGIN);
    assert_eq!(hits.take(), ["patch acme/42"]);
}
