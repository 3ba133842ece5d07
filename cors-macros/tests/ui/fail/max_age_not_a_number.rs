use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origin = "https://myapp.com", max_age = "ten minutes")]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
