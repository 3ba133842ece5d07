//! Writing a decision onto actix responses: CORS headers, `Vary`, and the "decided" marker.

use actix_web::http::header::{
    self, HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{CorsHeader, Decision, Echo, RequestKind, Value, Vary};

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
fn value(v: Value<'_>, request: &HeaderMap, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
    let echoed = |name: &HeaderName| request.get(name).cloned();
    match v {
        Value::Static(s) => Some(static_value(s)),
        Value::Shared(b) => HeaderValue::from_maybe_shared(b.clone()).ok(),
        Value::Echo(Echo::Origin, _) => origin.cloned().or_else(|| echoed(&ORIGIN)),
        Value::Echo(Echo::RequestMethod, _) => echoed(&ACCESS_CONTROL_REQUEST_METHOD),
        Value::Echo(Echo::RequestHeaders, bytes) => {
            // The single non-empty line; with empty lines beside it, find it again.
            request.get_all(ACCESS_CONTROL_REQUEST_HEADERS).find(|h| h.as_bytes() == bytes).cloned()
        }
        Value::Joined(s) => HeaderValue::from_str(s).ok(),
    }
}

/// A constant value; the two the decision uses are built when compiling.
fn static_value(s: &'static str) -> HeaderValue {
    const TRUE: HeaderValue = HeaderValue::from_static("true");
    const ANY: HeaderValue = HeaderValue::from_static("*");
    match s {
        "true" => TRUE,
        "*" => ANY,
        _ => HeaderValue::from_static(s),
    }
}

/// Writes every header of a decision, then its `Vary` tokens.
fn write_decision(
    headers: &mut HeaderMap,
    decision: &Decision<'_>,
    request: &HeaderMap,
    origin: Option<&HeaderValue>,
) {
    // A refusal writes nothing but `Vary`.
    for (h, v) in decision.headers().filter(|_| decision.is_allowed()) {
        if let Some(v) = value(v, request, origin) {
            headers.insert(name(h), v);
        }
    }
    merge_vary(headers, decision.vary());
}

/// What a layer writes on a response it passes on, held until the response exists: an actual
/// request's grant (at most allow-origin, allow-credentials and expose-headers), the preflight
/// headers of a preflight passed on to the handler, `Vary`, and the refusal to log if this layer
/// ends up deciding the response.
pub(crate) struct Pending {
    allow_origin: Option<HeaderValue>,
    allow_credentials: bool,
    expose: Option<HeaderValue>,
    /// Only for a preflight passed on (`preflight_continue`).
    preflight: Vec<(HeaderName, HeaderValue)>,
    vary: Vary,
    /// Whether to mark the response for outer layers. A grant marks itself with
    /// `Access-Control-Allow-Origin`, and a `Vary: Origin` written for a request without `Origin`
    /// is the same whichever layer writes it; a refusal must be marked, or an outer policy that
    /// allows the origin would grant it.
    mark: bool,
    pub(crate) refusal: Option<Box<RefusalLog>>,
}

impl Pending {
    /// The headers of `decision`. `origin` is the request's `Origin` line and `expose` the
    /// policy's exposed headers built once, when the caller has them.
    pub(crate) fn new(
        decision: &Decision<'_>,
        request: &HeaderMap,
        origin: Option<&HeaderValue>,
        expose: Option<&HeaderValue>,
    ) -> Pending {
        let mut pending = Pending {
            allow_origin: None,
            allow_credentials: false,
            expose: None,
            preflight: Vec::new(),
            vary: decision.vary(),
            mark: decision.kind() != RequestKind::NotCors && !decision.is_allowed()
                || !decision.vary().contains(Vary::ORIGIN),
            refusal: None,
        };
        if let Some(grant) = decision.actual_grant() {
            // The hot path: an allowed actual request, in the decision's fixed shape.
            pending.allow_origin = value(grant.allow_origin, request, origin);
            pending.allow_credentials = grant.credentials;
            pending.expose = match (expose, grant.expose) {
                (Some(prebuilt), Some(_)) => Some(prebuilt.clone()),
                (_, shared) => shared.and_then(|b| value(Value::Shared(b), request, origin)),
            };
            return pending;
        }
        if !decision.is_allowed() {
            // Refused, or not CORS: nothing but `Vary`.
            return pending;
        }
        for (h, v) in decision.headers() {
            match h {
                CorsHeader::AllowOrigin => pending.allow_origin = value(v, request, origin),
                CorsHeader::AllowCredentials => pending.allow_credentials = true,
                CorsHeader::ExposeHeaders => pending.expose = value(v, request, origin),
                _ => pending.preflight.extend(value(v, request, origin).map(|v| (name(h), v))),
            }
        }
        pending
    }

    /// Nothing but the mark: the response of a handler whose CORS is disabled.
    pub(crate) fn disabled() -> Pending {
        Pending {
            allow_origin: None,
            allow_credentials: false,
            expose: None,
            preflight: Vec::new(),
            vary: Vary::NONE,
            mark: true,
            refusal: None,
        }
    }

    /// Writes the headers unless a more specific layer decided already.
    pub(crate) fn apply<B>(&self, res: &mut HttpResponse<B>) {
        if already_decided(res) {
            return;
        }
        if let Some(refusal) = &self.refusal {
            refusal.emit();
        }
        let headers = res.headers_mut();
        if let Some(v) = &self.allow_origin {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v.clone());
        }
        if self.allow_credentials {
            headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, static_value("true"));
        }
        if let Some(v) = &self.expose {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v.clone());
        }
        for (name, v) in &self.preflight {
            headers.insert(name.clone(), v.clone());
        }
        merge_vary(headers, self.vary);
        if self.mark {
            res.extensions_mut().insert(Decided);
        }
    }
}

