//! Writing a [`Decision`] onto actix-web responses: the translation, nothing decided here.

use std::sync::LazyLock;

use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, CONTENT_TYPE, VARY,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{CorsHeader, Decision, Echo, Value, Vary, BODY_CONTENT_TYPE};

use crate::request::{self, Parts};

const ALLOW_PRIVATE_NETWORK: HeaderName = HeaderName::from_static("access-control-allow-private-network");

fn name(h: CorsHeader) -> HeaderName {
    match h {
        CorsHeader::AllowOrigin => ACCESS_CONTROL_ALLOW_ORIGIN,
        CorsHeader::AllowCredentials => ACCESS_CONTROL_ALLOW_CREDENTIALS,
        CorsHeader::ExposeHeaders => ACCESS_CONTROL_EXPOSE_HEADERS,
        CorsHeader::AllowMethods => ACCESS_CONTROL_ALLOW_METHODS,
        CorsHeader::AllowHeaders => ACCESS_CONTROL_ALLOW_HEADERS,
        CorsHeader::MaxAge => ACCESS_CONTROL_MAX_AGE,
        CorsHeader::AllowPrivateNetwork => ALLOW_PRIVATE_NETWORK,
    }
}

/// Where echoed values come from: the request's header map, or the owner's [`Parts`].
pub(crate) enum Source<'r> {
    Headers(&'r HeaderMap),
    Parts(&'r Parts),
}

impl Source<'_> {
    fn echo(&self, echo: Echo, bytes: &[u8]) -> Option<HeaderValue> {
        match self {
            Source::Headers(headers) => request::echo(headers, echo, bytes),
            Source::Parts(parts) => parts.echo(echo, bytes),
        }
    }
}

/// Turns a decided value into a header value without copying: echoed values clone the request's
/// own header value (a reference count), shared ones the policy's bytes.
fn value(v: Value<'_>, source: &Source<'_>) -> Option<HeaderValue> {
    match v {
        Value::Static("true") => Some(HeaderValue::from_static("true")),
        Value::Static("*") => Some(HeaderValue::from_static("*")),
        Value::Static(s) => HeaderValue::from_str(s).ok(),
        Value::Shared(b) => HeaderValue::from_maybe_shared(b.clone()).ok(),
        Value::Echo(echo, bytes) => source.echo(echo, bytes),
        Value::Joined(s) => HeaderValue::from_str(s).ok(),
    }
}

/// Writes the decision's headers and `Vary` into `headers`.
pub(crate) fn write(headers: &mut HeaderMap, decision: &Decision<'_>, source: &Source<'_>) {
    for (h, v) in decision.headers() {
        if let Some(v) = value(v, source) {
            headers.insert(name(h), v);
        }
    }
    merge_vary(headers, decision.vary());
}

/// The response of a decision whose action is to answer here, with `status`.
pub(crate) fn respond(status: u16, decision: &Decision<'_>, request: &HeaderMap) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let mut res = match decision.body() {
        Some(body) => HttpResponse::build(status).insert_header((CONTENT_TYPE, BODY_CONTENT_TYPE)).body(body),
        None => HttpResponse::build(status).finish(),
    };
    write(res.headers_mut(), decision, &Source::Headers(request));
    res
}

/// The answer of an inner layer (whose owner writes the headers): the status and body only.
pub(crate) fn respond_bare(status: u16, decision: &Decision<'_>) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    match decision.body() {
        Some(body) => HttpResponse::build(status).insert_header((CONTENT_TYPE, BODY_CONTENT_TYPE)).body(body),
        None => HttpResponse::build(status).finish(),
    }
}

/// The `Vary` line of each token set, converted once.
static VARY_LINES: LazyLock<[HeaderValue; 16]> =
    LazyLock::new(|| Vary::ALL.map(|v| HeaderValue::from_static(v.header_value())));

/// Appends `vary` to the response's `Vary`: no duplicate token, `Vary: *` untouched.
pub(crate) fn merge_vary(headers: &mut HeaderMap, vary: Vary) {
    if vary.is_empty() {
        return;
    }
    if !headers.contains_key(VARY) {
        headers.insert(VARY, VARY_LINES[vary.index()].clone());
        return;
    }
    let merged = vary.merge_into(headers.get_all(VARY).map(HeaderValue::as_bytes));
    if let Some(line) = merged.and_then(|m| HeaderValue::from_str(&m).ok()) {
        headers.insert(VARY, line);
    }
}
