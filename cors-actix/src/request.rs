//! Reading the parts of an actix request that CORS looks at.

use actix_web::dev::RequestHead;
use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
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

/// The CORS view of a request head; borrows, never copies.
pub(crate) fn read(head: &RequestHead) -> CorsRequest<'_, HeaderLines<'_>> {
    let headers = &head.headers;
    let origin = field(headers, &ORIGIN);
    let request_method =
        if origin == Field::Absent { Field::Absent } else { field(headers, &ACCESS_CONTROL_REQUEST_METHOD) };
    CorsRequest {
        method: head.method.as_str().as_bytes(),
        origin,
        request_method,
        request_headers: headers
            .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
            .map(HeaderValue::as_bytes as fn(&HeaderValue) -> &[u8]),
        request_private_network: headers
            .get(REQUEST_PRIVATE_NETWORK)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true")),
    }
}

/// The method a preflight asks for, as text for the marker lookup: empty when it is not one line
/// of UTF-8 (such a preflight is refused by the decision, never passed on).
pub(crate) fn requested_method<'a, L>(request: &CorsRequest<'a, L>) -> &'a str {
    match request.request_method {
        Field::One(m) => std::str::from_utf8(m).unwrap_or(""),
        Field::Absent | Field::Several => "",
    }
}
