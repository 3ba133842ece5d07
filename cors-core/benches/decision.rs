//! The decision for one request, in isolation: `cargo bench -p cors-core --bench decision`.
//!
//! Covers allowed actual, refused actual, allowed and refused preflights, a legitimate 5-item
//! `Access-Control-Request-Headers` list beside two hostile 64 KiB ones (one long name, 32,768
//! short names), for 1, 1,000 and 100,000 exact origins; and 1, 1,000 subdomain patterns.
//! The interleaved, paired ratios the targets of issue 6 use come from
//! `cargo run --release -p benches-actix --bin decision_paired`.

use std::hint::black_box;

#[allow(dead_code)]
mod fixtures;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use fixtures::{exact_policy, pattern_policy, request};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("decision");
    let five: &[&[u8]] = &[b"authorization,content-type,x-a,x-b,x-c"];
    let hostile_line = vec![b'a'; 64 * 1024];
    let hostile: Vec<&[u8]> = vec![&hostile_line];
    let hostile_items = b"a,".repeat(32 * 1024);
    let hostile_list: Vec<&[u8]> = vec![&hostile_items];
    for n in [1usize, 1_000, 100_000] {
        let policy = exact_policy(n);
        let allowed = request(b"GET", b"https://myapp.example.com", None, &[]);
        group.bench_with_input(BenchmarkId::new("allowed actual, exact origins", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&allowed)).is_allowed()))
        });
        let pre = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), five);
        group.bench_with_input(BenchmarkId::new("allowed preflight, 5 headers", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&pre)).headers().count()))
        });
        let refused_actual = request(b"GET", b"https://evil.example.net", None, &[]);
        group.bench_with_input(BenchmarkId::new("refused actual, exact origins", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&refused_actual)).is_allowed()))
        });
        let refused = request(b"OPTIONS", b"https://evil.example.net", Some(b"PUT"), five);
        group.bench_with_input(BenchmarkId::new("refused preflight", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&refused)).is_allowed()))
        });
        // The legitimate list and the hostile one, measured alike (`is_allowed`), so their ratio
        // comes from one run.
        group.bench_with_input(BenchmarkId::new("legitimate 5-item header list", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&pre)).is_allowed()))
        });
        let hostile_req = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), &hostile);
        group.bench_with_input(BenchmarkId::new("hostile 64 KiB header list", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&hostile_req)).is_allowed()))
        });
        let hostile_list_req = request(b"OPTIONS", b"https://myapp.example.com", Some(b"PUT"), &hostile_list);
        group.bench_with_input(BenchmarkId::new("hostile 64 KiB list of 32,768 names", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&hostile_list_req)).is_allowed()))
        });
    }
    for n in [1usize, 1_000] {
        let policy = pattern_policy(n);
        let origin = format!("https://a.b.tenant{}.example.com", n - 1);
        let req = request(b"GET", origin.as_bytes(), None, &[]);
        group.bench_with_input(BenchmarkId::new("allowed actual, subdomain patterns", n), &n, |b, _| {
            b.iter(|| black_box(policy.decide(black_box(&req)).is_allowed()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
