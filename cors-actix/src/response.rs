//! Writing a [`Decision`] onto actix-web responses: the translation, nothing decided here.

use std::sync::LazyLock;

use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, CONTENT_TYPE, VARY,
};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use cors_core::{CorsHeader, Decision, Echo, Policy, RequestKind, Value, Vary, BODY_CONTENT_TYPE};

use crate::request;

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

/// The header values a policy writes whatever the request (exposed headers, max age), converted
/// once, when the layer holding the policy is built.
#[derive(Debug, Default)]
pub(crate) struct Prebuilt([Option<HeaderValue>; CorsHeader::ALL.len()]);

impl Prebuilt {
    pub(crate) fn of(policy: Option<&Policy>) -> Prebuilt {
        let mut prebuilt = Prebuilt::default();
        for (h, bytes) in policy.into_iter().flat_map(Policy::shared_values) {
            prebuilt.0[h.index()] = HeaderValue::from_maybe_shared(bytes.clone()).ok();
        }
        prebuilt
    }
}

/// What the echoed and shared values of a decision come from.
#[derive(Clone, Copy)]
pub(crate) struct Sources<'r> {
    /// The request's headers.
    pub(crate) request: &'r HeaderMap,
    /// The request's `Origin` line, when it has exactly one (found when it was read).
    pub(crate) origin: Option<&'r HeaderValue>,
    /// The governing policy's values built once.
    pub(crate) prebuilt: &'r Prebuilt,
}

/// Turns one decided header into a header value without copying: echoed values clone the
/// request's own header value (a reference count), shared ones the policy's prebuilt value.
#[inline]
fn value(h: CorsHeader, v: Value<'_>, from: Sources<'_>) -> Option<HeaderValue> {
    match v {
        Value::Static("true") => Some(HeaderValue::from_static("true")),
        Value::Static("*") => Some(HeaderValue::from_static("*")),
        Value::Static(s) => HeaderValue::from_str(s).ok(),
        Value::Shared(b) => {
            from.prebuilt.0[h.index()].clone().or_else(|| HeaderValue::from_maybe_shared(b.clone()).ok())
        }
        Value::Echo(Echo::Origin, _) if from.origin.is_some() => from.origin.cloned(),
        Value::Echo(echo, bytes) => request::echo(from.request, echo, bytes),
        Value::Joined(s) => HeaderValue::from_str(s).ok(),
    }
}

/// The headers of one decision, converted to actix-web values while the request is at hand, and
/// written on a response later. Small, as it travels in the response future: an actual request's
/// grant in fields, a passed-on preflight's extra headers boxed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Grant {
    allow_origin: Option<HeaderValue>,
    expose: Option<HeaderValue>,
    credentials: bool,
    private_network: bool,
    vary: Vary,
    /// `Access-Control-Allow-Methods`, `-Allow-Headers` and `-Max-Age`, for a preflight passed on
    /// to the handler.
    preflight: Option<Box<[Option<HeaderValue>; 3]>>,
}

impl Grant {
    /// The headers and `Vary` of `decision`, one field per header.
    #[inline]
    pub(crate) fn of(decision: &Decision<'_>, from: Sources<'_>) -> Grant {
        let get = |h| decision.header(h).and_then(|v| value(h, v, from));
        // Only a preflight's answer carries these; most preflights are answered, not passed on.
        let preflight = if decision.kind() == RequestKind::Preflight {
            let rest = [CorsHeader::AllowMethods, CorsHeader::AllowHeaders, CorsHeader::MaxAge].map(get);
            rest.iter().any(Option::is_some).then(|| Box::new(rest))
        } else {
            None
        };
        Grant {
            allow_origin: get(CorsHeader::AllowOrigin),
            expose: get(CorsHeader::ExposeHeaders),
            credentials: decision.header(CorsHeader::AllowCredentials).is_some(),
            private_network: decision.header(CorsHeader::AllowPrivateNetwork).is_some(),
            vary: decision.vary(),
            preflight,
        }
    }

    /// Nothing to write but `Vary`.
    pub(crate) fn vary_only(vary: Vary) -> Grant {
        Grant { vary, ..Grant::default() }
    }

    /// Writes the headers, then merges `Vary`. Takes the grant, so that its values move into
    /// the response instead of being cloned again.
    pub(crate) fn write(self, headers: &mut HeaderMap) {
        if let Some(v) = self.allow_origin {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if self.credentials {
            headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        }
        if let Some(v) = self.expose {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v);
        }
        if let Some(rest) = self.preflight {
            let names = [ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_MAX_AGE];
            for (name, v) in names.into_iter().zip(*rest) {
                if let Some(v) = v {
                    headers.insert(name, v);
                }
            }
        }
        if self.private_network {
            headers.insert(ALLOW_PRIVATE_NETWORK, HeaderValue::from_static("true"));
        }
        merge_vary(headers, self.vary);
    }
}

/// Writes every header of `decision`, then its `Vary`, on a response made here.
fn write(headers: &mut HeaderMap, decision: &Decision<'_>, from: Sources<'_>) {
    for h in CorsHeader::ALL {
        if let Some(v) = decision.header(h).and_then(|v| value(h, v, from)) {
            headers.insert(name(h), v);
        }
    }
    merge_vary(headers, decision.vary());
}

/// The response of a decision whose action is to answer here, with `status`.
pub(crate) fn respond(status: u16, decision: &Decision<'_>, from: Sources<'_>) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let mut res = match decision.body() {
        Some(body) => HttpResponse::build(status).insert_header((CONTENT_TYPE, BODY_CONTENT_TYPE)).body(body),
        None => HttpResponse::build(status).finish(),
    };
    write(res.headers_mut(), decision, from);
    res
}

/// A refused preflight no policy decided (its governing policy is ambiguous): the refused
/// status, nothing else.
pub(crate) fn refused() -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(cors_core::REFUSED_STATUS).unwrap_or(StatusCode::FORBIDDEN))
        .finish()
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
