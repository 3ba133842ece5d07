//! The route every benchmark of issue 6 serves, three ways: no CORS middleware (the limit),
//! `actix-cors` 0.7 (the peer), and `cors_actix::Cors` (ours), configured equivalently; and
//! the five kinds of request sent to it.
//!
//! * `benches/middleware.rs`: in-process criterion bench (no sockets).
//! * `src/bin/alloc_count.rs`: heap allocations per request, with a counting allocator.
//! * `src/bin/serve.rs`: the server `benches/loopback.sh` drives with `wrk`.

#![warn(missing_docs)]

use std::time::{Duration, Instant};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::{web, App, Error, HttpResponse};

/// The path of the benchmarked route.
pub const PATH: &str = "/items";
/// The one allowed origin.
pub const ALLOWED_ORIGIN: &str = "https://myapp.example.com";
/// An origin no policy allows.
pub const REFUSED_ORIGIN: &str = "https://evil.example.net";
/// The method allowed preflights ask for.
pub const PREFLIGHT_METHOD: &str = "PUT";
/// The header list allowed preflights ask for.
pub const PREFLIGHT_HEADERS: &str = "content-type,x-api-key";

/// How the route is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No CORS middleware: the ideal.
    Bare,
    /// `actix-cors` 0.7, configured like [`our_policy`].
    ActixCors,
    /// `cors_actix::Cors::new(our_policy())`.
    Ours,
    /// Ours, with a `#[cors]` handler policy and a `.cors(..)` scope policy registered beside the
    /// route ([`app_layered`]).
    Layered,
    /// Ours, with the layered app's routes but no handler or scope policy ([`app_routes`]):
    /// against [`Mode::Layered`], what the precedence protocol itself costs a route outside them,
    /// without what actix-web's routing pays for the extra routes.
    Routes,
    /// Ours, made with `Cors::reloadable` (issue 12): against [`Mode::Ours`], what being
    /// replaceable while serving costs.
    Reloadable,
    /// Ours, with the allowed origin granted by a synchronous predicate instead of the list.
    Predicate,
    /// Ours, with the allowed origin granted by an asynchronous origin check, its verdicts
    /// cached (issue 12): against [`Mode::Predicate`], what the cached path costs.
    AsyncCheck,
}

impl Mode {
    /// Every mode, in the order tables show them.
    pub const ALL: [Mode; 8] = [
        Mode::Bare,
        Mode::ActixCors,
        Mode::Ours,
        Mode::Layered,
        Mode::Routes,
        Mode::Reloadable,
        Mode::Predicate,
        Mode::AsyncCheck,
    ];

    /// The name used on command lines and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Bare => "bare",
            Mode::ActixCors => "actix-cors",
            Mode::Ours => "ours",
            Mode::Layered => "layered",
            Mode::Routes => "routes",
            Mode::Reloadable => "reloadable",
            Mode::Predicate => "predicate",
            Mode::AsyncCheck => "async",
        }
    }

    /// The mode named `name` (see [`Mode::name`]).
    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The kinds of request benchmarked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `GET` without `Origin`: not CORS.
    NoOrigin,
    /// `GET` from the allowed origin.
    AllowedGet,
    /// `GET` from a refused origin (the handler runs; no CORS headers).
    RefusedGet,
    /// `OPTIONS` preflight from the allowed origin for `PUT` with two allowed headers.
    AllowedPreflight,
    /// The same preflight from a refused origin.
    RefusedPreflight,
}

impl Kind {
    /// Every kind, in the order tables show them.
    pub const ALL: [Kind; 5] =
        [Kind::NoOrigin, Kind::AllowedGet, Kind::RefusedGet, Kind::AllowedPreflight, Kind::RefusedPreflight];

    /// The name used in tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NoOrigin => "no Origin",
            Kind::AllowedGet => "allowed GET",
            Kind::RefusedGet => "refused GET",
            Kind::AllowedPreflight => "allowed preflight",
            Kind::RefusedPreflight => "refused preflight",
        }
    }

    /// A request of this kind, for an in-process service.
    pub fn request(self) -> Request {
        let get = || TestRequest::get().uri(PATH);
        let preflight = |origin: &str| {
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri(PATH)
                .insert_header((ORIGIN, origin))
                .insert_header((ACCESS_CONTROL_REQUEST_METHOD, PREFLIGHT_METHOD))
                .insert_header((ACCESS_CONTROL_REQUEST_HEADERS, PREFLIGHT_HEADERS))
        };
        match self {
            Kind::NoOrigin => get(),
            Kind::AllowedGet => get().insert_header((ORIGIN, ALLOWED_ORIGIN)),
            Kind::RefusedGet => get().insert_header((ORIGIN, REFUSED_ORIGIN)),
            Kind::AllowedPreflight => preflight(ALLOWED_ORIGIN),
            Kind::RefusedPreflight => preflight(REFUSED_ORIGIN),
        }
        .to_request()
    }
}

