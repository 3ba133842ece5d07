use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origin = "https://a.example", origins("https://b.example"), credentials, credentials)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
