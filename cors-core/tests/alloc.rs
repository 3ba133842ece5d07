//! `Policy::decide` on the hot path performs no heap allocation: values that do not depend on
//! the request are built with the policy, echoed ones borrow the request.
//!
//! A counting global allocator counts, per thread, only while a closure runs, so tests running
//! in parallel do not disturb each other.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::{actual, preflight, request};
use cors_core::{Field, Policy};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> usize {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    let result = f();
    COUNTING.with(|on| on.set(false));
    drop(result);
    COUNT.with(Cell::get)
}

fn policy() -> Policy {
    Policy::builder()
        .allow_origins(["https://app.example", "https://*.app.example", "http://localhost:*"])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id", "x-trace"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .unwrap()
}

/// Decides and writes every header out (summing lengths so nothing is optimised away).
fn decide_and_write(policy: &Policy, req: &cors_core::CorsRequest<'_, common::Lines<'_>>) -> (bool, usize) {
    let decision = policy.decide(req);
    let written = decision.headers().map(|(name, value)| name.as_str().len() + value.as_bytes().len()).sum();
    (decision.is_allowed(), written)
}

#[test]
fn the_counter_counts() {
    assert_eq!(allocations(|| Vec::<u8>::with_capacity(8)), 1);
    assert_eq!(allocations(|| 1 + 1), 0);
}

#[test]
fn allowed_actual_request_with_an_exact_origin_allocates_nothing() {
    let policy = policy();
    let req = actual("https://app.example");
    let mut outcome = (false, 0);
    assert_eq!(allocations(|| outcome = decide_and_write(&policy, &req)), 0);
    // ACAO (27 + 19), ACAC (32 + 4), ACEH (29 + 21).
    assert_eq!(outcome, (true, 27 + 19 + 32 + 4 + 29 + 21));
}

#[test]
fn other_common_requests_allocate_nothing_either() {
    let policy = policy();
    let lines: [&[u8]; 1] = [b"content-type,authorization"];
    let cases = [
        ("pattern origin", actual("https://eu.app.example")),
        ("port pattern", actual("http://localhost:5173")),
        ("refused origin", actual("https://evil.example")),
        ("not CORS", request(b"GET", Field::Absent, Field::Absent, &[], false)),
        ("preflight, one header line", preflight("https://app.example", "PUT", &lines)),
        ("refused preflight", preflight("https://app.example", "PATCH", &lines)),
    ];
    for (name, req) in &cases {
        let mut outcome = (false, 0);
        assert_eq!(allocations(|| outcome = decide_and_write(&policy, req)), 0, "{name}");
    }
}

#[test]
fn policies_are_cheap_to_clone() {
    let policy = policy();
    assert_eq!(allocations(|| policy.clone()), 0);
}
