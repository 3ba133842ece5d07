use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origins("https://myapp.com", "http://myapp.com"), credentials)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
