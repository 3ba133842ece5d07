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
//!   `PartnerPolicy` is a [`Policy`] or a `#[derive(CorsPolicy)]` type; scopes of one prefix told
//!   apart by a guard (virtual hosts) use `.cors_guarded(guard::Host(..), policy)`.
//! * One handler: `#[cors(origin = "https://myapp.com", credentials)]` above its route attribute.
//!
//! An app with handler or scope policies but no policy of its own wraps itself in
//! [`Cors::inner_only()`]: it answers those policies' preflights before any of your middleware
//! runs (an auth layer would otherwise see them first and answer 401), and leaves every other
//! request untouched.
//!
//! # Precedence: one policy governs each request
//!
//! The governing policy is the one of the resource routing reaches: the handler's, else the
//! innermost scope's, else the app's. It is resolved by the first CORS layer a request meets,
//! before routing, from the path as the router sees it (percent-decoded: `/admin/us%65rs/1` is
//! `/admin/users/1`; normalised as an inner `NormalizePath` will), the method (for a preflight,
//! the requested one) and the guards it can evaluate. That layer
//!
//! * answers preflights itself, with the governing policy, without calling any handler, default
//!   service or middleware below it (unless the policy has `preflight_continue`);
//! * writes the governing policy's headers, and no other's, on every response: the handler's,
//!   an error, an inner middleware's 401 or `Err`, routing's 404, a response `ErrorHandlers`
//!   rebuilt; and blocks (with `block_disallowed`) only what the governing policy refuses.
//!
//! Each CORS layer routing reaches records its policy on the request, so that what routing
//! decided is what governs the response.
//!
//! How the layer sees handler and scope policies, and each actix-web behaviour that relies on,
//! is in the precedence module's source (`src/precedence/mod.rs`). What it cannot know before
//! routing without running your code is reported when the app starts, naming the
//! registrations and the form that works (or, where the check needs the app's finished route
//! table, which actix-web hands middleware only with a request, before the first request is
//! answered):
//!
//! * a scope attached with `.wrap(Cors::from(..))` instead of `.cors(..)`: its actual requests
//!   follow its policy, but an outer layer answers its preflights with its own;
//! * scope policies of one prefix told apart by a guard given with `.guard(..)`: their
//!   preflights are refused as ambiguous; attach them with `.cors_guarded(..)`;
//! * a handler whose path a resource registered before it also matches (`/items/{id}` before
//!   `#[cors]` `PUT /items/new`): the handler's policy answers its preflights, as routing gives
//!   it the requests that resource's guards let through; register the handler first;
//! * a handler that another one with the same pattern, methods and no guard always takes first.
//!
//! A route attribute's `guard = ".."` is evaluated for the preflight too. A guard reading a
//! request header the page sets (`Content-Type`, a custom header) cannot pass a preflight, which
//! carries those headers' names only: under an outer layer, when every handler matching the
//! path and method rejects the preflight, the first of them governs it; without one, routing
//! sends the preflight elsewhere (typically a 404: a refusal in the browser, never a grant).
//!
//! A plain `OPTIONS` request (no `Origin`, or no `Access-Control-Request-Method`) is not a
//! preflight: it is routed like any request; with an `Origin`, it is an actual request.
//!
//! # Methods of one path with different policies: the preflight cache
//!
//! `GET /items` and `POST /items` may carry different `#[cors]` policies: each answers the
//! preflight for its own method. But browsers cache a preflight's grant per origin and URL, not
//! per method: when methods of one path carry different policies, a grant for one method can let
//! a request for another skip its preflight (and a simple `GET`, `HEAD` or `POST` never has one),
//! so the request reaches a handler whose policy was never asked, and without blocking that
//! handler runs. The same holds for a handler a guard tells apart by a header value the
//! preflight cannot show. Turn `block_disallowed` on for such handlers, so their own policy
//! refuses the actual request with 403 before the handler runs:
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
//! # Origins that change while the server runs
//!
//! * [`PolicyBuilder::allow_origin_async`] takes an asynchronous check (a database of tenants):
//!   it is asked only about origins nothing else allows, under its timeout, without blocking a
//!   worker; verdicts are cached, per thread without locks, for their time to live; concurrent
//!   first requests for one origin share one call, across workers. A lookup that fails or is late
//!   refuses the request and logs a warning with the reason. With credentials, the check is
//!   probed with origins nobody deploys when the layer is built, and a check that allows one
//!   stops the server from starting.
//! * [`Cors::reloadable`] returns the layer and a [`Reload`] handle that replaces the policy of
//!   the app's (or a scope's) layer with a validated one while it serves; each request keeps the
//!   policy it started with.
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
//! content-type, authorization)`. Client values are escaped and truncated. A failing origin check
//! is a warning (`CORS origin check failed: ..`); a permissive one with credentials an error.

#![warn(missing_docs)]

mod announce;
mod middleware;
mod origin_check;
mod precedence;
mod refusal;
mod request;
mod response;
mod scope;

#[doc(hidden)]
pub mod __private;

pub use cors_core::{
    ConfigError, ConfigErrors, Origin, OriginBuf, Policy, PolicyBuilder, PolicyConfig, Preset,
};
pub use cors_macros::{cors, CorsPolicy};
pub use middleware::{Cors, CorsFuture, CorsMiddleware, NamedPolicy, Reload};
pub use scope::ScopeExt;
