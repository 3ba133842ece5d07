//! Proves the real-browser harness (`tests::browser`) works: headless Chromium opens a
//! page on http://localhost:7401/ and http://a.app.localhost:7401/, fetches a tiny API
//! server of the test's own on 127.0.0.1, and the CORS outcome is what a browser
//! enforces: `/open` (hand-written `Access-Control-Allow-Origin: *`) resolves, `/plain`
//! (no CORS headers) rejects with a TypeError.
//!
//! Needs Chromium (`apt-get install -y chromium`); fails, never skips, without it.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use tests::browser::{bind_loopback, js_str, probe, run_in_browser_timed, BackgroundServer};

const TIMEOUT: Duration = Duration::from_secs(30);

/// The API server: 127.0.0.1 only, on a port the OS picks (never 7401/7402).
fn start_api() -> (BackgroundServer, String) {
    let listener = bind_loopback(0).expect("bind API server");
    let port = listener.local_addr().unwrap().port();
    assert!(port != 7401 && port != 7402);
    let server = BackgroundServer::start_app(listener, |cfg| {
        cfg.route("/plain", web::get().to(|| async { HttpResponse::Ok().body("plain body") })).route(
            "/open",
            web::get().to(|| async {
                HttpResponse::Ok().insert_header(("Access-Control-Allow-Origin", "*")).body("open body")
            }),
        );
    })
    .expect("start API server");
    (server, format!("http://127.0.0.1:{port}"))
}

fn script(api: &str) -> String {
    let open = js_str(&format!("{api}/open"));
    let plain = js_str(&format!("{api}/plain"));
    format!(
        "await probe('open', {open});\n\
         await probe('plain', {plain});\n\
         await report();"
    )
}

#[test]
fn cors_is_enforced_by_a_real_browser() {
    let (_api, api) = start_api();

    let run = run_in_browser_timed("http://localhost:7401/", &script(&api), TIMEOUT)
        .unwrap_or_else(|e| panic!("browser run failed: {e}"));
    eprintln!("[browser_harness] localhost page: result after {:?}", run.elapsed);
    let report = &run.report;
    assert_eq!(report["origin"], "http://localhost:7401", "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");

    let open = probe(report, "open").expect("probe 'open'");
    assert_eq!(open["ok"], true, "{open:#}");
    assert_eq!(open["status"], 200, "{open:#}");
    assert_eq!(open["type"], "cors", "{open:#}");
    assert_eq!(open["body"], "open body", "{open:#}");

    let plain = probe(report, "plain").expect("probe 'plain'");
    assert_eq!(plain["ok"], false, "{plain:#}");
    let error = plain["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("TypeError"), "{plain:#}");
}

#[test]
fn subdomains_of_localhost_load() {
    let (_api, api) = start_api();

    let run = run_in_browser_timed("http://a.app.localhost:7401/", &script(&api), TIMEOUT)
        .unwrap_or_else(|e| panic!("browser run failed: {e}"));
    eprintln!("[browser_harness] a.app.localhost page: result after {:?}", run.elapsed);
    let report = &run.report;
    assert_eq!(report["origin"], "http://a.app.localhost:7401", "{report:#}");
    assert_eq!(probe(report, "open").unwrap()["ok"], true, "{report:#}");
    assert_eq!(probe(report, "plain").unwrap()["ok"], false, "{report:#}");
}
