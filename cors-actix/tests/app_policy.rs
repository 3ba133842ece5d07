//! An app-wide policy (`App::new().wrap(Cors::new(..))`): preflights, actual requests, Vary,
//! private network, preflight_continue, debug mode, blocking (SPEC §3).

mod common;

use actix_web::http::Method;
use actix_web::{test, web, App, HttpResponse};
use common::*;
use cors_actix::{Cors, Policy};

const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

macro_rules! app_with {
    ($policy:expr, $counter:expr) => {
        test::init_service(
            App::new()
                .route("/items", web::route().to(counting(&$counter, "items")))
                .wrap(Cors::new($policy)),
        )
        .await
    };
}

#[actix_rt::test]
async fn preflight_allowed_is_answered_with_exact_headers_and_no_handler() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let res = send(&app, preflight("/items", APP, "PUT", Some("Content-Type"))).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.acao().as_deref(), Some(APP));
    assert_eq!(res.one("access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(res.one("access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(res.one("access-control-allow-headers").as_deref(), Some("Content-Type"));
    assert_eq!(res.one("access-control-max-age").as_deref(), Some("600"));
    // Expose-Headers is for actual responses only.
    assert_eq!(res.one("access-control-expose-headers"), None);
    assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
    assert!(res.body.is_empty());
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn preflight_without_request_headers_gets_no_allow_headers() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let res = send(&app, preflight("/items", APP, "DELETE", None)).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.one("access-control-allow-methods").as_deref(), Some("DELETE"));
    assert_eq!(res.one("access-control-allow-headers"), None);
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn preflight_status_200_when_configured() {
    let hits = Counter::default();
    let policy = Policy::builder().allow_origin(APP).preflight_status(200).build().unwrap();
    let app = app_with!(policy, hits);
    let res = send(&app, preflight("/items", APP, "GET", None)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.acao().as_deref(), Some(APP));
    assert!(res.body.is_empty());
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn preflight_refused_for_its_origin_is_403_without_allow_headers() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    for req in [preflight("/items", EVIL, "GET", None), preflight("/missing", EVIL, "PUT", Some("x-api-key"))]
    {
        let res = send(&app, req).await;
        assert_eq!(res.status, 403);
        res.assert_no_cors();
        assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
        assert!(res.body.is_empty(), "no reason in the body outside debug mode");
    }
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn preflight_refused_for_its_method_or_a_header_lets_the_browser_name_it() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    // app_policy: PUT and DELETE, `content-type`, credentials, max age 600.
    for req in [
        preflight("/items", APP, "PATCH", None),
        preflight("/items", APP, "patch", None),
        preflight("/items", APP, "PUT", Some("x-api-key")),
        preflight("/items", APP, "PUT", Some("content-type, authorization")),
    ] {
        let res = send(&app, req).await;
        assert_eq!(res.status, 204, "the grant's status, so the browser reads the lists");
        assert_eq!(res.acao().as_deref(), Some(APP));
        assert_eq!(res.one("access-control-allow-credentials").as_deref(), Some("true"));
        assert_eq!(res.one("access-control-allow-methods").as_deref(), Some("GET, HEAD, POST, PUT, DELETE"));
        assert_eq!(res.one("access-control-allow-headers").as_deref(), Some("content-type"));
        assert_eq!(res.one("access-control-max-age"), None, "a refusal is not cached");
        assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
        assert!(res.body.is_empty());
    }
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn debug_mode_puts_the_reason_in_the_body_where_the_status_allows_one() {
    let hits = Counter::default();
    let policy =
        Policy::builder().allow_origin(APP).allow_headers(["content-type"]).debug(true).build().unwrap();
    let app = app_with!(policy.clone(), hits);
    // Refused for its origin: 403, with the reason.
    let res = send(&app, preflight("/items", EVIL, "GET", None)).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    assert!(res.one("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(
        res.body_str(),
        "CORS preflight refused: origin \"https://evil.example\" is not allowed (allowed: https://app.example)\n"
    );
    // Refused for a header with the default 204: no body.
    let res = send(&app, preflight("/items", APP, "POST", Some("x-api-key"))).await;
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());
    // With 200, the reason.
    let policy = Policy::builder()
        .allow_origin(APP)
        .allow_headers(["content-type"])
        .debug(true)
        .preflight_status(200)
        .build()
        .unwrap();
    let app = app_with!(policy, hits);
    let res = send(&app, preflight("/items", APP, "POST", Some("x-api-key"))).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.acao().as_deref(), Some(APP));
    assert!(res.one("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(
        res.body_str(),
        "CORS preflight refused: request header \"x-api-key\" is not allowed (allowed: content-type)\n"
    );
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn actual_allowed_gets_origin_credentials_and_exposed_headers() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let res = send(&app, actual(Method::GET, "/items", Some(APP))).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body_str(), "items");
    assert_eq!(res.acao().as_deref(), Some(APP));
    assert_eq!(res.one("access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(res.one("access-control-expose-headers").as_deref(), Some("x-request-id"));
    assert_eq!(res.one("access-control-allow-methods"), None);
    assert_eq!(res.one("access-control-max-age"), None);
    assert_eq!(res.vary().as_deref(), Some("Origin"));
    assert_eq!(hits.get(), 1);
}

#[actix_rt::test]
async fn actual_refused_runs_the_handler_without_cors_headers() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let res = send(&app, actual(Method::POST, "/items", Some(EVIL))).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body_str(), "items");
    res.assert_no_cors();
    assert_eq!(res.vary().as_deref(), Some("Origin"));
    assert_eq!(hits.get(), 1);
}

#[actix_rt::test]
async fn block_disallowed_answers_403_without_the_handler() {
    let hits = Counter::default();
    let policy = Policy::builder().allow_origin(APP).block_disallowed(true).build().unwrap();
    let app = app_with!(policy, hits);
    let res = send(&app, actual(Method::POST, "/items", Some(EVIL))).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    assert_eq!(res.vary().as_deref(), Some("Origin"));
    assert_eq!(hits.get(), 0);
    // Allowed origins and non-CORS requests still run it.
    let res = send(&app, actual(Method::POST, "/items", Some(APP))).await;
    assert_eq!((res.status, res.acao().as_deref()), (200, Some(APP)));
    let res = send(&app, actual(Method::POST, "/items", None)).await;
    assert_eq!(res.status, 200);
    assert_eq!(hits.get(), 2);
}

#[actix_rt::test]
async fn request_without_origin_passes_untouched_but_varies_on_origin() {
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let res = send(&app, actual(Method::GET, "/items", None)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body_str(), "items");
    res.assert_no_cors();
    assert_eq!(res.vary().as_deref(), Some("Origin"));
    // An OPTIONS without Origin is not a preflight: it reaches the handler.
    let res = send(&app, actual(Method::OPTIONS, "/items", None)).await;
    assert_eq!(res.status, 200);
    // OPTIONS with Origin but no Access-Control-Request-Method is an actual request.
    let res = send(&app, actual(Method::OPTIONS, "/items", Some(APP))).await;
    assert_eq!((res.status, res.acao().as_deref()), (200, Some(APP)));
    assert_eq!(hits.get(), 3);
}

#[actix_rt::test]
async fn any_origin_sends_star_and_no_vary_origin() {
    let hits = Counter::default();
    let policy = Policy::builder().allow_any_origin().build().unwrap();
    let app = app_with!(policy, hits);
    let res = send(&app, actual(Method::GET, "/items", None)).await;
    assert_eq!(res.status, 200);
    res.assert_no_cors();
    assert_eq!(res.vary(), None);
    let res = send(&app, actual(Method::GET, "/items", Some(EVIL))).await;
    assert_eq!(res.acao().as_deref(), Some("*"));
    assert_eq!(res.one("access-control-allow-credentials"), None);
    assert_eq!(res.vary(), None);
    let res = send(&app, preflight("/items", EVIL, "GET", None)).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some("*")));
    assert_eq!(res.vary().as_deref(), Some("Access-Control-Request-Method, Access-Control-Request-Headers"));
    assert_eq!(hits.get(), 2);
}

