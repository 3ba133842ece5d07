//! What the precedence protocol costs besides time: a registry that holds only live apps (tests
//! and servers build thousands), and no allocation for a request without `Origin` in an app with
//! handler and scope policies beyond what the same request costs in an app without any.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use actix_web::http::Method;
use actix_web::{test, web, App, HttpResponse};
use cors_actix::__private::{registry_size, Governing};
use cors_actix::{Cors, Policy, ScopeExt};

mod common;
use common::{actual, app_policy, only, send, Counter, HandlerRoute, PARTNER};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

macro_rules! layered {
    ($hits:expr) => {
        test::init_service(
            App::new()
                .service(HandlerRoute::new(
                    "/private",
                    Method::PUT,
                    Governing::Policy(only(PARTNER)),
                    "private",
                    &$hits,
                ))
                .service(
                    web::scope("/partner").route("/orders", web::to(HttpResponse::Ok)).cors(only(PARTNER)),
                )
                .route("/items", web::to(HttpResponse::Ok))
                .wrap(Cors::new(app_policy())),
        )
        .await
    };
}

#[actix_rt::test]
async fn the_registry_holds_only_live_apps() {
    let hits = Counter::default();
    for _ in 0..2_000 {
        let app = layered!(hits);
        send(&app, actual(Method::GET, "/items", None)).await;
    }
    // One app is alive (the last one is dropped at the end of each loop, the registry prunes on
    // the next registration): at most one group, of two markers.
    let (groups, markers) = registry_size();
    assert!(groups <= 1 && markers <= 2, "{groups} apps, {markers} markers");
    let app = layered!(hits);
    assert_eq!(registry_size(), (1, 2));
    drop(app);
}

#[actix_rt::test]
async fn a_request_without_origin_allocates_nothing_for_the_lookup() {
    let hits = Counter::default();
    let layered = layered!(hits);
    let plain = test::init_service(
        App::new()
            .route("/items", web::to(HttpResponse::Ok))
            .wrap(Cors::new(Policy::builder().allow_origin("https://a.example").build().unwrap())),
    )
    .await;
    // Warm both up (the table is bound on the first request, pools fill).
    for _ in 0..3 {
        send(&layered, actual(Method::GET, "/items", None)).await;
        send(&plain, actual(Method::GET, "/items", None)).await;
    }
    let mut per = Vec::new();
    for app in [0, 1] {
        let req = actual(Method::GET, "/items", None);
        let before = allocations();
        let res = if app == 0 {
            test::call_service(&layered, req).await
        } else {
            test::call_service(&plain, req).await
        };
        let after = allocations();
        assert_eq!(res.status(), 200);
        drop(res);
        per.push(after - before);
    }
    assert_eq!(per[0], per[1], "layered {} allocations, plain {}", per[0], per[1]);
}
