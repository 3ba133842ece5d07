use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origin = "https://myapp.com", headers("content-type", "x api key"))]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
