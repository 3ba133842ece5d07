//! Replacing a running app's policy (issue 12): under load, on a real server with two workers,
//! every response is wholly one policy's or wholly the other's, never a mix; an invalid
//! replacement is refused and the running policy stays.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use cors_actix::{Cors, Policy, PolicyConfig};
use tests::wire::{read_response, Response};

const A: &str = "https://app.example";

/// One: PUT, exposes x-one, max age 100, no credentials.
fn one() -> Policy {
    Policy::builder()
        .allow_origin(A)
        .allow_methods(["PUT"])
        .expose_headers(["x-one"])
        .max_age(100)
        .build()
        .unwrap()
}

/// Two: DELETE, exposes x-two, credentials, no max age.
fn two() -> Policy {
    Policy::builder()
        .allow_origin(A)
        .allow_methods(["DELETE"])
        .expose_headers(["x-two"])
        .allow_credentials(true)
        .build()
        .unwrap()
}

fn cors(res: &Response) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = res
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-"))
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    found.sort();
    found
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}

/// Which policy wrote the response, or what is wrong with it.
fn whose(preflight: bool, res: &Response) -> Result<&'static str, String> {
    let seen = cors(res);
    let (one, two) = if preflight {
        (
            (
                204,
                pairs(&[
                    ("access-control-allow-origin", A),
                    ("access-control-allow-methods", "PUT"),
                    ("access-control-max-age", "100"),
                ]),
            ),
            // PUT is not Two's: refused so the browser names the method.
            (
                204,
                pairs(&[
                    ("access-control-allow-origin", A),
                    ("access-control-allow-credentials", "true"),
                    ("access-control-allow-methods", "GET, HEAD, POST, DELETE"),
                ]),
            ),
        )
    } else {
        (
            (200, pairs(&[("access-control-allow-origin", A), ("access-control-expose-headers", "x-one")])),
            (
                200,
                pairs(&[
                    ("access-control-allow-origin", A),
                    ("access-control-allow-credentials", "true"),
                    ("access-control-expose-headers", "x-two"),
                ]),
            ),
        )
    };
    if (res.status, &seen) == (one.0, &one.1) {
        Ok("one")
    } else if (res.status, &seen) == (two.0, &two.1) {
        Ok("two")
    } else {
        Err(format!("status {} with {seen:?}: neither policy's answer", res.status))
    }
}

const PREFLIGHT: &[u8] = b"OPTIONS /slow HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: PUT\r\n\r\n";
const ACTUAL: &[u8] = b"GET /slow HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n\r\n";

#[test]
fn a_replaced_policy_never_mixes_with_the_old_one_under_load() {
    let (cors, reload) = Cors::reloadable(one());
    let (tx, rx) = mpsc::channel();
    let server = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .route(
                        "/slow",
                        // Long enough that requests are in flight across replacements.
                        web::get().to(|| async {
                            actix_web::rt::time::sleep(Duration::from_millis(2)).await;
                            HttpResponse::Ok().body("ok")
                        }),
                    )
                    .wrap(cors.clone())
            })
            .workers(2)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await.unwrap();
        })
    });
    let (addr, handle) = rx.recv().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let seen_one = Arc::new(AtomicUsize::new(0));
    let seen_two = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            let (stop, seen_one, seen_two) = (stop.clone(), seen_one.clone(), seen_two.clone());
            std::thread::spawn(move || -> Result<usize, String> {
                let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
                let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let preflight = (n + i) % 2 == 0;
                    stream
                        .write_all(if preflight { PREFLIGHT } else { ACTUAL })
                        .map_err(|e| e.to_string())?;
                    let res = read_response(&mut reader, false).map_err(|e| e.to_string())?;
                    match whose(preflight, &res)? {
                        "one" => seen_one.fetch_add(1, Ordering::Relaxed),
                        _ => seen_two.fetch_add(1, Ordering::Relaxed),
                    };
                    n += 1;
                }
                Ok(n)
            })
        })
        .collect();

    // Swap back and forth while they run; an invalid configuration in between is refused.
    let start = Instant::now();
    let mut swaps = 0;
    let mut refused = 0;
    while start.elapsed() < Duration::from_secs(2) {
        reload.replace(if swaps % 2 == 0 { two() } else { one() });
        swaps += 1;
        let mut bad: PolicyConfig = reload.policy().config().clone();
        bad.allowed_origins.push("https://app.example/".into());
        let before = reload.policy().to_string();
        let errors = reload.replace_config(&bad).unwrap_err();
        assert!(errors.to_string().contains("has a trailing slash"), "{errors}");
        assert_eq!(reload.policy().to_string(), before, "the running policy stays");
        refused += 1;
        std::thread::sleep(Duration::from_millis(3));
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for client in clients {
        total += client.join().unwrap().unwrap_or_else(|e| panic!("a response mixed the policies: {e}"));
    }
    actix_web::rt::System::new().block_on(handle.stop(false));
    server.join().unwrap();
    let (one, two) = (seen_one.load(Ordering::Relaxed), seen_two.load(Ordering::Relaxed));
    eprintln!("[reload] {total} responses ({one} one's, {two} two's) over {swaps} replacements and {refused} refused ones");
    assert!(one > 0 && two > 0, "both policies were seen: {one} and {two}");
    assert!(swaps > 100, "{swaps} replacements");
}

#[actix_web::test]
async fn a_scope_policy_is_replaced_too() {
    use actix_web::http::Method;
    use cors_actix::ScopeExt;
    use tests::inproc::{actual, names::ACAO, preflight, send};

    let (scope_cors, reload) = Cors::reloadable(one());
    let app = actix_web::test::init_service(
        App::new()
            .service(web::scope("/api").route("/x", web::put().to(|| async { "put" })).cors(scope_cors))
            .route("/other", web::get().to(|| async { "other" }))
            .wrap(Cors::new(Policy::builder().allow_origin("https://other.example").build().unwrap())),
    )
    .await;
    let vary = Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    send(&app, preflight("/api/x", A, "PUT", None, &[])).await.check(
        "before",
        204,
        "",
        &[(ACAO, A), ("access-control-allow-methods", "PUT"), ("access-control-max-age", "100")],
        vary,
    );
    reload.replace(two());
    // Two allows DELETE, not PUT: the preflight for PUT from an allowed origin names the culprit.
    let refused = send(&app, preflight("/api/x", A, "PUT", None, &[])).await;
    assert_eq!(
        refused.header("access-control-allow-methods"),
        Some("GET, HEAD, POST, DELETE"),
        "{refused:#?}"
    );
    assert_eq!(refused.header("access-control-allow-credentials"), Some("true"), "{refused:#?}");
    send(&app, actual(Method::PUT, "/api/x", Some(A), &[])).await.check(
        "after",
        200,
        "put",
        &[
            (ACAO, A),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-two"),
        ],
        Some("Origin"),
    );
    // The app's own policy is untouched.
    send(&app, actual(Method::GET, "/other", Some("https://other.example"), &[])).await.check(
        "app",
        200,
        "other",
        &[(ACAO, "https://other.example")],
        Some("Origin"),
    );
}
