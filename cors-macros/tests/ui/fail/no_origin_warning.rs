// A policy that allows no origin refuses every cross-origin request: a warning, shown as a
// `deprecated` warning at the attribute. Denied here so that trybuild records it.
#![deny(deprecated)]

use actix_web::{get, App, Responder};
use cors_macros::cors;

#[cors(credentials)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = App::new().service(handler);
}
