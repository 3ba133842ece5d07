//! The asynchronous origin check (issue 12), on the wire: verdicts cached for their time to live
//! and asked again after it; one call for concurrent first requests, on one worker and across
//! workers; a failing or slow check refuses with the reason logged; no worker thread waits for a
//! lookup; with credentials, a check that allows everything stops the server from starting.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use actix_service::{IntoServiceFactory, ServiceFactory};
use actix_web::dev::AppConfig;
use actix_web::http::Method;
use actix_web::test::init_service;
use actix_web::{web, App, HttpResponse, HttpServer};
use cors_actix::{Cors, OriginBuf, Policy, ScopeExt};
use tests::inproc::names::*;
use tests::inproc::{actual, preflight, send};
use tests::log::with_log;
use tests::wire::read_response;

const TENANT: &str = "https://acme.tenants.example";
const STRANGER: &str = "https://evil.example";

/// A check that allows `*.tenants.example`, counting its calls, after `delay`.
fn tenants(calls: &Arc<AtomicUsize>, delay: Duration) -> impl Fn(OriginBuf) -> CheckFuture + Send + Sync {
    let calls = calls.clone();
    move |origin: OriginBuf| {
        calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if !delay.is_zero() {
                actix_web::rt::time::sleep(delay).await;
            }
            Ok(origin.host().ends_with(".tenants.example"))
        })
    }
}

/// The future the counting check returns.
type CheckFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, String>>>>;

fn app_of(
    policy: Policy,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .route("/items", web::get().to(|| async { HttpResponse::Ok().body("items") }))
        .route("/items", web::put().to(|| async { HttpResponse::Ok().body("put") }))
        .wrap(Cors::new(policy))
}

