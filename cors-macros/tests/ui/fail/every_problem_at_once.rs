use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origins("https://myapp.com/", "*.myapp.com"), headers("host"), max_age = 90000)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
