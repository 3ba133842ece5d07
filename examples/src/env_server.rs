//! The reference server: the whole app wrapped in `Cors::from_env()`.
//!
//! Routes:
//! * `GET|HEAD|POST|PUT|PATCH|DELETE /api/echo`: 200, body `ok`, headers `X-Request-Id: 42` and
//!   `X-Secret: s`;
//! * `GET /api/fail`: the handler returns an error, 500;
//! * `GET /api/needs-auth`: behind an auth middleware that answers 401 unless
//!   `Authorization: Bearer t` (it would reject `OPTIONS` too);
//! * any other `/api/...` path: 404 from routing.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use actix_web::middleware::{from_fn, Next};
use actix_web::{error, web, Error, HttpResponse};

/// The default address: `127.0.0.1:8081`.
pub const DEFAULT_BIND: &str = "127.0.0.1:8081";

async fn echo() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((HeaderName::from_static("x-request-id"), HeaderValue::from_static("42")))
        .insert_header((HeaderName::from_static("x-secret"), HeaderValue::from_static("s")))
        .body("ok")
}

async fn fail() -> Result<HttpResponse, actix_web::Error> {
    Err(error::ErrorInternalServerError("the handler failed on purpose"))
}

async fn needs_auth() -> HttpResponse {
    HttpResponse::Ok().body("authorized")
}

/// A small auth middleware: 401 unless `Authorization: Bearer t`, for every method.
async fn require_bearer(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.headers().get(AUTHORIZATION).is_some_and(|v| v.as_bytes() == b"Bearer t") {
        next.call(req).await
    } else {
        Err(error::ErrorUnauthorized("send Authorization: Bearer t"))
    }
}

/// The routes, for `App::new().configure(routes).wrap(cors)`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/echo")
            .route(web::get().to(echo))
            .route(web::head().to(echo))
            .route(web::post().to(echo))
            .route(web::put().to(echo))
            .route(web::patch().to(echo))
            .route(web::delete().to(echo)),
    )
    .route("/api/fail", web::get().to(fail))
    .service(web::resource("/api/needs-auth").wrap(from_fn(require_bearer)).route(web::get().to(needs_auth)))
    .service(web::scope("/api").default_service(web::to(HttpResponse::NotFound)));
}
