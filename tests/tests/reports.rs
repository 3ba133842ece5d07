//! What an app-wide layer cannot resolve before routing is reported when the app starts, naming
//! the registrations and the form that works (issue 10); what needs the app's finished route
//! table (which actix-web hands middleware only with a request) before its first request is
//! answered. And a request, however its path is spelt, never makes the layer log a warning.

use actix_web::http::Method;
use actix_web::test::init_service;
use actix_web::{get, guard, put, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors, Policy, ScopeExt};
use tests::inproc::names::*;
use tests::inproc::{actual, preflight, send};
use tests::log::with_log;

fn warnings(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("WARN")).collect()
}

fn only(origin: &str) -> Policy {
    Policy::builder().allow_origin(origin).allow_methods(["PUT"]).build().unwrap()
}

#[test]
fn scopes_told_apart_by_invisible_guards_are_reported_at_startup_and_refused_as_ambiguous() {
    with_log(|log| async move {
        let app = init_service(
            App::new()
                .service(
                    web::scope("/vhosts")
                        .guard(guard::Host("one.example"))
                        .route("/x", web::to(|| async { "one" }))
                        .cors(only("https://one.example")),
                )
                .service(
                    web::scope("/vhosts")
                        .guard(guard::Host("two.example"))
                        .route("/x", web::to(|| async { "two" }))
                        .cors(only("https://two.example")),
                )
                .wrap(Cors::new(only("https://app.example"))),
        )
        .await;
        // At startup, before any request.
        let startup = log.take();
        let found = warnings(&startup);
        assert_eq!(found.len(), 1, "{startup}");
        for part in [
            "the scope policy at \"/vhosts\" (https://one.example)",
            "the scope policy at \"/vhosts\" (https://two.example)",
            "share one prefix",
            "`.cors_guarded(guard, policy)`",
        ] {
            assert!(found[0].contains(part), "missing {part:?} in {}", found[0]);
        }
        // Never resolved silently: each scope's own origin is refused on its own host.
        let on_two = [("host", "two.example")];
        let res = send(&app, preflight("/vhosts/x", "https://two.example", "PUT", None, &on_two)).await;
        res.check("ambiguous preflight", 403, "", &[], None);
        // Routing decides the actual requests: each scope's policy, for its host.
        let res = send(&app, actual(Method::GET, "/vhosts/x", Some("https://two.example"), &on_two)).await;
        res.check("GET on two", 200, "two", &[(ACAO, "https://two.example")], VARY_ORIGIN);
        let res = send(&app, actual(Method::GET, "/vhosts/x", Some("https://one.example"), &on_two)).await;
        res.check("GET on two from one", 200, "two", &[], VARY_ORIGIN);
        let later = log.take();
        assert!(later.contains("only guards tell apart"), "the refusal is logged with its reason: {later}");
    });
}

#[get("/gadgets/{id}")]
async fn gadget() -> impl Responder {
    "gadget"
}

#[cors(origin = "https://handler.example", methods(PUT))]
#[put("/gadgets/new")]
async fn new_gadget() -> impl Responder {
    "new gadget"
}

#[test]
fn a_handler_shadowed_by_an_earlier_registration_is_reported_before_the_first_request_is_answered() {
    with_log(|log| async move {
        let app = init_service(
            App::new().service(gadget).service(new_gadget).wrap(Cors::new(only("https://app.example"))),
        )
        .await;
        assert_eq!(warnings(&log.take()), Vec::<&str>::new(), "the pattern check needs the route table");
        let res = send(&app, actual(Method::GET, "/health", None, &[])).await;
        assert_eq!(res.status, 404);
        let first = log.take();
        let found = warnings(&first);
        assert_eq!(found.len(), 1, "{first}");
        for part in [
            "handler `new_gadget` (PUT /gadgets/new)",
            "is shadowed by \"/gadgets/{id}\"",
            "register the handler before it",
        ] {
            assert!(found[0].contains(part), "missing {part:?} in {}", found[0]);
        }
        // The handler's declared policy answers its preflights (the `#[get]` resource's method
        // guard lets PUT through to the handler), and its actual requests.
        let res = send(&app, preflight("/gadgets/new", "https://handler.example", "PUT", None, &[])).await;
        res.check("preflight", 204, "", &[(ACAO, "https://handler.example"), (ACAM, "PUT")], VARY_PREFLIGHT);
        let res = send(&app, actual(Method::PUT, "/gadgets/new", Some("https://handler.example"), &[])).await;
        res.check("PUT", 200, "new gadget", &[(ACAO, "https://handler.example")], VARY_ORIGIN);
        assert_eq!(warnings(&log.take()), Vec::<&str>::new(), "reported once");
    });
}

#[cors(origin = "https://first.example", methods(PUT))]
#[put("/twice")]
async fn first_twice() -> impl Responder {
    "first"
}

#[cors(origin = "https://second.example", methods(PUT))]
#[put("/twice")]
async fn second_twice() -> impl Responder {
    "second"
}

#[test]
fn a_handler_an_earlier_one_always_takes_first_is_reported_at_startup() {
    with_log(|log| async move {
        let _app = init_service(
            App::new()
                .service(first_twice)
                .service(second_twice)
                .wrap(Cors::new(only("https://app.example"))),
        )
        .await;
        let startup = log.take();
        let found = warnings(&startup);
        assert_eq!(found.len(), 1, "{startup}");
        assert!(
            found[0].contains(
                "handler `second_twice` (PUT /twice) is never reached: handler `first_twice` (PUT /twice)"
            ),
            "{}",
            found[0]
        );
    });
}

#[cors(origin = "https://handler.example", methods(DELETE))]
#[actix_web::delete("/accounts/{id}")]
async fn delete_account() -> impl Responder {
    "deleted"
}

#[test]
fn no_request_makes_the_layer_warn() {
    with_log(|log| async move {
        let app = init_service(
            App::new()
                .service(delete_account)
                .service(
                    web::scope("/partners")
                        .route("/x", web::to(HttpResponse::Ok))
                        .cors(only("https://p.example")),
                )
                .wrap(Cors::new(only("https://app.example"))),
        )
        .await;
        assert_eq!(warnings(&log.take()), Vec::<&str>::new());
        for path in [
            "/accounts/1",
            "/acc%6Funts/1",
            "/partners/x",
            "/p%61rtners/x",
            "/%2e%2e/x",
            "//accounts//1",
            "/accounts/%ff",
        ] {
            for req in [
                preflight(path, "https://evil.example", "DELETE", None, &[]),
                actual(Method::DELETE, path, Some("https://evil.example"), &[]),
                actual(Method::GET, path, None, &[]),
            ] {
                send(&app, req).await;
            }
        }
        let log = log.take();
        assert_eq!(warnings(&log), Vec::<&str>::new(), "{log}");
    });
}
