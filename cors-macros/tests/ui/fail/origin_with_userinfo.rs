use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(origin = "https://user:pw@myapp.com")]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