#[actix_rt::test]
async fn private_network_header_only_when_enabled_and_requested() {
    let hits = Counter::default();
    let pna = Policy::builder().allow_origin(APP).allow_private_network(true).build().unwrap();
    let app = app_with!(pna, hits);
    let asked = || {
        test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/items")
            .insert_header(("Origin", APP))
            .insert_header(("Access-Control-Request-Method", "GET"))
            .insert_header(("Access-Control-Request-Private-Network", "true"))
            .to_request()
    };
    let res = send(&app, asked()).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.one("access-control-allow-private-network").as_deref(), Some("true"));
    assert_eq!(
        res.vary().as_deref(),
        Some(&*format!("{PREFLIGHT_VARY}, Access-Control-Request-Private-Network"))
    );
    // Enabled, not asked for.
    let res = send(&app, preflight("/items", APP, "GET", None)).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.one("access-control-allow-private-network"), None);

    // Not enabled: the request is answered on its CORS merits, without the header.
    let app = app_with!(Policy::builder().allow_origin(APP).build().unwrap(), hits);
    let res = send(&app, asked()).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some(APP)));
    assert_eq!(res.one("access-control-allow-private-network"), None);
    assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
    assert_eq!(hits.get(), 0);
}

#[actix_rt::test]
async fn preflight_continue_runs_the_handler_and_decorates_its_response() {
    let hits = Counter::default();
    let policy =
        Policy::builder().allow_origin(APP).allow_methods(["PUT"]).preflight_continue(true).build().unwrap();
    let app = app_with!(policy, hits);
    let res = send(&app, preflight("/items", APP, "PUT", None)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body_str(), "items");
    assert_eq!(res.acao().as_deref(), Some(APP));
    assert_eq!(res.one("access-control-allow-methods").as_deref(), Some("PUT"));
    assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
    assert_eq!(hits.get(), 1);
    // Refused: still passed on, without the headers.
    let res = send(&app, preflight("/items", EVIL, "PUT", None)).await;
    assert_eq!(res.status, 200);
    res.assert_no_cors();
    assert_eq!(hits.get(), 2);
}

