//! Heap allocations per request, in process, for the same route served each way of `Mode`:
//! `cargo run --release -p benches-actix --bin alloc_count [N]`.
//!
//! A counting global allocator counts every allocation (and reallocation) made while the service
//! is called on `N` requests of one kind and each response is dropped; the requests are built
//! beforehand, uncounted. Prints a Markdown table of allocations per request.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::init_service;
use actix_web::Error;
use benches_actix::{
    app_actix_cors, app_async, app_bare, app_layered, app_ours, app_predicate, app_reloadable, app_routes,
    check, serve_one, Kind, Mode,
};

struct Counting;

static ON: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn note(size: usize) {
    if ON.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes per request for `n` requests of `kind`, after a warm-up.
async fn per_request<S, B>(app: &S, mode: Mode, kind: Kind, n: usize) -> (f64, f64)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    check(app, mode, kind).await;
    for _ in 0..1000 {
        serve_one(app, kind.request()).await;
    }
    let requests: Vec<Request> = (0..n).map(|_| kind.request()).collect();
    COUNT.store(0, Ordering::Relaxed);
    BYTES.store(0, Ordering::Relaxed);
    ON.store(true, Ordering::Relaxed);
    for req in requests {
        serve_one(app, req).await;
    }
    ON.store(false, Ordering::Relaxed);
    let n = n as f64;
    (COUNT.load(Ordering::Relaxed) as f64 / n, BYTES.load(Ordering::Relaxed) as f64 / n)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    actix_web::rt::System::new().block_on(async {
        let bare = init_service(app_bare()).await;
        let actix = init_service(app_actix_cors()).await;
        let ours = init_service(app_ours()).await;
        let layered = init_service(app_layered()).await;
        let routes = init_service(app_routes()).await;
        println!("Heap allocations per request (bytes per request), in process, {n} requests each:\n");
        println!("| request | bare | actix-cors | ours | routes | layered | ours − actix-cors | layered − routes |");
        println!("|---|---|---|---|---|---|---|---|");
        for kind in Kind::ALL {
            let b = per_request(&bare, Mode::Bare, kind, n).await;
            let a = per_request(&actix, Mode::ActixCors, kind, n).await;
            let o = per_request(&ours, Mode::Ours, kind, n).await;
            let r = per_request(&routes, Mode::Routes, kind, n).await;
            let l = per_request(&layered, Mode::Layered, kind, n).await;
            println!(
                "| {} | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:+.2} | {:+.2} |",
                kind.name(),
                b.0,
                b.1,
                a.0,
                a.1,
                o.0,
                o.1,
                r.0,
                r.1,
                l.0,
                l.1,
                o.0 - a.0,
                l.0 - r.0
            );
        }

        // Issue 12: a replaceable policy, and origins granted by a predicate or by the cached
        // asynchronous check.
        let reloadable = init_service(app_reloadable()).await;
        let predicate = init_service(app_predicate()).await;
        let asynchronous = init_service(app_async()).await;
        println!("\n| request | ours | reloadable | predicate | async (cached) | async − predicate |");
        println!("|---|---|---|---|---|---|");
        for kind in Kind::ALL {
            let o = per_request(&ours, Mode::Ours, kind, n).await;
            let r = per_request(&reloadable, Mode::Reloadable, kind, n).await;
            let p = per_request(&predicate, Mode::Predicate, kind, n).await;
            let a = per_request(&asynchronous, Mode::AsyncCheck, kind, n).await;
            println!(
                "| {} | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:.2} ({:.0} B) | {:+.2} |",
                kind.name(),
                o.0,
                o.1,
                r.0,
                r.1,
                p.0,
                p.1,
                a.0,
                a.1,
                a.0 - p.0
            );
        }
    });
}