/// Whether a CORS layer already decided this response. A response rebuilt by another
/// middleware loses its extensions, so `Access-Control-Allow-Origin` counts too.
pub(crate) fn already_decided<B>(res: &HttpResponse<B>) -> bool {
    res.extensions().get::<Decided>().is_some() || res.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN)
}

/// Appends `vary` to the response's `Vary`: no duplicate token, `Vary: *` untouched.
pub(crate) fn merge_vary(headers: &mut HeaderMap, vary: Vary) {
    if vary.is_empty() {
        return;
    }
    if !headers.contains_key(VARY) {
        if let Some(line) = static_vary(vary) {
            headers.insert(VARY, line);
        }
        return;
    }
    let merged = vary.merge_into(headers.get_all(VARY).map(HeaderValue::as_bytes));
    if let Some(line) = merged.and_then(|m| HeaderValue::from_str(&m).ok()) {
        headers.insert(VARY, line);
    }
}

/// The `Vary` line for a response that had none: constants, checked when compiling, not per
/// request.
fn static_vary(vary: Vary) -> Option<HeaderValue> {
    const ORIGIN_ONLY: HeaderValue = HeaderValue::from_static("Origin");
    const PREFLIGHT: HeaderValue =
        HeaderValue::from_static("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    const PREFLIGHT_PNA: HeaderValue = HeaderValue::from_static(
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    );
    const ANY_PREFLIGHT: HeaderValue =
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers");
    const ANY_PREFLIGHT_PNA: HeaderValue = HeaderValue::from_static(
        "Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    );
    let origin = vary.contains(Vary::ORIGIN);
    let preflight = vary.contains(Vary::REQUEST_METHOD);
    let pna = vary.contains(Vary::REQUEST_PRIVATE_NETWORK);
    Some(match (origin, preflight, pna) {
        (true, false, _) => ORIGIN_ONLY,
        (true, true, false) => PREFLIGHT,
        (true, true, true) => PREFLIGHT_PNA,
        (false, true, false) => ANY_PREFLIGHT,
        (false, true, true) => ANY_PREFLIGHT_PNA,
        (false, false, _) => return None,
    })
}

/// The answer to a preflight: the configured status and headers when granted, 403 when
/// refused (with the reason as plain text in debug mode).
pub(crate) fn preflight(
    decision: &Decision<'_>,
    request: &HeaderMap,
    origin: Option<&HeaderValue>,
) -> HttpResponse {
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
    // The outermost layer answers a preflight, so no layer above it will look for a mark.
    write_decision(res.headers_mut(), decision, request, origin);
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
    merge_vary(res.headers_mut(), vary);
    res.extensions_mut().insert(Decided);
    res
}
