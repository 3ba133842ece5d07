//! The reference server: the whole app wrapped in `Cors::from_env()`.
//!
//! Routes:
//! * `GET|HEAD|POST|PUT|PATCH|DELETE /api/echo`: 200, body `ok`, headers `X-Request-Id: 42` and
//!   `X-Secret: s`;
//! * `GET /api/fail`: the handler returns an error, 500;
//! * `GET /api/needs-auth`: behind an auth middleware that answers 401 unless
//!   `Authorization: Bearer t` (it would reject `OPTIONS` too);
//! * any other `/api/...` path: 404 from routing.
//!
//! It is also the showcase of the three ways to attach a policy: the app-wide `Cors::from_env()`
//! (in the binary), a scope with a named policy (`/partner`), and handlers with their own
//! policies (`/public/data`, `/private/data`, `/items`, `/internal/ping`), all compiled in.
//!
//! The compiled-in policies name two loopback sites by host, on any port (`http://host:*`), so
//! that a test can serve its pages on whatever port the OS gives it:
//! * [`APP_SITE`], `http://app.localhost:*`: `/private/data` (with credentials) and `GET /items`;
//! * [`PARTNER_SITE`], `http://partner.localhost:*`: the `/partner` scope and `POST /items` (with
//!   credentials).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use actix_web::middleware::{from_fn, Next};
use actix_web::{error, get, post, route, web, Error, HttpResponse};
use cors_actix::{cors, CorsPolicy, ScopeExt};

/// The default address: `127.0.0.1:8081`.
pub const DEFAULT_BIND: &str = "127.0.0.1:8081";

/// The origins `/private/data` and `GET /items` allow: `app.localhost` on any port.
pub const APP_SITE: &str = "http://app.localhost:*";

/// The origins the `/partner` scope and `POST /items` allow: `partner.localhost` on any port.
pub const PARTNER_SITE: &str = "http://partner.localhost:*";

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

// 2. A scope with a named policy, checked at compile time.
/// The partner scope's policy.
#[derive(CorsPolicy)]
#[cors(
    origin = "http://partner.localhost:*",
    credentials,
    methods(GET, POST),
    headers("content-type", "x-partner-key"),
    expose("x-request-id"),
    max_age = 600
)]
pub struct PartnerPolicy;

#[route("/orders", method = "GET", method = "POST")]
async fn partner_orders() -> HttpResponse {
    HttpResponse::Ok().insert_header(("x-request-id", "42")).body("ok")
}

// 3. Handlers with their own policies.
#[cors(any_origin)]
#[get("/public/data")]
async fn public_data() -> HttpResponse {
    HttpResponse::Ok().body("public")
}

#[cors(origin = "http://app.localhost:*", credentials)]
#[get("/private/data")]
async fn private_data() -> HttpResponse {
    HttpResponse::Ok().body("private")
}

#[cors(origin = "http://app.localhost:*")]
#[get("/items")]
async fn list_items() -> HttpResponse {
    HttpResponse::Ok().body("items")
}

#[cors(origin = "http://partner.localhost:*", credentials, headers("content-type"))]
#[post("/items")]
async fn create_item() -> HttpResponse {
    HttpResponse::Created().body("created")
}

#[cors(disable)]
#[get("/internal/ping")]
async fn internal_ping() -> HttpResponse {
    HttpResponse::Ok().body("pong")
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
    .service(web::scope("/api").default_service(web::to(HttpResponse::NotFound)))
    .service(public_data)
    .service(private_data)
    .service(list_items)
    .service(create_item)
    .service(internal_ping)
    .service(web::scope("/partner").service(partner_orders).cors(PartnerPolicy));
}
