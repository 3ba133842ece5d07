use actix_web::{put, App, Responder};
use cors_macros::cors;

// The preflight for PUT would always be refused.
#[cors(origin = "https://myapp.com", methods(DELETE, PATCH))]
#[put("/items")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
