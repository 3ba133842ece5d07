//! Precedence (SPEC §1, §3): handler over scope over app, exactly one policy deciding each
//! request; and "a preflight runs no user code".

mod common;

use actix_web::dev::Service;
use actix_web::http::Method;
use actix_web::{test, web, App, HttpResponse};
use common::*;
use cors_actix::__private::Governing;
use cors_actix::{Cors, Policy, ScopeExt};

const INNER: &str = "https://inner.example";

fn assert_granted(res: &Res, origin: &str) {
    assert_eq!(res.all("access-control-allow-origin"), [origin], "headers {:?}", res.headers);
}

// ---- scopes ----

macro_rules! scoped_app {
    ($app_hits:expr, $scope_hits:expr, $inner_hits:expr) => {
        test::init_service(
            App::new()
                .service(
                    web::scope("/partner")
                        .route("/orders", web::route().to(counting(&$scope_hits, "orders")))
                        .service(
                            web::scope("/inner")
                                .route("/deep", web::route().to(counting(&$inner_hits, "deep")))
                                .cors(only(INNER)),
                        )
                        .cors(
                            Policy::builder()
                                .allow_origin(PARTNER)
                                .allow_credentials(true)
                                .allow_methods(["POST", "PATCH"])
                                .max_age(60)
                                .build()
                                .unwrap(),
                        ),
                )
                .route("/items", web::route().to(counting(&$app_hits, "items")))
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

#[actix_rt::test]
async fn scope_policy_governs_its_preflights_alone() {
    let (a, s, i) = (Counter::default(), Counter::default(), Counter::default());
    let app = scoped_app!(a, s, i);
    let res = send(&app, preflight("/partner/orders", PARTNER, "PATCH", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-methods"), ["PATCH"]);
    assert_eq!(res.all("access-control-max-age"), ["60"]);
    assert_eq!(res.all("access-control-allow-credentials"), ["true"]);
    // The app's origin is not the scope's.
    let res = send(&app, preflight("/partner/orders", APP, "GET", None)).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    // The app allows PUT, the scope does not: the scope's answer names what it allows.
    let res = send(&app, preflight("/partner/orders", PARTNER, "PUT", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-methods"), ["GET, HEAD, POST, PATCH"]);
    assert_eq!(res.all("access-control-max-age"), Vec::<String>::new());
    // Non-existing path inside the scope: still the scope's policy.
    let res = send(&app, preflight("/partner/nothing/here", PARTNER, "POST", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, PARTNER);
    // Outside: the app's.
    let res = send(&app, preflight("/items", PARTNER, "GET", None)).await;
    assert_eq!(res.status, 403);
    let res = send(&app, preflight("/items", APP, "PUT", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, APP);
    assert_eq!(res.all("access-control-max-age"), ["600"]);
    assert_eq!((a.get(), s.get(), i.get()), (0, 0, 0));
}

#[actix_rt::test]
async fn scope_policy_governs_its_actual_requests_alone() {
    let (a, s, i) = (Counter::default(), Counter::default(), Counter::default());
    let app = scoped_app!(a, s, i);
    let res = send(&app, actual(Method::POST, "/partner/orders", Some(PARTNER))).await;
    assert_eq!((res.status, res.body_str()), (200, "orders"));
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-credentials"), ["true"]);
    assert_eq!(
        res.all("access-control-expose-headers"),
        Vec::<String>::new(),
        "the app's exposed headers do not leak in"
    );
    assert_eq!(res.all("vary"), ["Origin"]);
    // The app's origin is refused in the scope: no headers from the app either.
    let res = send(&app, actual(Method::GET, "/partner/orders", Some(APP))).await;
    assert_eq!(res.status, 200);
    res.assert_no_cors();
    assert_eq!(res.all("vary"), ["Origin"]);
    // Outside the scope, the reverse.
    let res = send(&app, actual(Method::GET, "/items", Some(PARTNER))).await;
    res.assert_no_cors();
    let res = send(&app, actual(Method::GET, "/items", Some(APP))).await;
    assert_granted(&res, APP);
    assert_eq!(res.all("access-control-expose-headers"), ["x-request-id"]);
    assert_eq!((a.get(), s.get(), i.get()), (2, 2, 0));
}

#[actix_rt::test]
async fn nested_scopes_innermost_wins() {
    let (a, s, i) = (Counter::default(), Counter::default(), Counter::default());
    let app = scoped_app!(a, s, i);
    let res = send(&app, preflight("/partner/inner/deep", INNER, "PATCH", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, INNER);
    assert_eq!(res.all("access-control-allow-credentials"), Vec::<String>::new());
    for origin in [PARTNER, APP] {
        let res = send(&app, preflight("/partner/inner/deep", origin, "POST", None)).await;
        assert_eq!(res.status, 403, "{origin}");
        res.assert_no_cors();
    }
    let res = send(&app, actual(Method::GET, "/partner/inner/deep", Some(INNER))).await;
    assert_eq!(res.body_str(), "deep");
    assert_granted(&res, INNER);
    for origin in [PARTNER, APP] {
        let res = send(&app, actual(Method::GET, "/partner/inner/deep", Some(origin))).await;
        assert_eq!(res.body_str(), "deep");
        res.assert_no_cors();
    }
    assert_eq!((a.get(), s.get(), i.get()), (0, 0, 3));
}

#[actix_rt::test]
async fn a_scope_prefix_is_not_a_path_prefix() {
    let (a, s, i) = (Counter::default(), Counter::default(), Counter::default());
    let app = scoped_app!(a, s, i);
    // `/partnership` is not in the `/partner` scope.
    let res = send(&app, preflight("/partnership", APP, "PUT", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, APP);
}

#[actix_rt::test]
async fn blocking_scope_blocks_what_it_refuses_and_only_that() {
    let hits = Counter::default();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/partner")
                    .route("/orders", web::route().to(counting(&hits, "orders")))
                    .cors(Policy::builder().allow_origin(PARTNER).block_disallowed(true).build().unwrap()),
            )
            .route("/items", web::route().to(counting(&hits, "items")))
            .wrap(Cors::new(Policy::builder().allow_origin(APP).block_disallowed(true).build().unwrap())),
    )
    .await;
    // The app's origin is refused by the scope, which blocks.
    let res = send(&app, actual(Method::POST, "/partner/orders", Some(APP))).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    assert_eq!(hits.get(), 0);
    // The scope's origin is refused by the app, but the app does not govern the scope.
    let res = send(&app, actual(Method::POST, "/partner/orders", Some(PARTNER))).await;
    assert_eq!(res.status, 200);
    assert_granted(&res, PARTNER);
    let res = send(&app, actual(Method::POST, "/items", Some(PARTNER))).await;
    assert_eq!(res.status, 403);
    assert_eq!(hits.get(), 1);
}

// ---- handler-level policies, as `#[cors]` generates them ----

fn post_policy() -> Policy {
    Policy::builder().allow_origin(PARTNER).allow_credentials(true).allow_headers(["x-post"]).build().unwrap()
}

fn get_policy() -> Policy {
    Policy::builder().allow_origin(INNER).allow_headers(["x-get"]).block_disallowed(true).build().unwrap()
}

macro_rules! handler_app {
    ($hits:expr, $prefix:literal) => {
        test::init_service(
            App::new()
                .service(
                    web::scope($prefix)
                        .service(HandlerRoute::new(
                            "/items",
                            Method::POST,
                            Governing::Policy(post_policy()),
                            "post",
                            &$hits,
                        ))
                        .service(HandlerRoute::new(
                            "/items",
                            Method::GET,
                            Governing::Policy(get_policy()),
                            "get",
                            &$hits,
                        ))
                        .service(HandlerRoute::new("/items", Method::PUT, Governing::Disabled, "put", &$hits))
                        .route("/items", web::route().to(counting(&$hits, "other"))),
                )
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

async fn handler_policies_at(
    prefix: &str,
    app: &impl Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
    hits: &Counter,
) {
    let path = format!("{prefix}/items");
    let path = path.as_str();
    // POST's preflight: POST's policy.
    let res = send(app, preflight(path, PARTNER, "POST", Some("x-post"))).await;
    assert_eq!(res.status, 204, "{path}");
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-headers"), ["x-post"]);
    assert_eq!(res.all("access-control-allow-credentials"), ["true"]);
    // x-get is GET's header, not POST's: POST's policy names what it allows.
    let res = send(app, preflight(path, PARTNER, "POST", Some("x-get"))).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-headers"), ["x-post"]);
    assert_eq!(send(app, preflight(path, APP, "POST", None)).await.status, 403);
    // GET's preflight: GET's policy.
    let res = send(app, preflight(path, INNER, "GET", Some("x-get"))).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, INNER);
    assert_eq!(res.all("access-control-allow-credentials"), Vec::<String>::new());
    assert_eq!(send(app, preflight(path, PARTNER, "GET", Some("x-post"))).await.status, 403);
    // PUT is disabled: refused whatever the app says.
    let res = send(app, preflight(path, APP, "PUT", None)).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    // DELETE has no handler policy: the app's.
    let res = send(app, preflight(path, APP, "DELETE", Some("content-type"))).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, APP);
    assert_eq!(res.all("access-control-max-age"), ["600"]);
    assert_eq!(hits.get(), 0, "no preflight reached a handler");

    // Actual requests.
    let res = send(app, actual(Method::POST, path, Some(PARTNER))).await;
    assert_eq!(res.body_str(), "post");
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-expose-headers"), Vec::<String>::new());
    let res = send(app, actual(Method::POST, path, Some(APP))).await;
    assert_eq!(res.body_str(), "post");
    res.assert_no_cors();
    let res = send(app, actual(Method::GET, path, Some(INNER))).await;
    assert_eq!(res.body_str(), "get");
    assert_granted(&res, INNER);
    // GET blocks what it refuses, even the app's origin.
    let res = send(app, actual(Method::GET, path, Some(APP))).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    // Disabled: non-CORS even for the app's origin; no Vary from the app either.
    let res = send(app, actual(Method::PUT, path, Some(APP))).await;
    assert_eq!(res.body_str(), "put");
    res.assert_no_cors();
    assert_eq!(res.vary(), None);
    let res = send(app, actual(Method::DELETE, path, Some(APP))).await;
    assert_eq!(res.body_str(), "other");
    assert_granted(&res, APP);
    assert_eq!(hits.get(), 5);
}

#[actix_rt::test]
async fn handler_policies_per_method() {
    let hits = Counter::default();
    let app = handler_app!(hits, "");
    handler_policies_at("", &app, &hits).await;
}

#[actix_rt::test]
async fn handler_policies_in_a_scope_with_dynamic_segments() {
    let hits = Counter::default();
    let app = handler_app!(hits, "/api/v{ver}/things/{id}");
    handler_policies_at("/api/v2/things/42", &app, &hits).await;
}

#[actix_rt::test]
async fn handler_policy_inside_a_cors_scope_beats_the_scope() {
    let hits = Counter::default();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/partner")
                    .service(HandlerRoute::new(
                        "/items",
                        Method::POST,
                        Governing::Policy(post_policy()),
                        "post",
                        &hits,
                    ))
                    .service(HandlerRoute::new("/off", Method::GET, Governing::Disabled, "off", &hits))
                    .route("/items", web::route().to(counting(&hits, "other")))
                    .cors(only(INNER)),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let res = send(&app, preflight("/partner/items", PARTNER, "POST", Some("x-post"))).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, PARTNER);
    let res = send(&app, preflight("/partner/items", INNER, "PATCH", None)).await;
    assert_eq!(res.status, 204);
    assert_granted(&res, INNER);
    assert_eq!(send(&app, preflight("/partner/items", APP, "PATCH", None)).await.status, 403);
    let res = send(&app, preflight("/partner/off", INNER, "GET", None)).await;
    assert_eq!(res.status, 403);
    assert_eq!(hits.get(), 0);
    let res = send(&app, actual(Method::POST, "/partner/items", Some(PARTNER))).await;
    assert_granted(&res, PARTNER);
    let res = send(&app, actual(Method::POST, "/partner/items", Some(INNER))).await;
    res.assert_no_cors();
    let res = send(&app, actual(Method::PATCH, "/partner/items", Some(INNER))).await;
    assert_eq!(res.body_str(), "other");
    assert_granted(&res, INNER);
    let res = send(&app, actual(Method::GET, "/partner/off", Some(INNER))).await;
    assert_eq!(res.body_str(), "off");
    res.assert_no_cors();
}

// ---- a preflight runs no user code ----

#[actix_rt::test]
async fn preflights_run_no_user_code() {
    let handler = Counter::default();
    let default = Counter::default();
    let mw = Counter::default();
    let scoped = Counter::default();
    let mw_counter = mw.clone();
    let scope_mw_counter = mw.clone();
    let default_counter = default.clone();
    let app = test::init_service(
        App::new()
            .route("/open", web::to(counting(&handler, "open")))
            .service(web::resource("/res").to(counting(&handler, "res")))
            .service(
                web::scope("/partner")
                    .route("/orders", web::to(counting(&scoped, "orders")))
                    .service(HandlerRoute::new(
                        "/h",
                        Method::POST,
                        Governing::Policy(post_policy()),
                        "h",
                        &scoped,
                    ))
                    .service(HandlerRoute::new("/off", Method::GET, Governing::Disabled, "off", &scoped))
                    .default_service(web::to(counting(&scoped, "scope default")))
                    .wrap_fn(move |req, srv| {
                        scope_mw_counter.hit();
                        srv.call(req)
                    })
                    .cors(only(PARTNER)),
            )
            .service(HandlerRoute::new("/h", Method::PUT, Governing::Policy(post_policy()), "h", &handler))
            .default_service(web::to(move || {
                default_counter.hit();
                async { HttpResponse::NotFound().finish() }
            }))
            .wrap_fn(move |req, srv| {
                mw_counter.hit();
                srv.call(req)
            })
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let paths = [
        "/open",
        "/res",
        "/nowhere",
        "/partner/orders",
        "/partner/h",
        "/partner/off",
        "/partner/none",
        "/h",
        "/",
    ];
    let mut statuses = Vec::new();
    for path in paths {
        for origin in [APP, PARTNER, EVIL, INNER] {
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "patch"] {
                for headers in [None, Some("content-type"), Some("x-post"), Some("x-api-key")] {
                    let res = send(&app, preflight(path, origin, method, headers)).await;
                    assert!(
                        res.status == 204 || res.status == 403,
                        "{path} {origin} {method}: {}",
                        res.status
                    );
                    statuses.push(res.status);
                }
            }
        }
    }
    assert!(statuses.contains(&204) && statuses.contains(&403));
    assert_eq!((handler.get(), default.get(), mw.get(), scoped.get()), (0, 0, 0, 0));
    // The same paths without preflight headers do reach user code.
    send(&app, actual(Method::GET, "/open", Some(APP))).await;
    send(&app, actual(Method::GET, "/nowhere", Some(APP))).await;
    assert_eq!((handler.get(), default.get(), mw.get()), (1, 1, 2));
    send(&app, actual(Method::GET, "/partner/orders", Some(APP))).await;
    assert_eq!((mw.get(), scoped.get()), (4, 1));
}

#[actix_rt::test]
async fn preflight_continue_in_a_scope_reaches_the_handler_once_with_one_set_of_headers() {
    let hits = Counter::default();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/partner").route("/orders", web::route().to(counting(&hits, "orders"))).cors(
                    Policy::builder()
                        .allow_origin(PARTNER)
                        .allow_methods(["PUT"])
                        .preflight_continue(true)
                        .build()
                        .unwrap(),
                ),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let res = send(&app, preflight("/partner/orders", PARTNER, "PUT", None)).await;
    assert_eq!((res.status, res.body_str()), (200, "orders"));
    assert_granted(&res, PARTNER);
    assert_eq!(res.all("access-control-allow-methods"), ["PUT"]);
    assert_eq!(res.all("access-control-max-age"), Vec::<String>::new(), "not the app's");
    assert_eq!(res.all("vary"), ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]);
    assert_eq!(hits.get(), 1);
    // The app's own preflights are still answered by the app.
    let res = send(&app, preflight("/other", APP, "PUT", None)).await;
    assert_eq!(res.status, 204);
    assert_eq!(hits.get(), 1);
}
