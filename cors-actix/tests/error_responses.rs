//! CORS headers on every response of an allowed actual request: handler `Err`, extractor
//! failures, 404, 405, and an `Err` from an inner middleware (SPEC §3), in the test harness and
//! on a real socket.

mod common;

use std::io::{Read, Write};

use actix_web::dev::Service;
use actix_web::http::Method;
use actix_web::{error, test, web, App, HttpResponse, HttpServer};
use common::*;
use cors_actix::{Cors, ScopeExt};

/// Rejects every request without `Authorization: Bearer t` with an `Err`, like an auth
/// middleware would (including OPTIONS).
macro_rules! auth {
    () => {
        |req: actix_web::dev::ServiceRequest, srv| {
            let ok = req.headers().get("authorization").is_some_and(|v| v == "Bearer t");
            let fut = if ok { Some(srv.call(req)) } else { None };
            async move {
                match fut {
                    Some(fut) => fut.await,
                    None => Err(error::ErrorUnauthorized("no token")),
                }
            }
        }
    };
}

macro_rules! error_app {
    () => {
        test::init_service(
            App::new()
                .route(
                    "/fail",
                    web::get()
                        .to(|| async { Err::<HttpResponse, _>(error::ErrorInternalServerError("boom")) }),
                )
                .route(
                    "/json",
                    web::post().to(|body: web::Json<Vec<u32>>| async move {
                        HttpResponse::Ok().body(format!("{}", body.len()))
                    }),
                )
                .route("/only-get", web::get().to(HttpResponse::Ok))
                .service(
                    web::scope("/api")
                        .route(
                            "/fail",
                            web::get().to(|| async { Err::<HttpResponse, _>(error::ErrorBadRequest("bad")) }),
                        )
                        .route("/x", web::get().to(HttpResponse::Ok))
                        .cors(only(PARTNER)),
                )
                .service(
                    web::scope("/secure")
                        .route("/x", web::route().to(|| async { HttpResponse::Ok().body("secret") }))
                        .wrap_fn(auth!()),
                )
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

fn assert_app_grant(res: &Res) {
    assert_eq!(res.acao().as_deref(), Some(APP), "status {} headers {:?}", res.status, res.headers);
    assert_eq!(res.one("access-control-allow-credentials").as_deref(), Some("true"));
    assert_eq!(res.one("access-control-expose-headers").as_deref(), Some("x-request-id"));
    assert_eq!(res.vary().as_deref(), Some("Origin"));
}

#[actix_rt::test]
async fn handler_err_500_carries_cors_headers() {
    let app = error_app!();
    let res = send(&app, actual(Method::GET, "/fail", Some(APP))).await;
    assert_eq!(res.status, 500);
    assert_eq!(res.body_str(), "boom");
    assert_app_grant(&res);
    // Refused origin: the error, no grant.
    let res = send(&app, actual(Method::GET, "/fail", Some(EVIL))).await;
    assert_eq!(res.status, 500);
    res.assert_no_cors();
}

#[actix_rt::test]
async fn extractor_failure_400_carries_cors_headers() {
    let app = error_app!();
    let req = test::TestRequest::post()
        .uri("/json")
        .insert_header(("Origin", APP))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{not json")
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 400);
    assert_app_grant(&res);
    let req = test::TestRequest::post()
        .uri("/json")
        .insert_header(("Origin", APP))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("[1,2,3]")
        .to_request();
    let res = send(&app, req).await;
    assert_eq!((res.status, res.body_str()), (200, "3"));
    assert_app_grant(&res);
}

#[actix_rt::test]
async fn not_found_at_app_level_and_inside_a_scope_carries_cors_headers() {
    let app = error_app!();
    let res = send(&app, actual(Method::GET, "/nowhere", Some(APP))).await;
    assert_eq!(res.status, 404);
    assert_app_grant(&res);
    // Inside the `.cors(..)` scope: its policy governs the 404 too.
    let res = send(&app, actual(Method::GET, "/api/nowhere", Some(PARTNER))).await;
    assert_eq!(res.status, 404);
    assert_eq!(res.acao().as_deref(), Some(PARTNER));
    let res = send(&app, actual(Method::GET, "/api/nowhere", Some(APP))).await;
    assert_eq!(res.status, 404);
    res.assert_no_cors();
    assert_eq!(res.vary().as_deref(), Some("Origin"));
    // A handler error in the scope.
    let res = send(&app, actual(Method::GET, "/api/fail", Some(PARTNER))).await;
    assert_eq!((res.status, res.acao().as_deref()), (400, Some(PARTNER)));
}

#[actix_rt::test]
async fn method_not_allowed_405_carries_cors_headers() {
    let app = error_app!();
    let res = send(&app, actual(Method::DELETE, "/only-get", Some(APP))).await;
    // A `.route(path, web::get())` on the app answers other methods with 404 (no resource-level
    // default); either way the grant is there.
    assert!(res.status == 404 || res.status == 405, "{}", res.status);
    assert_app_grant(&res);

    let app = test::init_service(
        App::new()
            .service(web::resource("/r").route(web::get().to(HttpResponse::Ok)))
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let res = send(&app, actual(Method::DELETE, "/r", Some(APP))).await;
    assert_eq!(res.status, 405);
    assert_app_grant(&res);
}

#[actix_rt::test]
async fn inner_middleware_err_401_carries_cors_headers() {
    let app = error_app!();
    // The service itself returns Err: the server turns it into its response, with mappers.
    let raw = app.call(actual(Method::GET, "/secure/x", Some(APP))).await;
    let Err(err) = raw else { panic!("the auth middleware returns Err") };
    let res = err.error_response();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), APP);

    let res = send(&app, actual(Method::GET, "/secure/x", Some(APP))).await;
    assert_eq!((res.status, res.body_str()), (401, "no token"));
    assert_app_grant(&res);

    let req = test::TestRequest::get()
        .uri("/secure/x")
        .insert_header(("Origin", APP))
        .insert_header(("Authorization", "Bearer t"))
        .to_request();
    let res = send(&app, req).await;
    assert_eq!((res.status, res.body_str()), (200, "secret"));
    assert_app_grant(&res);

    // The auth middleware would reject OPTIONS, but the app policy answers the preflight first.
    let res = send(&app, preflight("/secure/x", APP, "PUT", Some("authorization"))).await;
    assert_eq!(res.status, 204, "refused for its header: answered so the browser names it");
    assert_eq!(res.one("access-control-allow-headers").as_deref(), Some("content-type"));
    let res = send(&app, preflight("/secure/x", APP, "PUT", None)).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some(APP)));
}

