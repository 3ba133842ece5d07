//! Proves the real-browser harness (`tests::browser`) works, in both engines: a page on
//! `http://app.localhost:PORT/` (and on `a.app.localhost`) fetches a tiny API server of the
//! test's own, and the CORS outcome is what a browser enforces: `/open` (hand-written
//! `Access-Control-Allow-Origin: *`) resolves, `/plain` (no CORS headers) rejects with the
//! engine's `TypeError`, and the console message the engine gave for `/plain` comes back with the
//! run. Every port is picked by the OS; a page URL naming a port that is taken fails at once,
//! saying so.
//!
//! Needs Chromium and Firefox ESR (`apt-get install -y chromium firefox-esr`); fails, never
//! skips, without them.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use tests::browser::{
    bind_loopback, cors_message_url, js_str, page_origin, page_url, probe, run_in_browser, BackgroundServer,
    BrowserRun, Engine,
};

/// The API server: 127.0.0.1 only, on a port the OS picks, reached as `api.localhost`.
fn start_api() -> (BackgroundServer, String) {
    let listener = bind_loopback(0).expect("bind API server");
    let port = listener.local_addr().unwrap().port();
    let server = BackgroundServer::start_app(listener, |cfg| {
        cfg.route("/plain", web::get().to(|| async { HttpResponse::Ok().body("plain body") })).route(
            "/open",
            web::get().to(|| async {
                HttpResponse::Ok().insert_header(("Access-Control-Allow-Origin", "*")).body("open body")
            }),
        );
    })
    .expect("start API server");
    (server, format!("http://api.localhost:{port}"))
}

fn script(api: &str) -> String {
    let open = js_str(&format!("{api}/open"));
    let plain = js_str(&format!("{api}/plain"));
    format!(
        "console.log('hello from the page');\n\
         await probe('open', {open});\n\
         await probe('plain', {plain});\n\
         await report();"
    )
}

fn run(engine: Engine, host: &str, api: &str) -> BrowserRun {
    let run = run_in_browser(engine, &page_url(host), &script(api))
        .unwrap_or_else(|e| panic!("{engine} run failed: {e}"));
    eprintln!("[browser_harness] {engine} {host}: result after {:?}\n{}", run.elapsed, run.console_dump());
    run
}

fn cors_is_enforced_by_a_real_browser(engine: Engine) {
    let (_api, api) = start_api();
    let run = run(engine, "app.localhost", &api);
    let report = &run.report;
    assert_eq!(report["origin"], page_origin("app.localhost"), "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");

    let open = probe(report, "open").expect("probe 'open'");
    assert_eq!(open["ok"], true, "{open:#}");
    assert_eq!(open["status"], 200, "{open:#}");
    assert_eq!(open["type"], "cors", "{open:#}");
    assert_eq!(open["body"], "open body", "{open:#}");

    let plain = probe(report, "plain").expect("probe 'plain'");
    assert_eq!(plain["ok"], false, "{plain:#}");
    assert_eq!(plain["error"], engine.fetch_error(), "{plain:#}");

    // The console: the page's own message, then exactly one CORS message, about /plain.
    let plain_url = format!("{api}/plain");
    let origin = page_origin("app.localhost");
    let expected = match engine {
        Engine::Chromium => format!(
            "Access to fetch at '{plain_url}' from origin '{origin}' has been blocked by CORS policy: \
             No 'Access-Control-Allow-Origin' header is present on the requested resource."
        ),
        Engine::Firefox => format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource \
             at {plain_url}. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing). \
             Status code: 200."
        ),
    };
    assert_eq!(run.console_about(&plain_url), vec![expected], "{}", run.console_dump());
    assert!(run.console_about(&format!("{api}/open")).is_empty(), "{}", run.console_dump());
    let texts: Vec<&str> = run.console.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts.first(), Some(&"hello from the page"), "{}", run.console_dump());
    assert_eq!(texts.len(), 2, "nothing else in the console: {}", run.console_dump());
    assert!(texts.iter().all(|t| !t.starts_with("cors-harness:")), "the marker is not returned");
}

fn subdomains_of_localhost_load(engine: Engine) {
    let (_api, api) = start_api();
    let run = run(engine, "a.app.localhost", &api);
    let report = &run.report;
    assert_eq!(report["origin"], page_origin("a.app.localhost"), "{report:#}");
    assert_eq!(probe(report, "open").unwrap()["ok"], true, "{report:#}");
    assert_eq!(probe(report, "plain").unwrap()["ok"], false, "{report:#}");
}

/// A page URL with a port of its own is served on that port; when something else holds the
/// port, the run fails before any browser starts, naming the port and what to do.
fn a_taken_page_port_is_named(engine: Engine) {
    let holder = bind_loopback(0).expect("bind a port to hold");
    let port = holder.local_addr().unwrap().port();
    let url = format!("http://app.localhost:{port}/");
    let started = std::time::Instant::now();
    let err = run_in_browser(engine, &url, "").expect_err("the port is taken");
    eprintln!("[browser_harness] {engine}, page port {port} taken: {err}");
    assert!(err.contains(&format!("cannot bind 127.0.0.1:{port}")), "{err}");
    assert!(err.contains("another process holds this port"), "{err}");
    assert!(err.contains(&url), "the message names the page: {err}");
    assert!(started.elapsed() < Duration::from_secs(10), "fails at once, not at a timeout");

    // The same URL once the port is free: a page server of its own for the run.
    drop(holder);
    let run = run_in_browser(engine, &url, "await probe('self', '/__nothing_here');")
        .unwrap_or_else(|e| panic!("{engine} run on a free explicit port failed: {e}"));
    assert_eq!(run.report["origin"], url.trim_end_matches('/'), "{:#}", run.report);
}

#[test]
fn cors_message_urls_are_found_in_both_wordings() {
    let u = "http://api.localhost:1/a?b";
    assert_eq!(
        cors_message_url(&format!("Access to fetch at '{u}' from origin 'http://x' has been blocked")),
        Some(u)
    );
    assert_eq!(
        cors_message_url(&format!(
            "Cross-Origin Request Blocked: … the remote resource at {u}. (Reason: x)."
        )),
        Some(u)
    );
    assert_eq!(
        cors_message_url(&format!(
            "Cross-Origin Request Blocked: … the remote resource at \u{2018}{u}\u{2019}. (Reason: x)."
        )),
        Some(u)
    );
    assert_eq!(cors_message_url("hello"), None);
}

tests::in_both_engines! {
    cors_is_enforced_by_a_real_browser =>
        cors_is_enforced_by_a_real_browser_chromium, cors_is_enforced_by_a_real_browser_firefox;
    subdomains_of_localhost_load => subdomains_of_localhost_load_chromium, subdomains_of_localhost_load_firefox;
    a_taken_page_port_is_named => a_taken_page_port_is_named_chromium, a_taken_page_port_is_named_firefox;
}
