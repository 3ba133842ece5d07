//! The in-process comparison of `benches/middleware.rs`, interleaved, with paired ratios:
//! `cargo run --release -p benches-actix --bin inproc_paired [ROUNDS] [BATCH] [REPS]`.
//!
//! Each round times `REPS` batches of `BATCH` requests of each kind through each of the five
//! apps, in an order that rotates every batch, so background load hits the ways alike; a round
//! keeps each way's fastest batch (preemption by other processes only ever adds time). Per kind
//! it prints the median (min–max) nanoseconds per request of each way, the time each middleware
//! adds over bare, and the per-round ratios the targets are stated in: ours against actix-cors
//! (issue 6), and the layered app (a handler and a scope policy beside the route) against ours
//! and against ours with the same routes and no policy on them (issue 10).

use actix_web::test::init_service;
use benches_actix::{
    app_actix_cors, app_bare, app_layered, app_ours, app_routes, check, interleaved, ns_per_request, ratios,
    Kind, Mode, Summary,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    actix_web::rt::System::new().block_on(async {
        let bare = init_service(app_bare()).await;
        let actix = init_service(app_actix_cors()).await;
        let ours = init_service(app_ours()).await;
        let layered = init_service(app_layered()).await;
        let routes = init_service(app_routes()).await;
        let mut layered_rows = Vec::new();
        println!("In process, ns per request, median (min–max) of {rounds} interleaved rounds (fastest of {reps} batches of {batch} per way and round):\n");
        println!(
            "| request | bare | actix-cors | ours | actix-cors added | ours added | ours added / actix-cors added | ours / actix-cors | ours / bare |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for kind in Kind::ALL {
            check(&bare, Mode::Bare, kind).await;
            check(&actix, Mode::ActixCors, kind).await;
            check(&ours, Mode::Ours, kind).await;
            check(&layered, Mode::Layered, kind).await;
            check(&routes, Mode::Routes, kind).await;
            let time = |way: usize| {
                let (bare, actix, ours, layered, routes) = (&bare, &actix, &ours, &layered, &routes);
                async move {
                    match way {
                        0 => ns_per_request(bare, kind, batch).await,
                        1 => ns_per_request(actix, kind, batch).await,
                        2 => ns_per_request(ours, kind, batch).await,
                        3 => ns_per_request(layered, kind, batch).await,
                        _ => ns_per_request(routes, kind, batch).await,
                    }
                }
            };
            let t: [Vec<f64>; 5] = interleaved(rounds, reps, time).await;
            let [b, a, o, l, r] = &t;
            let added_a: Vec<f64> = a.iter().zip(b).map(|(a, b)| a - b).collect();
            let added_o: Vec<f64> = o.iter().zip(b).map(|(o, b)| o - b).collect();
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                kind.name(),
                Summary::of(b).show(0),
                Summary::of(a).show(0),
                Summary::of(o).show(0),
                Summary::of(&added_a).show(0),
                Summary::of(&added_o).show(0),
                Summary::of(&ratios(&added_o, &added_a)).show(2),
                Summary::of(&ratios(o, a)).show(2),
                Summary::of(&ratios(o, b)).show(2),
            );
            layered_rows.push(format!(
                "| {} | {} | {} | {} | {} | {} |",
                kind.name(),
                Summary::of(o).show(0),
                Summary::of(r).show(0),
                Summary::of(l).show(0),
                Summary::of(&ratios(l, o)).show(3),
                Summary::of(&ratios(l, r)).show(3),
            ));
        }
        println!("\nThe layered app (a handler and a scope policy beside the route) against ours, and against ours with the same routes but no policy on them (routes), same rounds:\n");
        println!("| request | ours | routes | layered | layered / ours | layered / routes |");
        println!("|---|---|---|---|---|---|");
        for row in layered_rows {
            println!("{row}");
        }
    });
}