/// Sends raw HTTP/1.1 on a socket and returns the response head (lower-cased) and body.
fn raw_http(addr: std::net::SocketAddr, request: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_ascii_lowercase(), body.to_string())
}

fn header_lines<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.lines().filter_map(|l| l.strip_prefix(name)?.strip_prefix(": ")).collect()
}

#[::core::prelude::v1::test]
fn on_a_real_socket_errors_from_handlers_and_inner_middleware_carry_cors_headers() {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let srv = HttpServer::new(|| {
                App::new()
                    .route(
                        "/fail",
                        web::get()
                            .to(|| async { Err::<HttpResponse, _>(error::ErrorInternalServerError("boom")) }),
                    )
                    .service(
                        web::scope("/secure").route("/x", web::get().to(HttpResponse::Ok)).wrap_fn(auth!()),
                    )
                    .wrap(Cors::new(app_policy()))
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = srv.addrs()[0];
            let srv = srv.run();
            tx.send((srv.handle(), addr)).unwrap();
            srv.await
        })
    });
    let (handle, addr) = rx.recv().unwrap();

    let get = |path: &str| {
        raw_http(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nOrigin: {APP}\r\nConnection: close\r\n\r\n"),
        )
    };
    for (path, status, body) in
        [("/fail", "500", "boom"), ("/secure/x", "401", "no token"), ("/none", "404", "")]
    {
        let (head, got) = get(path);
        assert!(head.starts_with(&format!("http/1.1 {status}")), "{path}: {head}");
        assert_eq!(header_lines(&head, "access-control-allow-origin"), [APP], "{path}: {head}");
        assert_eq!(header_lines(&head, "access-control-allow-credentials"), ["true"]);
        assert_eq!(header_lines(&head, "access-control-expose-headers"), ["x-request-id"]);
        assert_eq!(header_lines(&head, "vary"), ["origin"]);
        assert_eq!(got, body);
    }
    let (head, body) = raw_http(
        addr,
        &format!(
            "OPTIONS /secure/x HTTP/1.1\r\nHost: x\r\nOrigin: {APP}\r\nAccess-Control-Request-Method: PUT\r\n\
             Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(head.starts_with("http/1.1 204"), "{head}");
    assert_eq!(header_lines(&head, "access-control-allow-origin"), [APP]);
    assert_eq!(header_lines(&head, "access-control-allow-methods"), ["put"]);
    assert_eq!(header_lines(&head, "access-control-allow-headers"), ["content-type"]);
    assert_eq!(body, "");

    actix_web::rt::System::new().block_on(handle.stop(false));
    server.join().unwrap().unwrap();
}

#[actix_rt::test]
async fn inner_middleware_err_in_a_cors_scope_gets_one_policy_only() {
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/partner")
                    .route("/x", web::get().to(HttpResponse::Ok))
                    .wrap_fn(auth!())
                    .cors(only(PARTNER)),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let res = send(&app, actual(Method::GET, "/partner/x", Some(PARTNER))).await;
    assert_eq!(res.status, 401);
    assert_eq!(res.all("access-control-allow-origin"), [PARTNER]);
    assert_eq!(res.all("access-control-allow-credentials"), Vec::<String>::new());
    assert_eq!(res.all("vary"), ["Origin"]);
    // The scope refuses the app's origin; the app must not add its grant to the error.
    let res = send(&app, actual(Method::GET, "/partner/x", Some(APP))).await;
    assert_eq!(res.status, 401);
    res.assert_no_cors();
    assert_eq!(res.all("vary"), ["Origin"]);
    // The preflight never reaches the auth middleware.
    let res = send(&app, preflight("/partner/x", PARTNER, "PUT", None)).await;
    assert_eq!((res.status, res.acao().as_deref()), (204, Some(PARTNER)));
}

#[actix_rt::test]
async fn payload_too_large_413_carries_cors_headers() {
    let app = test::init_service(
        App::new()
            .app_data(web::JsonConfig::default().limit(8))
            .route(
                "/json",
                web::post().to(|body: web::Json<Vec<u32>>| async move {
                    HttpResponse::Ok().body(format!("{}", body.len()))
                }),
            )
            .wrap(Cors::new(app_policy())),
    )
    .await;
    let req = test::TestRequest::post()
        .uri("/json")
        .insert_header(("Origin", APP))
        .insert_header(("Content-Type", "application/json"))
        .set_payload("[1,2,3,4,5,6,7,8,9]")
        .to_request();
    let res = send(&app, req).await;
    assert_eq!(res.status, 413);
    assert_app_grant(&res);
}
