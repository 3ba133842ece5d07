//! The real binary against a real server: an actix-web app on 127.0.0.1:0 that records every
//! request it gets, so each test sees what the doctor put on the wire.

use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

const APP: &str = "https://app.example";

/// One request as the server saw it: method, path and query, and the CORS request headers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    method: String,
    target: String,
    origin: Option<String>,
    request_method: Option<String>,
    request_headers: Option<String>,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// `/api`: grants APP PUT and content-type (preflight 204), and adds Allow-Origin to every other
/// answer. `/redirect`: the same preflight, and a 307 to `/api` with Allow-Origin for anything
/// else. Any other path: no CORS headers.
async fn handler(req: HttpRequest) -> HttpResponse {
    let target = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    SEEN.lock().unwrap().push(Seen {
        method: req.method().to_string(),
        target: target.clone(),
        origin: header(&req, "origin"),
        request_method: header(&req, "access-control-request-method"),
        request_headers: header(&req, "access-control-request-headers"),
    });
    let grants = header(&req, "origin").as_deref() == Some(APP);
    match req.path() {
        "/redirect" if req.method() != Method::OPTIONS => {
            let query = req.query_string();
            HttpResponse::TemporaryRedirect()
                .insert_header(("Location", format!("/api?{query}")))
                .insert_header(("Access-Control-Allow-Origin", APP))
                .finish()
        }
        "/api" | "/redirect" => {
            let preflight = req.method() == Method::OPTIONS;
            let mut r = if preflight { HttpResponse::NoContent() } else { HttpResponse::Ok() };
            r.insert_header(("Vary", "Origin"));
            if grants {
                r.insert_header(("Access-Control-Allow-Origin", APP));
                if preflight {
                    r.insert_header(("Access-Control-Allow-Methods", "PUT"));
                    r.insert_header(("Access-Control-Allow-Headers", "content-type"));
                }
            }
            r.body(if preflight { "" } else { "ok" })
        }
        _ => HttpResponse::Ok().body("no CORS here"),
    }
}

fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(|| App::new().default_service(web::to(handler)))
                    .workers(1)
                    .disable_signals()
                    .bind(("127.0.0.1", 0))
                    .expect("bind 127.0.0.1:0");
                tx.send(server.addrs()[0]).expect("send the address");
                server.run().await.expect("the test server runs");
            })
        });
        rx.recv().expect("the server's address")
    })
}

/// Runs the binary; each test uses its own `case` in the query so it can pick out its requests.
fn doctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cors-doctor")).args(args).output().expect("run cors-doctor")
}

fn seen(case: &str) -> Vec<Seen> {
    let needle = format!("case={case}");
    SEEN.lock().unwrap().iter().filter(|s| s.target.contains(&needle)).cloned().collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn allowed_exits_0_after_the_preflight_and_the_request() {
    let url = format!("http://{}/api?case=allowed", server());
    let out =
        doctor(&[&url, "--origin", APP, "--method", "put", "--header", "Content-Type: application/json"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("Allowed: the page can read the response (status 200)."), "{stdout}");
    let sent = seen("allowed");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent[0],
        Seen {
            method: "OPTIONS".into(),
            target: "/api?case=allowed".into(),
            origin: Some(APP.into()),
            request_method: Some("PUT".into()),
            request_headers: Some("content-type".into()),
        }
    );
    assert_eq!((sent[1].method.as_str(), sent[1].origin.as_deref()), ("PUT", Some(APP)));
    assert_eq!(sent[1].request_method, None);
}

#[test]
fn blocked_exits_1_and_never_sends_the_request() {
    let url = format!("http://{}/api?case=blocked", server());
    let out = doctor(&[&url, "--origin", APP, "-X", "PUT", "-H", "X-Api-Key: k"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response."),
        "{stdout}"
    );
    assert!(stdout.contains("Fix: "), "{stdout}");
    assert_eq!(seen("blocked").iter().map(|s| s.method.as_str()).collect::<Vec<_>>(), ["OPTIONS"]);

    // A simple request to a route without CORS: sent once, and blocked.
    let url = format!("http://{}/plain?case=plain", server());
    let out = doctor(&[&url, "--origin", APP, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"]["code"], "MissingAllowOriginHeader");
    assert_eq!(seen("plain").len(), 1);
}

#[test]
fn a_redirect_is_followed_as_the_browser_does() {
    let url = format!("http://{}/redirect?case=redirect", server());
    let out = doctor(&[&url, "--origin", APP, "-X", "PUT"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let sent: Vec<(String, String)> = seen("redirect").into_iter().map(|s| (s.method, s.target)).collect();
    assert_eq!(
        sent,
        [
            ("OPTIONS".to_string(), "/redirect?case=redirect".to_string()),
            ("PUT".to_string(), "/redirect?case=redirect".to_string()),
            ("OPTIONS".to_string(), "/api?case=redirect".to_string()),
            ("PUT".to_string(), "/api?case=redirect".to_string()),
        ]
    );
}

#[test]
fn a_name_under_localhost_reaches_loopback_as_in_browsers() {
    // No resolver need know `api.localhost`: browsers send it to loopback themselves, and so
    // must the doctor, or it reports a network error for an API the page can read.
    let port = server().port();
    let url = format!("http://api.localhost:{port}/api?case=localhost-name");
    let out = doctor(&[&url, "--origin", APP]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("> Host: api.localhost:{port}")), "{}", text(&out.stdout));
    assert_eq!(seen("localhost-name").len(), 1);
}

#[test]
fn usage_errors_exit_2_with_the_reason() {
    let url = format!("http://{}/api?case=usage", server());
    let out = doctor(&[&url, "--origin", APP, "-H", "Cookie: session=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("\"Cookie\" is a forbidden request header"), "{}", text(&out.stderr));
    assert!(seen("usage").is_empty(), "nothing is sent");

    let out = doctor(&[&url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--origin <ORIGIN>"), "{}", text(&out.stderr));
}

#[test]
fn a_network_error_exits_2_with_the_reason() {
    // A port that was free a moment ago: nothing listens there. (The test server is bound
    // first, so it cannot be the one to take the port next.)
    server();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = doctor(&[&format!("http://127.0.0.1:{port}/"), "--origin", APP, "--timeout", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("cors-doctor: network error: 127.0.0.1:"), "{stderr}");
}

#[test]
fn help_documents_the_options_and_exit_statuses() {
    let out = doctor(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "--origin <ORIGIN>",
        "--method <M>",
        "--header <'Name: value'>",
        "--credentials",
        "--json",
        "Exit status:",
        "  0  ",
        "  1  ",
        "  2  ",
    ] {
        assert!(help.contains(needle), "{needle:?} missing from\n{help}");
    }
}

/// The README's `--help` block, verbatim between its fences.
fn readme_help() -> String {
    let readme = include_str!("../README.md");
    let section =
        readme.split_once("## `cors-doctor --help`").expect("README has a `cors-doctor --help` section").1;
    let block = section.split_once("```text\n").expect("a ```text block in that section").1;
    block.split_once("```").expect("the block ends").0.to_string()
}

#[test]
fn the_readme_shows_the_current_help_verbatim() {
    let out = doctor(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(
        readme_help() == help,
        "cors-doctor/README.md's --help block is stale: regenerate it with \
         `cargo run -q -p cors-doctor -- --help`.\n--- README ---\n{}\n--- --help ---\n{help}",
        readme_help()
    );
}