/// Our policy: one exact origin, `GET` and `PUT`, two request headers, one exposed header,
/// credentials, a 10-minute max age.
pub fn our_policy() -> cors_actix::Policy {
    cors_actix::Policy::builder()
        .allow_origin(ALLOWED_ORIGIN)
        .allow_methods(["GET", "PUT"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("valid policy")
}

/// [`our_policy`] with its origin granted by `grant` instead of the list.
fn our_settings() -> cors_actix::PolicyBuilder {
    cors_actix::Policy::builder()
        .allow_methods(["GET", "PUT"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(600)
}

/// [`our_policy`], the origin granted by a synchronous predicate.
pub fn predicate_policy() -> cors_actix::Policy {
    our_settings().allow_origin_fn(|o| o.as_str() == ALLOWED_ORIGIN).build().expect("valid policy")
}

/// [`our_policy`], the origin granted by an asynchronous check (which answers at once: the
/// benchmarks measure the cached path, after the first request of each origin).
pub fn async_policy() -> cors_actix::Policy {
    our_settings()
        .allow_origin_async(|o: cors_actix::OriginBuf| async move {
            Ok::<_, String>(o.as_str() == ALLOWED_ORIGIN)
        })
        .build()
        .expect("valid policy")
}

/// `actix-cors` configured like [`our_policy`] (it does not block refused actual requests,
/// like ours).
pub fn actix_cors() -> actix_cors::Cors {
    actix_cors::Cors::default()
        .allowed_origin(ALLOWED_ORIGIN)
        .allowed_methods(["GET", "PUT"])
        .allowed_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .supports_credentials()
        .max_age(600)
        .block_on_origin_mismatch(false)
}

async fn handler() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

fn resource() -> actix_web::Resource {
    web::resource(PATH).route(web::get().to(handler)).route(web::put().to(handler))
}

/// The app with the four headers of an allowed actual grant written unconditionally by actix-web's
/// own `DefaultHeaders` middleware: no CORS logic at all, only the cost of writing what the
/// specification requires on an allowed response. A floor for any CORS middleware, for the
/// profiler (`profile floor allowed-get`); not one of the compared ways.
pub fn app_header_floor() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    use actix_web::http::header;
    let headers = actix_web::middleware::DefaultHeaders::new()
        .add((header::ACCESS_CONTROL_ALLOW_ORIGIN, ALLOWED_ORIGIN))
        .add((header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true"))
        .add((header::ACCESS_CONTROL_EXPOSE_HEADERS, "x-request-id"))
        .add((header::VARY, "Origin"));
    App::new().service(resource()).wrap(headers)
}

/// The app without CORS.
pub fn app_bare() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource())
}

/// The app wrapped in `actix-cors`.
pub fn app_actix_cors() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource()).wrap(actix_cors())
}

/// The app wrapped in ours.
pub fn app_ours() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource()).wrap(cors_actix::Cors::new(our_policy()))
}

/// A handler policy registered beside the route in [`app_layered`].
#[cors_actix::cors(origin = "https://partner.example", methods(DELETE), credentials)]
#[actix_web::delete("/private/{id}")]
async fn private_item() -> HttpResponse {
    HttpResponse::Ok().body("deleted")
}

/// The app wrapped in ours, with a handler policy (`DELETE /private/{id}`) and a scope policy
/// (`/partner`) registered beside the route.
pub fn app_layered() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    use cors_actix::ScopeExt;
    let partner = cors_actix::Policy::builder()
        .allow_origin("https://partner.example")
        .allow_methods(["GET", "POST"])
        .build()
        .expect("valid policy");
    App::new()
        .service(private_item)
        .service(web::scope("/partner").route("/orders", web::get().to(handler)).cors(partner))
        .service(resource())
        .wrap(cors_actix::Cors::new(our_policy()))
}

/// The layered app's `DELETE /private/{id}`, without a policy of its own.
#[actix_web::delete("/private/{id}")]
async fn plain_private_item() -> HttpResponse {
    HttpResponse::Ok().body("deleted")
}

/// The routes of [`app_layered`], wrapped in ours, without the handler and scope policies.
pub fn app_routes() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .service(plain_private_item)
        .service(web::scope("/partner").route("/orders", web::get().to(handler)))
        .service(resource())
        .wrap(cors_actix::Cors::new(our_policy()))
}

