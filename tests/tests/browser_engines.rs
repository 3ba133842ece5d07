//! What the engines themselves do with an answer our server never gives, for the claims the
//! browser suite's comments make about them. The API here is hand-written (not the middleware).
//!
//! `Authorization` under a literal `Access-Control-Allow-Headers: *`: the Fetch standard says the
//! wildcard does not cover it, but both engines still let it through (Chromium 156 silently;
//! Firefox ESR 153 with a console *warning*, which WebDriver BiDi does not forward, so the
//! console the harness sees is empty in both). This is why the server must refuse it itself
//! (SPEC 2; tests/tests/browser.rs, `authorization_under_the_wildcard_*`): the browser would not.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use tests::browser::{bind_loopback, js_str, page_url, probe, run_in_browser, BackgroundServer, Engine};

/// The API: `/star` grants any origin that asks with `Access-Control-Allow-Headers: *` (and
/// `/listed` lists `authorization`), for GET; both answer 200 to the GET.
fn start_api() -> (BackgroundServer, String) {
    let listener = bind_loopback(0).expect("bind API server");
    let port = listener.local_addr().unwrap().port();
    let answer = |allow_headers: &'static str| {
        move |req: HttpRequest| async move {
            let origin = req.headers().get("origin").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let mut res = if req.method() == Method::OPTIONS {
                let mut r = HttpResponse::NoContent();
                r.insert_header(("Access-Control-Allow-Methods", "GET"))
                    .insert_header(("Access-Control-Allow-Headers", allow_headers));
                r
            } else {
                HttpResponse::Ok()
            };
            res.insert_header(("Access-Control-Allow-Origin", origin))
                .body(if req.method() == Method::OPTIONS { "" } else { "ok" })
        }
    };
    let server = BackgroundServer::start_app(listener, move |cfg| {
        cfg.route("/star", web::to(answer("*"))).route("/listed", web::to(answer("authorization")));
    })
    .expect("start API server");
    (server, format!("http://api.localhost:{port}"))
}

fn authorization_passes_a_literal_wildcard(engine: Engine) {
    let (_api, api) = start_api();
    let star = format!("{api}/star");
    let listed = format!("{api}/listed");
    let script = format!(
        "await probe('star', {}, {{headers: {{'Authorization': 'Bearer t'}}}});\n\
         await probe('listed', {}, {{headers: {{'Authorization': 'Bearer t'}}}});",
        js_str(&star),
        js_str(&listed),
    );
    let run = run_in_browser(engine, &page_url("app.localhost"), &script)
        .unwrap_or_else(|e| panic!("{engine} run failed: {e}"));
    for name in ["star", "listed"] {
        let p = probe(&run.report, name).unwrap_or_else(|| panic!("no probe {name}: {:#}", run.report));
        assert_eq!(
            p["ok"],
            true,
            "{engine} lets Authorization through ({name}): {p:#}\n{}",
            run.console_dump()
        );
        assert_eq!(p["status"], 200, "{p:#}");
    }
    assert_eq!(run.console_about(&star), Vec::<String>::new(), "{engine}: {}", run.console_dump());
}

#[test]
fn authorization_passes_a_literal_wildcard_chromium() {
    authorization_passes_a_literal_wildcard(Engine::Chromium);
}

#[test]
fn authorization_passes_a_literal_wildcard_firefox() {
    authorization_passes_a_literal_wildcard(Engine::Firefox);
}
