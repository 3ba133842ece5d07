//! The benchmarked route on `127.0.0.1:<port>`, one worker, served one way:
//! `serve <bare|actix-cors|ours|layered|routes> <port>`. Driven by `benches/loopback.sh`.

use benches_actix::{
    app_actix_cors, app_async, app_bare, app_layered, app_ours, app_predicate, app_reloadable, app_routes,
    Mode,
};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: serve <bare|actix-cors|ours|layered|routes> <port>";
    let mode = args.next().as_deref().and_then(Mode::parse).expect(usage);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect(usage);
    let addr = ("127.0.0.1", port);
    macro_rules! serve {
        ($app:expr) => {
            actix_web::HttpServer::new(|| $app).workers(1).bind(addr)?.run().await
        };
    }
    match mode {
        Mode::Bare => serve!(app_bare()),
        Mode::ActixCors => serve!(app_actix_cors()),
        Mode::Ours => serve!(app_ours()),
        Mode::Layered => serve!(app_layered()),
        Mode::Routes => serve!(app_routes()),
        Mode::Reloadable => serve!(app_reloadable()),
        Mode::Predicate => serve!(app_predicate()),
        Mode::AsyncCheck => serve!(app_async()),
    }
}