#[actix_web::test]
async fn a_verdict_is_reused_while_it_lives_and_asked_again_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = Policy::builder()
        .allow_origin("https://app.example")
        .allow_origin_async(tenants(&calls, Duration::ZERO))
        .allow_methods(["PUT"])
        .origin_check_cache(100, Duration::from_millis(300))
        .build()
        .unwrap();
    let app = init_service(app_of(policy.clone())).await;

    let allowed = [(ACAO, TENANT)];
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "first",
        200,
        "items",
        &allowed,
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Within the time to live: the cached verdict, for actual requests and preflights alike.
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "cached",
        200,
        "items",
        &allowed,
        Some("Origin"),
    );
    send(&app, preflight("/items", TENANT, "PUT", None, &[])).await.check(
        "cached preflight",
        204,
        "",
        &[(ACAO, TENANT), (ACAM, "PUT")],
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "asked once within the time to live");
    // A listed origin is never put to the check.
    send(&app, actual(Method::GET, "/items", Some("https://app.example"), &[])).await.check(
        "listed",
        200,
        "items",
        &[(ACAO, "https://app.example")],
        Some("Origin"),
    );
    // Denials are cached too.
    send(&app, actual(Method::GET, "/items", Some(STRANGER), &[])).await.check(
        "denied",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some(STRANGER), &[])).await.check(
        "denied again",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one call for the stranger");
    // Nor are requests without Origin, or with values no browser sends.
    send(&app, actual(Method::GET, "/items", None, &[])).await.check(
        "no origin",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some("https://ACME.tenants.example"), &[])).await.check(
        "upper case",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // After the time to live: asked again.
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "expired",
        200,
        "items",
        &allowed,
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3, "asked again after the time to live");

    // Forgetting every verdict (a tenant removed): asked again at once.
    policy.origin_check().unwrap().invalidate_all();
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "invalidated",
        200,
        "items",
        &allowed,
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4, "asked again after invalidate_all");
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "cached again",
        200,
        "items",
        &allowed,
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[actix_web::test]
async fn concurrent_first_requests_share_one_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = Policy::builder()
        .allow_origin_async(tenants(&calls, Duration::from_millis(100)))
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let app = init_service(app_of(policy)).await;
    let requests = (0..24).map(|i| {
        let req = if i % 2 == 0 {
            actual(Method::GET, "/items", Some(TENANT), &[])
        } else {
            preflight("/items", TENANT, "PUT", None, &[])
        };
        send(&app, req)
    });
    let replies = futures_util::future::join_all(requests).await;
    for (i, reply) in replies.iter().enumerate() {
        assert_eq!(reply.header(ACAO), Some(TENANT), "request {i}: {reply:#?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "24 concurrent requests, one call");
}

/// A real server on 127.0.0.1 with `workers` workers, stopped when the returned guard drops.
struct Server {
    addr: std::net::SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    fn start(workers: usize, cors: Cors) -> Result<Server, std::io::Error> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .route("/items", web::get().to(|| async { HttpResponse::Ok().body("items") }))
                        .wrap(cors.clone())
                })
                .workers(workers)
                .disable_signals()
                .shutdown_timeout(1)
                .bind(("127.0.0.1", 0))?;
                let addr = server.addrs()[0];
                let server = server.run();
                let _ = tx.send((addr, server.handle()));
                server.await
            })
        });
        match rx.recv() {
            Ok((addr, handle)) => Ok(Server { addr, handle, thread: Some(thread) }),
            Err(_) => {
                Err(thread.join().expect("server thread").expect_err("the server stopped without an error"))
            }
        }
    }

    fn get(&self, origin: Option<&str>) -> (tests::wire::Response, Duration) {
        let start = Instant::now();
        let mut stream = TcpStream::connect(self.addr).unwrap();
        let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
        write!(stream, "GET /items HTTP/1.1\r\nHost: t\r\n{origin}Connection: close\r\n\r\n").unwrap();
        let res = read_response(&mut BufReader::new(stream), false).unwrap();
        (res, start.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn concurrent_first_requests_on_several_workers_share_one_call() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy =
        Policy::builder().allow_origin_async(tenants(&calls, Duration::from_millis(200))).build().unwrap();
    let server = Arc::new(Server::start(2, Cors::new(policy)).unwrap());
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || server.get(Some(TENANT)).0)
        })
        .collect();
    for client in clients {
        let res = client.join().unwrap();
        assert_eq!(res.status, 200);
        assert_eq!(res.header(ACAO), Some(TENANT), "{res:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "16 connections over two workers, one call");
}

#[test]
fn no_worker_waits_for_a_lookup() {
    // One worker; the check takes 800 ms. If it blocked the thread, every other request would
    // wait for it.
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = Policy::builder()
        .allow_origin("https://app.example")
        .allow_origin_async(tenants(&calls, Duration::from_millis(800)))
        .build()
        .unwrap();
    let server = Arc::new(Server::start(1, Cors::new(policy)).unwrap());
    let slow = {
        let server = server.clone();
        std::thread::spawn(move || server.get(Some(TENANT)))
    };
    // Let the lookup start.
    while calls.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    for i in 0..20 {
        let origin = if i % 2 == 0 { None } else { Some("https://app.example") };
        let (res, _) = server.get(origin);
        assert_eq!(res.status, 200);
        assert_eq!(res.header(ACAO), origin, "{res:?}");
    }
    let others = started.elapsed();
    assert!(!slow.is_finished(), "the 20 other requests were answered while the lookup was pending");
    let (res, took) = slow.join().unwrap();
    assert_eq!(res.header(ACAO), Some(TENANT));
    assert!(took >= Duration::from_millis(800), "{took:?}");
    eprintln!("[origin check] 20 requests in {others:?} while one lookup took {took:?}");
}

#[test]
fn a_slow_or_failing_check_refuses_and_says_why() {
    with_log(|log| async move {
        let failing = Arc::new(AtomicUsize::new(0));
        let counter = failing.clone();
        let policy = Policy::builder()
            .allow_origin_async(move |origin: OriginBuf| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    match origin.host() {
                        "slow.tenants.example" => {
                            actix_web::rt::time::sleep(Duration::from_secs(30)).await;
                            Ok(true)
                        }
                        _ => Err("tenants database unavailable"),
                    }
                }
            })
            .origin_check_timeout(Duration::from_millis(150))
            .allow_methods(["PUT"])
            .build()
            .unwrap();
        let app = init_service(app_of(policy)).await;
        log.take();

        let started = Instant::now();
        let slow = "https://slow.tenants.example";
        send(&app, preflight("/items", slow, "PUT", None, &[])).await.check(
            "slow preflight",
            403,
            "",
            &[],
            Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        );
        assert!(started.elapsed() < Duration::from_secs(5), "the timeout bounds the wait");
        let logged = log.take();
        assert!(
            logged.contains("CORS origin check failed: the origin check did not answer within 150ms"),
            "{logged}"
        );
        assert!(
            logged.contains(&format!("CORS request refused: origin \"{slow}\" could not be checked: the origin check did not answer within 150ms")),
            "{logged}"
        );

        let down = "https://down.tenants.example";
        send(&app, actual(Method::GET, "/items", Some(down), &[])).await.check(
            "failing",
            200,
            "items",
            &[],
            Some("Origin"),
        );
        let logged = log.take();
        assert!(
            logged.contains("WARN")
                && logged.contains("CORS origin check failed: tenants database unavailable"),
            "{logged}"
        );
        assert!(logged.contains("could not be checked: tenants database unavailable"), "{logged}");
        // Failures are not cached: the next request asks again.
        let before = failing.load(Ordering::SeqCst);
        send(&app, actual(Method::GET, "/items", Some(down), &[])).await.check(
            "failing again",
            200,
            "items",
            &[],
            Some("Origin"),
        );
        assert_eq!(failing.load(Ordering::SeqCst), before + 1);
    });
}

