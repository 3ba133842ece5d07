//! Helpers shared by the integration tests: calling an app the way the server does, reading
//! headers line by line, counting calls, and emulating what `#[cors]` generates.
#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{AppService, HttpServiceFactory, Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::Method;
use actix_web::{guard, web, Error, HttpResponse};
use bytes::Bytes;
use cors_actix::__private::{accepts, handler_cors, register_marker, Governing};
use cors_actix::Policy;

pub const APP: &str = "https://app.example";
pub const PARTNER: &str = "https://partner.example";
pub const EVIL: &str = "https://evil.example";

/// What a client receives: status, every header line, body.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    /// Every line of `name`, as strings.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers.get_all(name).map(|v| v.to_str().unwrap().to_string()).collect()
    }

    /// The single line of `name` (panics on several lines), or `None`.
    pub fn one(&self, name: &str) -> Option<String> {
        let all = self.all(name);
        assert!(all.len() <= 1, "{name} has {} lines: {all:?}", all.len());
        all.into_iter().next()
    }

    pub fn acao(&self) -> Option<String> {
        self.one("access-control-allow-origin")
    }

    pub fn vary(&self) -> Option<String> {
        self.one("vary")
    }

    /// No `Access-Control-*` response header at all.
    pub fn assert_no_cors(&self) {
        let names: Vec<&str> =
            self.headers.keys().map(|k| k.as_str()).filter(|k| k.starts_with("access-control-")).collect();
        assert!(names.is_empty(), "unexpected CORS headers: {names:?} in {:?}", self.headers);
    }

    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

/// Calls the app the way actix-web's server does: an `Err` from the service becomes its
/// `error_response()` (with the mappers middleware added).
pub async fn send<S, B>(app: &S, req: Request) -> Res
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    match app.call(req).await {
        Ok(res) => {
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let Ok(body) = actix_web::body::to_bytes(res.into_body()).await else { panic!("body") };
            Res { status, headers, body }
        }
        Err(e) => {
            let res = e.error_response();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            let Ok(body) = actix_web::body::to_bytes(res.into_body()).await else { panic!("body") };
            Res { status, headers, body }
        }
    }
}

/// A preflight for `method` on `path` from `origin`, with optional request headers.
pub fn preflight(path: &str, origin: &str, method: &str, headers: Option<&str>) -> Request {
    let mut req = actix_web::test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method));
    if let Some(h) = headers {
        req = req.insert_header(("Access-Control-Request-Headers", h));
    }
    req.to_request()
}

/// An actual request.
pub fn actual(method: Method, path: &str, origin: Option<&str>) -> Request {
    let mut req = actix_web::test::TestRequest::default().method(method).uri(path);
    if let Some(o) = origin {
        req = req.insert_header(("Origin", o));
    }
    req.to_request()
}

/// A call counter for handlers, default services and middleware.
#[derive(Clone, Default, Debug)]
pub struct Counter(Rc<Cell<usize>>);

impl Counter {
    pub fn hit(&self) {
        self.0.set(self.0.get() + 1);
    }
    pub fn get(&self) -> usize {
        self.0.get()
    }
}

/// A handler that counts its calls and answers 200 with `body`.
pub fn counting(
    counter: &Counter,
    body: &'static str,
) -> impl Fn() -> std::future::Ready<HttpResponse> + Clone + 'static {
    let counter = counter.clone();
    move || {
        counter.hit();
        std::future::ready(HttpResponse::Ok().body(body))
    }
}

/// The policy most tests use: one origin, credentials, PUT/DELETE, `content-type`, one exposed
/// header, max age 600.
pub fn app_policy() -> Policy {
    Policy::builder()
        .allow_origin(APP)
        .allow_credentials(true)
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .max_age(600)
        .build()
        .unwrap()
}

/// A policy allowing only `origin`, without credentials.
pub fn only(origin: &str) -> Policy {
    Policy::builder().allow_origin(origin).allow_methods(["PUT", "DELETE", "PATCH"]).build().unwrap()
}

/// What `#[cors(..)]` on a handler generates: the marker, then the resource guarded on the
/// method (or a preflight for it), wrapped in the handler's own layer.
pub struct HandlerRoute {
    pub path: &'static str,
    pub method: Method,
    pub governing: Governing,
    pub body: &'static str,
    pub counter: Counter,
}

impl HandlerRoute {
    pub fn new(
        path: &'static str,
        method: Method,
        governing: Governing,
        body: &'static str,
        counter: &Counter,
    ) -> Self {
        HandlerRoute { path, method, governing, body, counter: counter.clone() }
    }
}

impl HttpServiceFactory for HandlerRoute {
    fn register(self, config: &mut AppService) {
        register_marker(
            config,
            self.path,
            std::slice::from_ref(&self.method),
            None,
            self.governing.clone(),
            self.body,
        );
        let method = self.method.clone();
        let resource = web::resource(self.path)
            .guard(guard::fn_guard(move |ctx| accepts(ctx, &method)))
            .wrap(handler_cors(self.governing))
            .route(web::route().to(counting(&self.counter, self.body)));
        HttpServiceFactory::register(resource, config);
    }
}
