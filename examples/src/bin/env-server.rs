//! The reference server for black-box tests: `cargo run -p examples --bin env-server`.
//!
//! Listens on `BIND` (default `127.0.0.1:8081`), prints `listening on http://ADDR` when ready,
//! and wraps the whole app in `Cors::from_env()`: configure it with `CORS_*` variables.

use actix_web::{App, HttpServer};
use cors_actix::Cors;
use examples::env_server::{routes, DEFAULT_BIND};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    examples::init_logging();
    // Fails here, before binding, with every configuration problem named.
    let cors = Cors::from_env();
    let bind = std::env::var("BIND").unwrap_or_else(|_| DEFAULT_BIND.to_string());
    let server =
        HttpServer::new(move || App::new().configure(routes).wrap(cors.clone())).workers(2).bind(&bind)?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}
