// Lower-case methods are kept as written (browsers send them as written): a warning, shown
// as a `deprecated` warning at the method. Denied here so that trybuild records it.
#![deny(deprecated)]

use actix_web::{patch, App, Responder};
use cors_macros::cors;

#[cors(origin = "https://myapp.com", methods(PATCH, purge))]
#[patch("/items")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
