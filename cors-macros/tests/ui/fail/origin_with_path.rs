use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origins("https://myapp.com/", "https://api.myapp.com/v1"))]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