#[test]
fn with_credentials_a_check_that_allows_everything_stops_the_server() {
    with_log(|log| async move {
        let yes = || {
            Policy::builder()
                .allow_origin_async(|_origin: OriginBuf| async { Ok::<_, String>(true) })
                .allow_credentials(true)
        };
        // In process: the app does not start.
        let started = app_of(yes().build().unwrap()).into_factory().new_service(AppConfig::default()).await;
        assert!(started.is_err(), "the app started");
        let logged = log.take();
        assert!(logged.contains("ERROR") && logged.contains("the server does not start"), "{logged}");
        assert!(logged.contains("the origin check allowed \"https://cors-probe-"), "{logged}");
        assert!(logged.contains("`allow_origin_async` and `allow_credentials`"), "{logged}");
        assert!(logged.contains("`dangerously_trust_origin_fn(true)`"), "{logged}");

        // The opt-in starts it.
        let trusted = yes().dangerously_trust_origin_fn(true).build().unwrap();
        let app = init_service(app_of(trusted)).await;
        send(&app, actual(Method::GET, "/items", Some(STRANGER), &[])).await.check(
            "trusted",
            200,
            "items",
            &[(ACAO, STRANGER), (ACAC, "true")],
            Some("Origin"),
        );

        // A check that compares is probed and starts; the probe's calls are not cached.
        let calls = Arc::new(AtomicUsize::new(0));
        let careful = Policy::builder()
            .allow_origin_async(tenants(&calls, Duration::ZERO))
            .allow_credentials(true)
            .build()
            .unwrap();
        let app = init_service(app_of(careful)).await;
        let probed = calls.load(Ordering::SeqCst);
        assert!(probed >= 4, "{probed} probe calls");
        send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
            "careful",
            200,
            "items",
            &[(ACAO, TENANT), (ACAC, "true")],
            Some("Origin"),
        );
        assert_eq!(calls.load(Ordering::SeqCst), probed + 1);
    });
}

