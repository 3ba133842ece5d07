//! Calling an app in-process the way actix-web's server does: an `Err` from the service is turned
//! into its error response (with every response mapper a middleware added), which is what a
//! client receives.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::Error;

/// What a client receives.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// Every header line.
    pub headers: HeaderMap,
    /// The body, as text (lossy).
    pub body: String,
    /// Whether the service returned `Err` (turned into its response).
    pub was_err: bool,
}

/// Sends `req` to `app` and reads the whole reply.
pub async fn send<S, B>(app: &S, req: Request) -> Reply
where
    S: Service<Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    let (res, was_err) = match app.call(req).await {
        Ok(res) => (res.into_parts().1.map_into_boxed_body(), false),
        Err(e) => (e.error_response(), true),
    };
    let status = res.status();
    let headers = res.headers().clone();
    let body =
        actix_web::body::to_bytes(res.into_body()).await.unwrap_or_else(|_| panic!("cannot read the body"));
    Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned(), was_err }
}

impl Reply {
    /// Every `Access-Control-*` header line, sorted.
    pub fn cors(&self) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("access-control-"))
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        found.sort();
        found
    }

    /// The single `Vary` line, if any (several lines fail the test).
    pub fn vary(&self) -> Option<&str> {
        let mut lines = self.headers.get_all("vary");
        let first = lines.next().map(|v| v.to_str().unwrap_or("<not text>"));
        assert!(lines.next().is_none(), "several Vary lines: {self:#?}");
        first
    }

    /// One header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap_or("<not text>"))
    }

    /// Asserts the status, the body, the exact set of `Access-Control-*` headers and `Vary`.
    #[track_caller]
    pub fn check(&self, what: &str, status: u16, body: &str, cors: &[(&str, &str)], vary: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{what}: status: {self:#?}");
        assert_eq!(self.body, body, "{what}: body: {self:#?}");
        let mut expected: Vec<(String, String)> =
            cors.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        expected.sort();
        assert_eq!(self.cors(), expected, "{what}: CORS headers: {self:#?}");
        assert_eq!(self.vary(), vary, "{what}: Vary: {self:#?}");
    }
}

/// A preflight for `method` on `path` from `origin`, with `Access-Control-Request-Headers` and
/// any extra headers (`Host`, say).
pub fn preflight(
    path: &str,
    origin: &str,
    method: &str,
    headers: Option<&str>,
    extra: &[(&str, &str)],
) -> Request {
    let mut req = actix_web::test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri(path)
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", method));
    if let Some(h) = headers {
        req = req.insert_header(("Access-Control-Request-Headers", h));
    }
    for (k, v) in extra {
        req = req.insert_header((*k, *v));
    }
    req.to_request()
}

/// An actual request, from `origin` if given, with extra headers.
pub fn actual(
    method: actix_web::http::Method,
    path: &str,
    origin: Option<&str>,
    extra: &[(&str, &str)],
) -> Request {
    let mut req = actix_web::test::TestRequest::default().method(method).uri(path);
    if let Some(o) = origin {
        req = req.insert_header(("Origin", o));
    }
    for (k, v) in extra {
        req = req.insert_header((*k, *v));
    }
    req.to_request()
}

/// Header names, short.
pub mod names {
    /// `Access-Control-Allow-Origin`
    pub const ACAO: &str = "access-control-allow-origin";
    /// `Access-Control-Allow-Credentials`
    pub const ACAC: &str = "access-control-allow-credentials";
    /// `Access-Control-Allow-Methods`
    pub const ACAM: &str = "access-control-allow-methods";
    /// `Access-Control-Allow-Headers`
    pub const ACAH: &str = "access-control-allow-headers";
    /// `Access-Control-Expose-Headers`
    pub const ACEH: &str = "access-control-expose-headers";
    /// `Access-Control-Max-Age`
    pub const ACMA: &str = "access-control-max-age";
    /// `Vary` of a response whose answer depends on the Origin.
    pub const VARY_ORIGIN: Option<&str> = Some("Origin");
    /// `Vary` of a preflight answered by a policy that lists origins.
    pub const VARY_PREFLIGHT: Option<&str> =
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
}
