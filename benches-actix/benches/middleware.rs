//! In-process cost of the same route four ways — no middleware, `actix-cors` 0.7, ours, and ours
//! with a handler and a scope policy beside the route — for
//! five kinds of request, in one criterion run: `cargo bench -p benches-actix --bench middleware`.
//!
//! No sockets: the app is built with `actix_web::test::init_service` and called directly inside a
//! current-thread actix system. Each sample calls the service on requests built beforehand
//! (untimed), in batches of [`BATCH`], and drops each response (timed).

use std::time::Duration;

use actix_web::rt::System;
use actix_web::test::init_service;
use benches_actix::{
    app_actix_cors, app_bare, app_layered, app_ours, app_routes, check, timed_batch, Kind, Mode,
};
use criterion::{criterion_group, criterion_main, Criterion};

/// Requests built ahead of one timed batch.
const BATCH: u64 = 256;

fn bench(c: &mut Criterion) {
    let system = System::new();
    let bare = system.block_on(init_service(app_bare()));
    let actix = system.block_on(init_service(app_actix_cors()));
    let ours = system.block_on(init_service(app_ours()));
    let layered = system.block_on(init_service(app_layered()));
    let routes = system.block_on(init_service(app_routes()));
    for kind in Kind::ALL {
        system.block_on(async {
            check(&bare, Mode::Bare, kind).await;
            check(&actix, Mode::ActixCors, kind).await;
            check(&ours, Mode::Ours, kind).await;
            check(&layered, Mode::Layered, kind).await;
            check(&routes, Mode::Routes, kind).await;
        });
        let mut group = c.benchmark_group(format!("in-process/{}", kind.name()));
        macro_rules! way {
            ($mode:expr, $app:expr) => {
                group.bench_function($mode.name(), |b| {
                    b.iter_custom(|iters| {
                        system.block_on(async {
                            let mut total = Duration::ZERO;
                            let mut left = iters;
                            while left > 0 {
                                let n = left.min(BATCH);
                                total += timed_batch(&$app, kind, n as usize).await;
                                left -= n;
                            }
                            total
                        })
                    })
                });
            };
        }
        way!(Mode::Bare, bare);
        way!(Mode::ActixCors, actix);
        way!(Mode::Ours, ours);
        way!(Mode::Layered, layered);
        way!(Mode::Routes, routes);
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
