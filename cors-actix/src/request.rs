//! Reading the parts of an actix request that CORS looks at.

use actix_web::dev::RequestHead;
use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use actix_web::http::Method;
use cors_core::{CorsRequest, Field};

/// `Access-Control-Request-Private-Network`, which `http` has no constant for.
pub(crate) const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

/// The lines of one header, counted.
pub(crate) fn field<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Field<'a> {
    let mut lines = headers.get_all(name);
    match (lines.next(), lines.next()) {
        (None, _) => Field::Absent,
        (Some(v), None) => Field::One(v.as_bytes()),
        _ => Field::Several,
    }
}

/// The iterator over every `Access-Control-Request-Headers` line.
pub(crate) type HeaderLines<'a> =
    std::iter::Map<std::slice::Iter<'a, HeaderValue>, fn(&HeaderValue) -> &[u8]>;

/// A request's CORS view, and its `Origin` line, for echoing without a second lookup.
pub(crate) struct Incoming<'a> {
    /// What `Policy::decide` reads.
    pub(crate) cors: CorsRequest<'a, HeaderLines<'a>>,
    /// The `Origin` value when there is exactly one line.
    pub(crate) origin: Option<&'a HeaderValue>,
}

/// The CORS view of a request head; borrows, never copies. The preflight-only headers are only
/// looked up for `OPTIONS` requests with an `Origin`: other requests never need them; and
/// `Access-Control-Request-Private-Network` only where a policy grants it.
pub(crate) fn read(head: &RequestHead) -> Incoming<'_> {
    let headers = &head.headers;
    let mut origins = headers.get_all(ORIGIN);
    let (origin, one) = match (origins.next(), origins.next()) {
        (None, _) => (Field::Absent, None),
        (Some(v), None) => (Field::One(v.as_bytes()), Some(v)),
        _ => (Field::Several, None),
    };
    let maybe_preflight = origin != Field::Absent && head.method == Method::OPTIONS;
    let as_bytes = HeaderValue::as_bytes as fn(&HeaderValue) -> &[u8];
    let cors = if maybe_preflight {
        CorsRequest {
            method: head.method.as_str().as_bytes(),
            origin,
            request_method: field(headers, &ACCESS_CONTROL_REQUEST_METHOD),
            request_headers: headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS).map(as_bytes),
            // Read by `private_network_requested`, once a policy that grants it governs.
            request_private_network: false,
        }
    } else {
        CorsRequest {
            method: head.method.as_str().as_bytes(),
            origin,
            request_method: Field::Absent,
            request_headers: [].iter().map(as_bytes),
            request_private_network: false,
        }
    };
    Incoming { cors, origin: one }
}

/// Whether the preflight asks for Private Network Access
/// (`Access-Control-Request-Private-Network: true`).
pub(crate) fn private_network_requested(head: &RequestHead) -> bool {
    head.headers.get(REQUEST_PRIVATE_NETWORK).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
}

/// The method a preflight asks for, for the policy lookup: empty unless it is one line (a
/// preflight with several lines is refused by the decision, never passed on).
pub(crate) fn requested_method<'a, L>(request: &CorsRequest<'a, L>) -> &'a [u8] {
    match request.request_method {
        Field::One(m) => m,
        Field::Absent | Field::Several => b"",
    }
}

/// The request's own value of an echoed header, from its header map.
pub(crate) fn echo(headers: &HeaderMap, echo: cors_core::Echo, bytes: &[u8]) -> Option<HeaderValue> {
    match echo {
        cors_core::Echo::Origin => headers.get(ORIGIN).cloned(),
        cors_core::Echo::RequestMethod => headers.get(ACCESS_CONTROL_REQUEST_METHOD).cloned(),
        // The single non-empty line; with empty lines beside it, find it again.
        cors_core::Echo::RequestHeaders => {
            headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS).find(|h| h.as_bytes() == bytes).cloned()
        }
    }
}
