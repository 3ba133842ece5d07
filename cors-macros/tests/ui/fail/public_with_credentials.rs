use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(public, credentials)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

#[cors(preset = "private")]
#[get("/other")]
async fn other() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler).service(other);
}
