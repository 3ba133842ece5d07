//! The in-process comparison of `benches/middleware.rs`, interleaved, with paired ratios:
//! `cargo run --release -p benches-actix --bin inproc_paired [ROUNDS] [BATCH] [REPS]`.
//!
//! Each round times `REPS` batches of `BATCH` requests of each kind through each of the three
//! apps, in an order that rotates every batch, so background load hits the three ways alike; a
//! round keeps each way's fastest batch (preemption by other processes only ever adds time). Per kind it
//! prints the median (min–max) nanoseconds per request of each way, the time each middleware adds
//! over bare, and the per-round ratios the targets of issue 6 are stated in.

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::init_service;
use actix_web::Error;
use benches_actix::{app_actix_cors, app_bare, app_ours, check, timed_batch, Kind, Mode, Summary};

async fn ns_per_request<S, B>(app: &S, kind: Kind, batch: usize) -> f64
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    timed_batch(app, kind, batch).await.as_nanos() as f64 / batch as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(31);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    actix_web::rt::System::new().block_on(async {
        let bare = init_service(app_bare()).await;
        let actix = init_service(app_actix_cors()).await;
        let ours = init_service(app_ours()).await;
        println!("In process, ns per request, median (min–max) of {rounds} interleaved rounds (fastest of {reps} batches of {batch} per way and round):\n");
        println!(
            "| request | bare | actix-cors | ours | actix-cors added | ours added | ours added / actix-cors added | ours / actix-cors | ours / bare |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for kind in Kind::ALL {
            check(&bare, Mode::Bare, kind).await;
            check(&actix, Mode::ActixCors, kind).await;
            check(&ours, Mode::Ours, kind).await;
            // Warm-up.
            for _ in 0..3 {
                ns_per_request(&bare, kind, batch).await;
                ns_per_request(&actix, kind, batch).await;
                ns_per_request(&ours, kind, batch).await;
            }
            let (mut b, mut a, mut o) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let mut t = [f64::INFINITY; 3];
                for rep in 0..reps {
                    for i in 0..3 {
                        let way = (round + rep + i) % 3;
                        let ns = match way {
                            0 => ns_per_request(&bare, kind, batch).await,
                            1 => ns_per_request(&actix, kind, batch).await,
                            _ => ns_per_request(&ours, kind, batch).await,
                        };
                        t[way] = t[way].min(ns);
                    }
                }
                b.push(t[0]);
                a.push(t[1]);
                o.push(t[2]);
            }
            let added_a: Vec<f64> = a.iter().zip(&b).map(|(a, b)| a - b).collect();
            let added_o: Vec<f64> = o.iter().zip(&b).map(|(o, b)| o - b).collect();
            let added_ratio: Vec<f64> = added_o.iter().zip(&added_a).map(|(o, a)| o / a).collect();
            let vs_actix: Vec<f64> = o.iter().zip(&a).map(|(o, a)| o / a).collect();
            let vs_bare: Vec<f64> = o.iter().zip(&b).map(|(o, b)| o / b).collect();
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                kind.name(),
                Summary::of(&b).show(0),
                Summary::of(&a).show(0),
                Summary::of(&o).show(0),
                Summary::of(&added_a).show(0),
                Summary::of(&added_o).show(0),
                Summary::of(&added_ratio).show(2),
                Summary::of(&vs_actix).show(2),
                Summary::of(&vs_bare).show(2),
            );
        }
    });
}
