use actix_web::Responder;
use cors_macros::cors;

#[cors(origin = "https://myapp.com")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = handler;
}