#[test]
fn a_real_server_with_a_permissive_check_and_credentials_does_not_start() {
    let policy = Policy::builder()
        .allow_origin_async(|_origin: OriginBuf| async { Ok::<_, String>(true) })
        .allow_credentials(true)
        .build()
        .unwrap();
    // The workers fail to build the app; `run` then ends with the error.
    let mut server = Server::start(2, Cors::new(policy)).unwrap();
    let thread = server.thread.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !thread.is_finished() {
        assert!(Instant::now() < deadline, "the server is still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let error = thread.join().unwrap().expect_err("the server ran and stopped cleanly");
    assert!(error.to_string().contains("Can not start server service"), "{error}");
}

#[test]
fn a_reloaded_policy_with_a_permissive_check_is_probed_before_it_grants() {
    with_log(|log| async move {
        let (cors, reload) =
            Cors::reloadable(Policy::builder().allow_origin("https://app.example").build().unwrap());
        let app = init_service(
            App::new()
                .route("/items", web::get().to(|| async { HttpResponse::Ok().body("items") }))
                .wrap(cors),
        )
        .await;
        reload.replace(
            Policy::builder()
                .allow_origin_async(|_origin: OriginBuf| async { Ok::<_, String>(true) })
                .allow_credentials(true)
                .build()
                .unwrap(),
        );
        log.take();
        send(&app, actual(Method::GET, "/items", Some(STRANGER), &[])).await.check(
            "probed",
            200,
            "items",
            &[],
            Some("Origin"),
        );
        let logged = log.take();
        assert!(
            logged.contains("ERROR") && logged.contains("the origin check allowed \"https://cors-probe-"),
            "{logged}"
        );
        assert!(logged.contains("so it grants nothing"), "{logged}");
    });
}

#[actix_web::test]
async fn a_scope_policy_with_a_check_under_an_app_wide_layer() {
    let calls = Arc::new(AtomicUsize::new(0));
    let tenant_api = Policy::builder()
        .allow_origin_async(tenants(&calls, Duration::from_millis(20)))
        .allow_methods(["DELETE"])
        .build()
        .unwrap();
    let app = init_service(
        App::new()
            .service(
                web::scope("/tenant")
                    .route("/{id}", web::delete().to(|| async { HttpResponse::Ok().body("deleted") }))
                    .cors(tenant_api),
            )
            .route("/other", web::get().to(|| async { HttpResponse::Ok().body("other") }))
            .wrap(Cors::new(Policy::builder().allow_origin("https://app.example").build().unwrap())),
    )
    .await;
    send(&app, preflight("/tenant/7", TENANT, "DELETE", None, &[])).await.check(
        "scope preflight",
        204,
        "",
        &[(ACAO, TENANT), (ACAM, "DELETE")],
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    send(&app, actual(Method::DELETE, "/tenant/7", Some(TENANT), &[])).await.check(
        "scope actual",
        200,
        "deleted",
        &[(ACAO, TENANT)],
        Some("Origin"),
    );
    // Outside the scope, the app's policy, which has no check.
    send(&app, actual(Method::GET, "/other", Some(TENANT), &[])).await.check(
        "app",
        200,
        "other",
        &[],
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn a_reload_keeps_the_check() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = Policy::builder()
        .allow_origin("https://a.example")
        .allow_origin_async(tenants(&calls, Duration::ZERO))
        .build()
        .unwrap();
    let (cors, reload) = Cors::reloadable(policy);
    let app = init_service(
        App::new().route("/items", web::get().to(|| async { HttpResponse::Ok().body("items") })).wrap(cors),
    )
    .await;
    let mut config = reload.policy().config().clone();
    config.allowed_origins = vec!["https://b.example".into()];
    reload.replace_config(&config).unwrap();
    send(&app, actual(Method::GET, "/items", Some("https://b.example"), &[])).await.check(
        "new list",
        200,
        "items",
        &[(ACAO, "https://b.example")],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some("https://a.example"), &[])).await.check(
        "old list",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some(TENANT), &[])).await.check(
        "check kept",
        200,
        "items",
        &[(ACAO, TENANT)],
        Some("Origin"),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2, "asked about a.example and the tenant");
}
