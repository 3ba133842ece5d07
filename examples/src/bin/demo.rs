//! `cargo run -p examples --bin demo`, then open <http://localhost:8080/>.

use actix_web::{App, HttpServer};
use cors_actix::Cors;
use examples::demo::{api, page, policy, RecentRefusals, API_ADDR, OTHER_PAGE_PORT, PAGE_PORT};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    // The page shows the server's refusal lines beside the browser's words for them.
    let refusals = RecentRefusals::default();
    examples::init_logging_with(refusals.clone());
    let cors = Cors::new(policy());
    let api =
        HttpServer::new(move || App::new().configure(api).wrap(cors.clone())).workers(1).bind(API_ADDR)?;
    let pages = HttpServer::new(move || App::new().configure(page(refusals.clone())))
        .workers(1)
        .bind(("127.0.0.1", PAGE_PORT))?
        .bind(("127.0.0.1", OTHER_PAGE_PORT))?;
    println!("API:  http://{API_ADDR}");
    println!("page: http://localhost:{PAGE_PORT}/ (allowed origin)");
    println!("page: http://localhost:{OTHER_PAGE_PORT}/ (an origin the policy does not list)");
    let (a, b) = futures_util::future::join(api.run(), pages.run()).await;
    a.and(b)
}
