//! Writing a decision onto actix responses: CORS headers, `Vary`, and the "decided" marker.

use actix_web::http::header::{
    self, HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{CorsHeader, Decision, Echo, Value, Vary};

use crate::middleware::RefusalLog;

/// Response extension: a CORS layer has decided this response; outer layers leave it alone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Decided;

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

/// Turns a decided value into a header value without copying: echoed values clone the request's
/// own header value (a reference count), shared ones clone the policy's bytes.
fn value(v: Value<'_>, request: &HeaderMap) -> Option<HeaderValue> {
    let echoed = |name: &HeaderName| request.get(name).cloned();
    match v {
        Value::Static(s) => Some(HeaderValue::from_static(s)),
        Value::Shared(b) => HeaderValue::from_maybe_shared(b.clone()).ok(),
        Value::Echo(Echo::Origin, _) => echoed(&ORIGIN),
        Value::Echo(Echo::RequestMethod, _) => echoed(&ACCESS_CONTROL_REQUEST_METHOD),
        Value::Echo(Echo::RequestHeaders, bytes) => {
            // The single non-empty line; with empty lines beside it, find it again.
            request.get_all(ACCESS_CONTROL_REQUEST_HEADERS).find(|h| h.as_bytes() == bytes).cloned()
        }
        Value::Joined(s) => HeaderValue::from_str(s).ok(),
    }
}

/// The headers of a grant, held until the response exists, with the refusal to log if this
/// layer ends up deciding the response.
pub(crate) struct Pending {
    headers: [Option<(HeaderName, HeaderValue)>; 7],
    vary: Vary,
    pub(crate) refusal: Option<Box<RefusalLog>>,
}

impl Pending {
    pub(crate) fn new(decision: &Decision<'_>, request: &HeaderMap) -> Pending {
        let mut headers: [Option<(HeaderName, HeaderValue)>; 7] = Default::default();
        for (slot, (h, v)) in headers.iter_mut().zip(decision.headers()) {
            *slot = value(v, request).map(|v| (name(h), v));
        }
        Pending { headers, vary: decision.vary(), refusal: None }
    }

    /// Only `Vary`, for a response no CORS header goes on.
    pub(crate) fn vary_only(vary: Vary) -> Pending {
        Pending { headers: Default::default(), vary, refusal: None }
    }

    /// Writes the headers unless a more specific layer decided already; marks the response.
    pub(crate) fn apply<B>(&self, res: &mut HttpResponse<B>) {
        if already_decided(res) {
            return;
        }
        if let Some(refusal) = &self.refusal {
            refusal.emit();
        }
        write(res.headers_mut(), self.headers.iter().flatten().cloned(), self.vary);
        res.extensions_mut().insert(Decided);
    }
}

/// Whether a CORS layer already decided this response. A response rebuilt by another
/// middleware loses its extensions, so `Access-Control-Allow-Origin` counts too.
pub(crate) fn already_decided<B>(res: &HttpResponse<B>) -> bool {
    res.extensions().get::<Decided>().is_some() || res.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN)
}

fn write(headers: &mut HeaderMap, cors: impl Iterator<Item = (HeaderName, HeaderValue)>, vary: Vary) {
    for (name, value) in cors {
        headers.insert(name, value);
    }
    merge_vary(headers, vary);
}

/// Appends `vary` to the response's `Vary`: no duplicate token, `Vary: *` untouched.
pub(crate) fn merge_vary(headers: &mut HeaderMap, vary: Vary) {
    if vary.is_empty() {
        return;
    }
    if !headers.contains_key(VARY) {
        headers.insert(VARY, HeaderValue::from_static(static_vary(vary)));
        return;
    }
    let merged = vary.merge_into(headers.get_all(VARY).map(HeaderValue::as_bytes));
    if let Some(line) = merged.and_then(|m| HeaderValue::from_str(&m).ok()) {
        headers.insert(VARY, line);
    }
}

/// The `Vary` line for a response that had none, without building a string.
fn static_vary(vary: Vary) -> &'static str {
    const PRE: Vary = Vary::REQUEST_METHOD;
    let origin = vary.contains(Vary::ORIGIN);
    let preflight = vary.contains(PRE);
    let pna = vary.contains(Vary::REQUEST_PRIVATE_NETWORK);
    match (origin, preflight, pna) {
        (true, false, _) => "Origin",
        (true, true, false) => "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        (true, true, true) => "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        (false, true, false) => "Access-Control-Request-Method, Access-Control-Request-Headers",
        (false, true, true) => "Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        (false, false, _) => "",
    }
}

/// The answer to a preflight: the configured status and headers when granted, 403 when
/// refused (with the reason as plain text in debug mode).
pub(crate) fn preflight(decision: &Decision<'_>, request: &HeaderMap) -> HttpResponse {
    let policy = decision.policy();
    let mut res = if decision.is_allowed() {
        let status = StatusCode::from_u16(policy.preflight_status()).unwrap_or(StatusCode::NO_CONTENT);
        HttpResponse::build(status).finish()
    } else if policy.debug() {
        let reason = decision.reason().map(|r| format!("CORS preflight refused: {r}\n")).unwrap_or_default();
        HttpResponse::Forbidden().content_type(header::ContentType::plaintext()).body(reason)
    } else {
        HttpResponse::Forbidden().finish()
    };
    Pending::new(decision, request).apply(&mut res);
    res
}

/// The answer to a preflight for a handler whose CORS is disabled: refused, no headers.
pub(crate) fn refused_disabled() -> HttpResponse {
    let mut res = HttpResponse::Forbidden().finish();
    res.extensions_mut().insert(Decided);
    res
}

/// 403 for an actual request refused while blocking is on; `Vary` still applies.
pub(crate) fn blocked(vary: Vary) -> HttpResponse {
    let mut res = HttpResponse::Forbidden().finish();
    Pending::vary_only(vary).apply(&mut res);
    res
}
