//! The server must know (SPEC §4): refusals logged at debug under target `cors` with origin,
//! method, path and reason; the effective policy logged once at startup.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::http::Method;
use actix_web::{web, App, HttpResponse};
use common::*;
use cors_actix::{Cors, Policy};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Runs `f` on a current-thread actix system with a debug-level subscriber writing to a buffer.
fn logged<F: std::future::Future<Output = ()>>(f: impl FnOnce() -> F) -> String {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || actix_web::rt::System::new().block_on(f()));
    buffer.text()
}

#[test]
fn refused_preflight_is_logged_with_origin_method_path_and_reason() {
    let log = logged(|| async {
        let cors =
            Cors::new(Policy::builder().allow_origin(APP).allow_headers(["content-type"]).build().unwrap());
        let app = actix_web::test::init_service(
            App::new().route("/items", web::to(HttpResponse::Ok)).wrap(cors.clone()),
        )
        .await;
        // A second app from the same `Cors`, as a second worker would build.
        let _app2 =
            actix_web::test::init_service(App::new().route("/items", web::to(HttpResponse::Ok)).wrap(cors))
                .await;
        // A third from a new `Cors` with the same policy, as `Cors::from_env()` written inside
        // `HttpServer::new`'s closure builds one per worker.
        let again = Policy::builder().allow_origin(APP).allow_headers(["content-type"]).build().unwrap();
        let _app3 = actix_web::test::init_service(
            App::new().route("/items", web::to(HttpResponse::Ok)).wrap(Cors::new(again)),
        )
        .await;
        let res = send(&app, preflight("/items", APP, "POST", Some("x-api-key"))).await;
        assert_eq!(res.status, 204, "refused for its header, answered so the browser names it");
        let hostile =
            actix_web::http::header::HeaderValue::from_bytes(b"https://evil.example\"\t\xff").unwrap();
        let req =
            actix_web::test::TestRequest::get().uri("/items").insert_header(("Origin", hostile)).to_request();
        let res = send(&app, req).await;
        assert_eq!(res.status, 200);
        // Allowed requests log nothing.
        let res = send(&app, actual(Method::GET, "/items", Some(APP))).await;
        assert_eq!(res.status, 200);
    });
    let refusals: Vec<&str> = log.lines().filter(|l| l.contains("CORS request refused")).collect();
    assert_eq!(refusals.len(), 2, "{log}");
    let line = refusals[0];
    assert!(line.contains("DEBUG"), "{line}");
    assert!(line.contains(" cors:"), "target cors: {line}");
    let reason = r#"request header "x-api-key" is not allowed (allowed: content-type)"#;
    assert!(line.contains(reason), "{line}");
    assert!(line.contains(&format!("origin={APP}")), "{line}");
    assert!(line.contains("method=OPTIONS"), "{line}");
    assert!(line.contains("path=/items"), "{line}");
    // The reason is stated once, in the message.
    assert_eq!(line.matches(reason).count(), 1, "{line}");
    assert!(!line.contains("reason="), "{line}");
    // The client's value is escaped: no raw newline or quote breaks the line.
    let line = refusals[1];
    assert!(line.contains("method=GET"), "{line}");
    assert!(line.contains(r#"origin=https://evil.example\"\x09\xff "#), "{line}");

    let startup: Vec<&str> = log.lines().filter(|l| l.contains("CORS policy:")).collect();
    assert_eq!(startup.len(), 1, "{log}");
    assert!(startup[0].contains("INFO") && startup[0].contains(" cors:"), "{}", startup[0]);
    assert!(startup[0].contains("origins: https://app.example"), "{}", startup[0]);
}

#[test]
fn no_origin_allowed_is_a_startup_warning() {
    let log = logged(|| async {
        let cors = Cors::new(Policy::builder().build().unwrap());
        let _app = actix_web::test::init_service(App::new().wrap(cors)).await;
    });
    assert!(log.lines().any(|l| l.contains("WARN") && l.contains("cors")), "{log}");
}

const INVISIBLE: &str = "is attached with `.wrap(..)` to a scope or resource";

/// The number of "invisible layer" warnings logged while building and calling `app`.
fn invisible_warnings<A, F>(app: A) -> usize
where
    A: FnOnce() -> F + Send + 'static,
    F: std::future::Future<Output = ()>,
{
    std::thread::spawn(move || logged(app).lines().filter(|l| l.contains(INVISIBLE)).count()).join().unwrap()
}

#[test]
fn a_plain_wrap_inside_an_app_cors_is_warned_about() {
    use cors_actix::ScopeExt;
    let n = invisible_warnings(|| async {
        let app = actix_web::test::init_service(
            App::new()
                .service(web::scope("/a").route("/x", web::to(HttpResponse::Ok)).cors(only(PARTNER)))
                .wrap(Cors::new(only(APP))),
        )
        .await;
        for _ in 0..2 {
            actix_web::test::call_service(&app, actix_web::test::TestRequest::get().uri("/a/x").to_request())
                .await;
        }
    });
    assert_eq!(n, 0);
    // At startup, before any request, and once.
    let n = invisible_warnings(|| async {
        for _ in 0..2 {
            let _app = actix_web::test::init_service(
                App::new()
                    .service(
                        web::scope("/a")
                            .route("/x", web::to(HttpResponse::Ok))
                            .wrap(Cors::new(only(PARTNER))),
                    )
                    .wrap(Cors::new(only(APP))),
            )
            .await;
        }
    });
    assert_eq!(n, 1);
}
