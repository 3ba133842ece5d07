//! The reference server for black-box tests: `cargo run -p examples --bin env-server`.
//!
//! Listens on `BIND` (default `127.0.0.1:8081`), prints `listening on http://ADDR` when ready,
//! and wraps the whole app in `Cors::from_env()`: configure it with `CORS_*` variables.
//! `ACCESS_LOG=true` also logs every request with its status, preflights included, as
//! `METHOD TARGET HTTP/1.1 STATUS` at target `access`, level info (`INFO access: OPTIONS /api/echo HTTP/1.1 204`): what a browser actually sent, for
//! tests that count preflights.

use actix_web::middleware::{Condition, Logger};
use actix_web::{App, HttpServer};
use cors_actix::Cors;
use examples::env_server::{routes, DEFAULT_BIND};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    examples::init_logging();
    // Fails here, before binding, with every configuration problem named.
    let cors = Cors::from_env();
    let bind = std::env::var("BIND").unwrap_or_else(|_| DEFAULT_BIND.to_string());
    let access_log = std::env::var("ACCESS_LOG").is_ok_and(|v| v == "true" || v == "1");
    let server = HttpServer::new(move || {
        App::new()
            .configure(routes)
            .wrap(cors.clone())
            // Outermost, so it sees every request and the status the client got.
            .wrap(Condition::new(access_log, Logger::new("%r %s").log_target("access")))
    })
    .workers(2)
    .bind(&bind)?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}