/// The app wrapped in ours, made replaceable (`Cors::reloadable`); the handle is dropped.
pub fn app_reloadable() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource()).wrap(cors_actix::Cors::reloadable(our_policy()).0)
}

/// The app wrapped in ours with [`predicate_policy`].
pub fn app_predicate() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource()).wrap(cors_actix::Cors::new(predicate_policy()))
}

/// The app wrapped in ours with [`async_policy`].
pub fn app_async() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new().service(resource()).wrap(cors_actix::Cors::new(async_policy()))
}

/// Sends one request of `kind` and checks the answer is the one `mode` should give, so the
/// three ways are compared on equivalent work. Panics otherwise.
pub async fn check<S, B>(app: &S, mode: Mode, kind: Kind)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    // actix-cors answers a refused preflight with an error; the dispatcher renders it.
    let (status, acao) = match app.call(kind.request()).await {
        Ok(res) => {
            (res.status(), res.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.as_bytes().to_vec()))
        }
        Err(e) => {
            let res = e.error_response();
            (res.status(), res.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.as_bytes().to_vec()))
        }
    };
    let granted = acao.as_deref() == Some(ALLOWED_ORIGIN.as_bytes());
    let ok = match (mode, kind) {
        (_, Kind::NoOrigin) | (_, Kind::RefusedGet) => status.is_success() && acao.is_none(),
        (_, Kind::AllowedGet) if mode == Mode::Bare => status.is_success() && acao.is_none(),
        (_, Kind::AllowedGet) => status.is_success() && granted,
        (Mode::Bare, _) => !status.is_success(),
        (_, Kind::AllowedPreflight) => status.is_success() && granted,
        (_, Kind::RefusedPreflight) => !status.is_success() && acao.is_none(),
    };
    assert!(ok, "{} / {}: unexpected answer {status}, ACAO {acao:?}", mode.name(), kind.name());
}

/// Calls `app` with `req` and drops what a client would get: an `Err` is turned into its
/// response first, as actix-web's dispatcher does (actix-cors answers a refused preflight with an
/// `Err`; dropping the error unrendered would leave its response's cost out of the figures).
pub async fn serve_one<S, B>(app: &S, req: Request)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    match app.call(req).await {
        Ok(res) => drop(std::hint::black_box(res)),
        Err(e) => drop(std::hint::black_box(e.error_response())),
    }
}

/// Calls `app` with `n` requests of `kind` (built beforehand, untimed) one after another,
/// dropping each response ([`serve_one`]); returns the time the calls took.
pub async fn timed_batch<S, B>(app: &S, kind: Kind, n: usize) -> Duration
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    let requests: Vec<Request> = (0..n).map(|_| kind.request()).collect();
    let start = Instant::now();
    for req in requests {
        serve_one(app, req).await;
    }
    start.elapsed()
}

/// [`timed_batch`] per request, in nanoseconds.
pub async fn ns_per_request<S, B>(app: &S, kind: Kind, n: usize) -> f64
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
{
    timed_batch(app, kind, n).await.as_nanos() as f64 / n as f64
}

/// Times `W` ways interleaved, as the paired benches do: three warm-up calls of each, then
/// `rounds` rounds of `reps` calls of each way, in an order that rotates every call, keeping each
/// way's fastest call of the round. `time(way)` is one measurement of way `way` (`0..W`).
/// Returns, per way, one figure per round, so that ratios can be paired by round.
pub async fn interleaved<const W: usize, F, Fut>(rounds: usize, reps: usize, mut time: F) -> [Vec<f64>; W]
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = f64>,
{
    for _ in 0..3 {
        for way in 0..W {
            time(way).await;
        }
    }
    let mut t: [Vec<f64>; W] = std::array::from_fn(|_| Vec::with_capacity(rounds));
    for round in 0..rounds {
        let mut best = [f64::INFINITY; W];
        for rep in 0..reps {
            for i in 0..W {
                let way = (round + rep + i) % W;
                best[way] = best[way].min(time(way).await);
            }
        }
        for (way, best) in best.into_iter().enumerate() {
            t[way].push(best);
        }
    }
    t
}

/// The per-round ratios `a[i] / b[i]`.
pub fn ratios(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a / b).collect()
}

/// Median, minimum and maximum of some measurements.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// The median (the mean of the two middle values for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values` (not empty).
    pub fn of(values: &[f64]) -> Summary {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Summary { median, min: v[0], max: v[n - 1] }
    }

    /// `median (min–max)` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!("{:.d$} ({:.d$}–{:.d$})", self.median, self.min, self.max, d = digits)
    }
}