// ---- Vary merging with what the handler set ----

async fn vary_after(handler_vary: &'static [&'static str], origin: Option<&str>) -> Vec<String> {
    let app = test::init_service(
        App::new()
            .route(
                "/v",
                web::get().to(move || async move {
                    let mut res = HttpResponse::Ok();
                    for v in handler_vary {
                        res.append_header(("Vary", *v));
                    }
                    res.finish()
                }),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    send(&app, actual(Method::GET, "/v", origin)).await.all("vary")
}

#[actix_rt::test]
async fn vary_is_appended_to_the_handlers() {
    assert_eq!(vary_after(&["Accept-Encoding"], Some(APP)).await, ["Accept-Encoding, Origin"]);
    assert_eq!(vary_after(&["Accept-Encoding"], Some(EVIL)).await, ["Accept-Encoding, Origin"]);
    assert_eq!(vary_after(&["Accept-Encoding"], None).await, ["Accept-Encoding, Origin"]);
}

#[actix_rt::test]
async fn vary_merges_two_lines_into_one() {
    assert_eq!(
        vary_after(&["Accept-Encoding", "Accept-Language"], Some(APP)).await,
        ["Accept-Encoding, Accept-Language, Origin"]
    );
}

#[actix_rt::test]
async fn vary_never_duplicates_origin() {
    assert_eq!(vary_after(&["origin"], Some(APP)).await, ["origin"]);
    assert_eq!(vary_after(&["Accept-Encoding, Origin"], None).await, ["Accept-Encoding, Origin"]);
}

#[actix_rt::test]
async fn vary_star_is_left_alone() {
    assert_eq!(vary_after(&["*"], Some(APP)).await, ["*"]);
    assert_eq!(vary_after(&["*"], None).await, ["*"]);
}

#[actix_rt::test]
async fn repeated_request_lines_are_handled() {
    let hits = Counter::default();
    let policy = Policy::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type", "x-a"])
        .build()
        .unwrap();
    let app = app_with!(policy, hits);
    // Access-Control-Request-Headers over several lines: granted, echoed joined.
    let req = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/items")
        .insert_header(("Origin", APP))
        .insert_header(("Access-Control-Request-Method", "PUT"))
        .append_header(("Access-Control-Request-Headers", "content-type"))
        .append_header(("Access-Control-Request-Headers", ""))
        .append_header(("Access-Control-Request-Headers", "X-A"))
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 204);
    assert_eq!(res.all("access-control-allow-headers"), ["content-type, X-A"]);
    // Several Access-Control-Request-Method lines: refused.
    let req = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/items")
        .insert_header(("Origin", APP))
        .append_header(("Access-Control-Request-Method", "PUT"))
        .append_header(("Access-Control-Request-Method", "PUT"))
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    // Several Origin lines: never granted, preflight or actual.
    let req = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/items")
        .append_header(("Origin", APP))
        .append_header(("Origin", APP))
        .insert_header(("Access-Control-Request-Method", "PUT"))
        .to_request();
    assert_eq!(send(&app, req).await.status, 403);
    let req = test::TestRequest::get()
        .uri("/items")
        .append_header(("Origin", APP))
        .append_header(("Origin", APP))
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 200);
    res.assert_no_cors();
    assert_eq!(hits.get(), 1);
}

#[actix_rt::test]
async fn handler_policies_without_any_outer_layer() {
    use cors_actix::__private::Governing;
    let hits = Counter::default();
    let app = test::init_service(
        App::new()
            .service(HandlerRoute::new(
                "/items",
                Method::POST,
                Governing::Policy(only(PARTNER)),
                "post",
                &hits,
            ))
            .service(HandlerRoute::new(
                "/items",
                Method::DELETE,
                Governing::Policy(only(APP)),
                "delete",
                &hits,
            )),
    )
    .await;
    let res = send(&app, preflight("/items", PARTNER, "POST", None)).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some(PARTNER)));
    let res = send(&app, preflight("/items", APP, "DELETE", None)).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some(APP)));
    let res = send(&app, preflight("/items", PARTNER, "DELETE", None)).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    assert_eq!(hits.get(), 0);
    let res = send(&app, actual(Method::POST, "/items", Some(PARTNER))).await;
    assert_eq!((res.body_str(), res.acao().as_deref()), ("post", Some(PARTNER)));
}

/// A preflight whose `Access-Control-Request-Method` is not UTF-8 (bytes 0x80–0xFF pass
/// actix-web's parser) is still a preflight: refused here, never handed to the handler.
#[actix_rt::test]
async fn preflight_with_non_utf8_request_method_is_refused_without_the_handler() {
    use actix_web::http::header::HeaderValue;
    let hits = Counter::default();
    let app = app_with!(app_policy(), hits);
    let req = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/items")
        .insert_header(("Origin", APP))
        .insert_header(("Access-Control-Request-Method", HeaderValue::from_bytes(b"P\xffT").unwrap()))
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 403);
    res.assert_no_cors();
    assert_eq!(res.vary().as_deref(), Some(PREFLIGHT_VARY));
    assert_eq!(hits.get(), 0);
}
