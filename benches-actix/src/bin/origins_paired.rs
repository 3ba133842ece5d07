//! Issue 12's in-process comparisons, interleaved, with paired ratios:
//! `cargo run --release -p benches-actix --bin origins_paired [ROUNDS] [BATCH] [REPS]`.
//!
//! Four ways serve the route: ours with a fixed policy, ours made replaceable
//! (`Cors::reloadable`), ours granting the origin with a synchronous predicate, and ours granting
//! it with an asynchronous origin check whose verdicts are cached (every origin is seen once
//! before timing starts). Each round times `REPS` batches of `BATCH` requests of each kind
//! through each way, in an order that rotates every batch, and keeps each way's fastest batch.
//! Per kind it prints the median (min–max) nanoseconds per request and the per-round ratios the
//! targets are stated in: reloadable / fixed (within 5%) and async / predicate (within 1.2×).

use actix_web::test::init_service;
use benches_actix::{
    app_async, app_ours, app_predicate, app_reloadable, check, interleaved, ns_per_request, ratios, Kind,
    Mode, Summary,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    actix_web::rt::System::new().block_on(async {
        let fixed = init_service(app_ours()).await;
        let reloadable = init_service(app_reloadable()).await;
        let predicate = init_service(app_predicate()).await;
        let asynchronous = init_service(app_async()).await;
        println!("In process, ns per request, median (min–max) of {rounds} interleaved rounds (fastest of {reps} batches of {batch} per way and round):\n");
        println!("| request | fixed | reloadable | reloadable / fixed | predicate | async (cached) | async / predicate |");
        println!("|---|---|---|---|---|---|---|");
        for kind in Kind::ALL {
            // Each answers as it should; this also caches the async check's verdicts.
            check(&fixed, Mode::Ours, kind).await;
            check(&reloadable, Mode::Reloadable, kind).await;
            check(&predicate, Mode::Predicate, kind).await;
            check(&asynchronous, Mode::AsyncCheck, kind).await;
            let time = |way: usize| {
                let (fixed, reloadable, predicate, asynchronous) = (&fixed, &reloadable, &predicate, &asynchronous);
                async move {
                    match way {
                        0 => ns_per_request(fixed, kind, batch).await,
                        1 => ns_per_request(reloadable, kind, batch).await,
                        2 => ns_per_request(predicate, kind, batch).await,
                        _ => ns_per_request(asynchronous, kind, batch).await,
                    }
                }
            };
            let t: [Vec<f64>; 4] = interleaved(rounds, reps, time).await;
            let [f, r, p, a] = &t;
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                kind.name(),
                Summary::of(f).show(0),
                Summary::of(r).show(0),
                Summary::of(&ratios(r, f)).show(3),
                Summary::of(p).show(0),
                Summary::of(a).show(0),
                Summary::of(&ratios(a, p)).show(3),
            );
        }
    });
}
