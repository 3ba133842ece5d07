//! CORS middleware for actix-web 4, to the Fetch standard: one policy per app, scope or handler,
//! the most specific governing alone, every refusal explained in the server's log.
//!
//! ```
//! use actix_web::{test, web, App, HttpResponse};
//! use cors_actix::{Cors, Policy, ScopeExt};
//!
//! # actix_web::rt::System::new().block_on(async {
//! // App-wide, from the environment (CORS_ALLOWED_ORIGINS, ...), or from a built policy:
//! let app_policy = Policy::builder().allow_origin("https://myapp.com").build().unwrap();
//! let partner = Policy::builder()
//!     .allow_origin("https://partner.example")
//!     .allow_credentials(true)
//!     .allow_methods(["GET", "POST"])
//!     .build()
//!     .unwrap();
//!
//! let app = test::init_service(
//!     App::new()
//!         .service(web::scope("/partner").route("/orders", web::get().to(HttpResponse::Ok)).cors(partner))
//!         .route("/items", web::get().to(HttpResponse::Ok))
//!         .wrap(Cors::new(app_policy)),
//! )
//! .await;
//!
//! let req = test::TestRequest::get()
//!     .uri("/partner/orders")
//!     .insert_header(("Origin", "https://partner.example"))
//!     .to_request();
//! let res = test::call_service(&app, req).await;
//! assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), "https://partner.example");
//! assert_eq!(res.headers().get("access-control-allow-credentials").unwrap(), "true");
//! # });
//! ```
//!
//! # The three ways to attach a policy
//!
//! * The whole app: `App::new().wrap(Cors::from_env())` (or [`Cors::new`] with a [`Policy`]).
//! * A scope: `web::scope("/partner").cors(PartnerPolicy)` with [`ScopeExt`], where
//!   `PartnerPolicy` is a [`Policy`] or a `#[derive(CorsPolicy)]` type.
//! * One handler: `#[cors(origin = "https://myapp.com", credentials)]` above its route attribute.
//!
//! # Precedence: how layers agree on one policy
//!
//! Exactly one policy decides each request: the handler's, else the innermost scope's, else the
//! app's. Layers agree through two mechanisms:
//!
//! * **Preflights** are answered by the *outermost* CORS layer, with the governing policy, before
//!   routing and without calling any handler, default service or middleware below it. To find the
//!   governing policy, the layer consults markers that `#[cors]` handlers and `.cors(..)` scopes
//!   register in the app's resource map (see the `layers` module source): a lookup by path and
//!   requested method, checked against the resource the path actually reaches. A policy with
//!   `preflight_continue` forwards its preflights to the handler instead.
//! * **Actual requests** run the handler; the innermost layer writes its headers and marks the
//!   response, and outer layers leave a marked response (or one already carrying
//!   `Access-Control-Allow-Origin`) alone. Errors from handlers and inner middleware are decorated
//!   too, through actix-web's error response mapping, so the browser sees the real status.
//!
//! Residual cases, where the lookup cannot see a more specific policy and the outer policy
//! answers the preflight instead (no user code runs either way):
//! * a scope attached with `.wrap(Cors::from(..))` instead of `.cors(..)` (a warning is logged on
//!   the first request that reaches it);
//! * a handler-level policy on a tail pattern (`/files/{tail}*`) (logged at startup);
//! * a handler whose path is first reached by another resource registered before it with a
//!   pattern that also matches (e.g. `/items/{id}` before `/items/new`).
//!
//! A handler-level policy only sees the requests routed to its own resource: with **no** outer
//! CORS layer, a preflight that routing gives to another resource is that resource's (a user's
//! own `#[options("/items")]` registered before a `#[cors]` `GET /items` handler runs for the
//! GET preflight). Register such routes after the `#[cors]` handlers, or wrap the app in a
//! `Cors`, whose lookup finds the handler's policy and answers for it. A plain `OPTIONS` request
//! (no `Origin`, or no `Access-Control-Request-Method`) is not a preflight: it is routed like any
//! request (to a user's `OPTIONS` route, else the default service); with an `Origin`, an outer
//! `Cors` treats it as an actual request and applies its own policy.
//!
//! # Methods of one path with different policies: the preflight cache
//!
//! `GET /items` and `POST /items` may carry different `#[cors]` policies: each answers the
//! preflight for its own method. But browsers cache a preflight's grant per origin and URL, not
//! per method: when methods of one path carry different policies, a grant for one method can let
//! a request for another skip its preflight (and a simple `GET`, `HEAD` or `POST` never has one),
//! so the request reaches a handler whose policy was never asked, and without blocking that
//! handler runs. Turn `block_disallowed` on for such handlers, so their own policy refuses the
//! actual request with 403 before the handler runs:
//!
//! ```
//! use actix_web::{get, post, Responder};
//! use cors_actix::cors;
//!
//! #[cors(origin = "https://myapp.com", block_disallowed)]
//! #[get("/items")]
//! async fn list_items() -> impl Responder {
//!     "items"
//! }
//!
//! #[cors(origin = "https://partner.example", credentials, block_disallowed)]
//! #[post("/items")]
//! async fn create_item() -> impl Responder {
//!     "created"
//! }
//! ```
//!
//! # What CORS is not
//!
//! CORS is not protection against cross-site request forgery: a simple cross-origin POST runs
//! the handler whatever the policy says, unless `block_disallowed` is on. It is not an origin
//! check for WebSocket upgrades either. Errors actix-web's HTTP parser answers itself (a
//! malformed request line or header, 400/431) carry no CORS headers.
//!
//! # Logs
//!
//! With the `tracing` crate: the effective policy once at startup (target `cors`, level info),
//! configuration warnings (warn), and every refusal at debug level with `origin`, `method`,
//! `path` and `reason` fields, e.g. `request header "x-api-key" is not allowed (allowed:
//! content-type, authorization)`. Client values are escaped and truncated.

#![warn(missing_docs)]

mod announce;
mod middleware;
mod precedence;
mod request;
mod response;
mod scope;

#[doc(hidden)]
pub mod __private;

pub use cors_core::{ConfigError, ConfigErrors, Origin, Policy, PolicyBuilder, PolicyConfig};
pub use cors_macros::{cors, CorsPolicy};
pub use middleware::{Cors, CorsFuture, CorsMiddleware, NamedPolicy};
pub use scope::ScopeExt;
