use actix_web::{get, App, Responder};
use cors_macros::cors;

#[get("/")]
#[cors(origin = "https://myapp.com")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
