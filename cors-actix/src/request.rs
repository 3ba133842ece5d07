//! Reading the parts of an actix request that CORS looks at.

use actix_web::dev::RequestHead;
use actix_web::http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use actix_web::http::{Method, Uri};
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

/// The CORS view of a request head; borrows, never copies. The preflight-only headers are only
/// looked up for `OPTIONS` requests with an `Origin`: other requests never need them; and
/// `Access-Control-Request-Private-Network` only where a policy grants it.
pub(crate) fn read(head: &RequestHead) -> CorsRequest<'_, HeaderLines<'_>> {
    let headers = &head.headers;
    let origin = field(headers, &ORIGIN);
    let maybe_preflight = origin != Field::Absent && head.method == Method::OPTIONS;
    let as_bytes = HeaderValue::as_bytes as fn(&HeaderValue) -> &[u8];
    if maybe_preflight {
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
    }
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

/// One request header's lines, owned (each a reference-counted clone of the request's value).
#[derive(Clone, Debug)]
enum Seen {
    Absent,
    One(HeaderValue),
    Several,
}

impl Seen {
    fn of(headers: &HeaderMap, name: &HeaderName) -> Seen {
        let mut lines = headers.get_all(name);
        match (lines.next(), lines.next()) {
            (None, _) => Seen::Absent,
            (Some(v), None) => Seen::One(v.clone()),
            _ => Seen::Several,
        }
    }

    fn field(&self) -> Field<'_> {
        match self {
            Seen::Absent => Field::Absent,
            Seen::One(v) => Field::One(v.as_bytes()),
            Seen::Several => Field::Several,
        }
    }
}

/// The CORS view of a request, kept by the owner for the response it writes later: by then the
/// request belongs to routing (an `Err` does not even carry it). Cloned values share the
/// request's bytes; only a preflight's header lines are collected into a list.
#[derive(Debug)]
pub(crate) struct Parts {
    method: Method,
    origin: Seen,
    request_method: Seen,
    request_headers: Vec<HeaderValue>,
    private_network: bool,
    /// For the log line of a refusal, when refusals are logged.
    uri: Option<Uri>,
}

impl Parts {
    pub(crate) fn of(head: &RequestHead) -> Parts {
        let headers = &head.headers;
        let origin = Seen::of(headers, &ORIGIN);
        let preflight = !matches!(origin, Seen::Absent) && head.method == Method::OPTIONS;
        Parts {
            method: head.method.clone(),
            origin,
            request_method: if preflight {
                Seen::of(headers, &ACCESS_CONTROL_REQUEST_METHOD)
            } else {
                Seen::Absent
            },
            request_headers: if preflight {
                headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS).cloned().collect()
            } else {
                Vec::new()
            },
            private_network: preflight && private_network_requested(head),
            uri: tracing::enabled!(target: "cors", tracing::Level::DEBUG).then(|| head.uri.clone()),
        }
    }

    /// The view `Policy::decide` reads, as [`read`] gives it; `private_network` as sent.
    pub(crate) fn view(&self) -> CorsRequest<'_, HeaderLines<'_>> {
        let as_bytes = HeaderValue::as_bytes as fn(&HeaderValue) -> &[u8];
        CorsRequest {
            method: self.method.as_str().as_bytes(),
            origin: self.origin.field(),
            request_method: self.request_method.field(),
            request_headers: self.request_headers.iter().map(as_bytes),
            request_private_network: self.private_network,
        }
    }

    /// The origin, method and path a refusal's log line shows.
    pub(crate) fn shown(&self) -> (&[u8], &[u8], &[u8]) {
        let origin = match &self.origin {
            Seen::One(v) => v.as_bytes(),
            Seen::Absent | Seen::Several => b"",
        };
        let path = self.uri.as_ref().map_or("", Uri::path);
        (origin, self.method.as_str().as_bytes(), path.as_bytes())
    }

    /// The request's own value of an echoed header.
    pub(crate) fn echo(&self, echo: cors_core::Echo, bytes: &[u8]) -> Option<HeaderValue> {
        match echo {
            cors_core::Echo::Origin => match &self.origin {
                Seen::One(v) => Some(v.clone()),
                _ => None,
            },
            cors_core::Echo::RequestMethod => match &self.request_method {
                Seen::One(v) => Some(v.clone()),
                _ => None,
            },
            cors_core::Echo::RequestHeaders => {
                self.request_headers.iter().find(|h| h.as_bytes() == bytes).cloned()
            }
        }
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
