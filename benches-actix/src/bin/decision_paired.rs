//! The ratios of `cors-core/benches/decision.rs`, interleaved and paired:
//! `cargo run --release -p benches-actix --bin decision_paired [ROUNDS]`.
//!
//! The policies and requests are the same as in that bench. Each round times a loop of each case
//! of a comparison back to back, in an order that alternates every round; the ratio of the two
//! is taken per round, and the median (min–max) over rounds is printed.

use std::hint::black_box;
use std::time::Instant;

use benches_actix::Summary;
use cors_core::Policy;

#[path = "../../../cors-core/benches/fixtures/mod.rs"]
mod fixtures;

use fixtures::{exact_policy, pattern_policy, request, Req};

/// Nanoseconds per decision over `iters` decisions.
fn time(policy: &Policy, req: &Req<'_>, iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(policy.decide(black_box(req)).is_allowed());
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// Times `(policy, request)` pairs `a` and `b` interleaved; prints one table row.
fn compare(label: &str, a: (&Policy, &Req<'_>), b: (&Policy, &Req<'_>), rounds: usize, iters: u32) {
    for _ in 0..3 {
        time(a.0, a.1, iters);
        time(b.0, b.1, iters);
    }
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = time(a.0, a.1, iters);
            (x, time(b.0, b.1, iters))
        } else {
            let y = time(b.0, b.1, iters);
            (time(a.0, a.1, iters), y)
        };
        ta.push(x);
        tb.push(y);
        ratio.push(y / x);
    }
    println!(
        "| {label} | {} | {} | {} |",
        Summary::of(&ta).show(1),
        Summary::of(&tb).show(1),
        Summary::of(&ratio).show(2)
    );
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(31);
    let iters = 20_000;
    println!(
        "cors-core decision, ns per decision, median (min–max) of {rounds} interleaved rounds of {iters}:\n"
    );
    println!("| comparison (A → B) | A | B | B / A (paired) |");
    println!("|---|---|---|---|");
    let allowed = request(b"GET", b"https://myapp.example.com", None, &[]);
    let (e1, e1k, e100k) = (exact_policy(1), exact_policy(1_000), exact_policy(100_000));
    compare("allowed actual, exact origins: 1 → 1,000", (&e1, &allowed), (&e1k, &allowed), rounds, iters);
    compare("allowed actual, exact origins: 1 → 100,000", (&e1, &allowed), (&e100k, &allowed), rounds, iters);
    let refused = request(b"GET", b"https://evil.example.net", None, &[]);
    compare("refused actual, exact origins: 1 → 100,000", (&e1, &refused), (&e100k, &refused), rounds, iters);

    let (p1, p1k) = (pattern_policy(1), pattern_policy(1_000));
    let o1 = "https://a.b.tenant0.example.com";
    let o1k = "https://a.b.tenant999.example.com";
    let (r1, r1k) = (request(b"GET", o1.as_bytes(), None, &[]), request(b"GET", o1k.as_bytes(), None, &[]));
    compare("allowed actual, subdomain patterns: 1 → 1,000", (&p1, &r1), (&p1k, &r1k), rounds, iters);

    let five: &[&[u8]] = &[b"authorization,content-type,x-a,x-b,x-c"];
    let hostile_line = vec![b'a'; 64 * 1024];
    let hostile: Vec<&[u8]> = vec![&hostile_line];
    let hostile_items: Vec<u8> = b"a,".repeat(32 * 1024);
    let hostile_list: Vec<&[u8]> = vec![&hostile_items];
    let legit = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), five);
    let bad = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), &hostile);
    let bad_list = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), &hostile_list);
    for (n, policy) in [(1, &e1), (100_000, &e100k)] {
        compare(
            &format!("preflight, {n} origin(s): legit 5 names → hostile 64 KiB name"),
            (policy, &legit),
            (policy, &bad),
            rounds,
            iters,
        );
        compare(
            &format!("preflight, {n} origin(s): legit 5 names → hostile 32,768 × \"a,\""),
            (policy, &legit),
            (policy, &bad_list),
            rounds,
            iters,
        );
    }
}
