use actix_web::{get, App, Responder};
use cors_macros::cors;

// A plain type: it needs #[derive(CorsPolicy)] and a #[cors(..)] policy.
struct NotAPolicy;

#[cors(policy = NotAPolicy)]
#[get("/")]
async fn handler() -> impl Responder {
    ""
}

fn main() {
    let _ = (NotAPolicy, App::new().service(handler));
}
