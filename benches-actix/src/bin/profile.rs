//! One way, one kind of request, many times, for a profiler (`perf record`, `valgrind
//! --tool=callgrind`): `profile <way|floor> <kind> [N]`, where way is a `Mode` name (`bare`,
//! `actix-cors`, `ours`, `layered`, `routes`, `reloadable`, `predicate`, `async`) and kind one of
//! `no-origin`, `allowed-get`, `refused-get`, `allowed-preflight`, `refused-preflight`.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::init_service;
use actix_web::Error;
use benches_actix::{
    app_actix_cors, app_async, app_bare, app_header_floor, app_layered, app_ours, app_predicate,
    app_reloadable, app_routes, check, timed_batch, Kind, Mode,
};

async fn run<S, B>(app: &S, mode: Mode, kind: Kind, n: usize)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    check(app, mode, kind).await;
    let mut left = n;
    let mut ns = 0u128;
    while left > 0 {
        let batch = left.min(1000);
        ns += timed_batch(app, kind, batch).await.as_nanos();
        left -= batch;
    }
    eprintln!("{} / {}: {:.0} ns per request", mode.name(), kind.name(), ns as f64 / n as f64);
}

fn main() {
    let usage = "usage: profile <bare|actix-cors|ours|layered|routes|reloadable|predicate|async|floor> <no-origin|allowed-get|refused-get|allowed-preflight|refused-preflight> [N]";
    let mut args = std::env::args().skip(1);
    let way = args.next().expect(usage);
    let floor = way == "floor";
    let mode = if floor { Mode::Bare } else { Mode::parse(&way).expect(usage) };
    let kind = args
        .next()
        .and_then(|k| Kind::ALL.into_iter().find(|c| c.name().replace(' ', "-").to_lowercase() == k))
        .expect(usage);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    actix_web::rt::System::new().block_on(async {
        if floor {
            // Not checked: the floor writes a grant whatever the request.
            let app = init_service(app_header_floor()).await;
            let mut ns = 0u128;
            for _ in 0..n.div_ceil(1000) {
                ns += timed_batch(&app, kind, 1000.min(n)).await.as_nanos();
            }
            eprintln!("floor / {}: {:.0} ns per request", kind.name(), ns as f64 / n as f64);
            return;
        }
        match mode {
            Mode::Bare => run(&init_service(app_bare()).await, mode, kind, n).await,
            Mode::ActixCors => run(&init_service(app_actix_cors()).await, mode, kind, n).await,
            Mode::Ours => run(&init_service(app_ours()).await, mode, kind, n).await,
            Mode::Layered => run(&init_service(app_layered()).await, mode, kind, n).await,
            Mode::Routes => run(&init_service(app_routes()).await, mode, kind, n).await,
            Mode::Reloadable => run(&init_service(app_reloadable()).await, mode, kind, n).await,
            Mode::Predicate => run(&init_service(app_predicate()).await, mode, kind, n).await,
            Mode::AsyncCheck => run(&init_service(app_async()).await, mode, kind, n).await,
        }
    });
}
