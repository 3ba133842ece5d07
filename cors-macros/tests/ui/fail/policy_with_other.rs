use actix_web::{get, App, Responder};
use cors_macros::{cors, CorsPolicy};

#[derive(CorsPolicy)]
#[cors(origin = "https://partner.example")]
struct Partner;

#[cors(policy = Partner, credentials)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = (Partner, App::new().service(handler));
}
