//! A response as the browser (or the doctor, or a test) saw it: the status and the header lines.

use super::request::Header;
use crate::headers::{is_token, trim_ows};

/// One response: its status and every header line, in order.
///
/// ```
/// use cors_core::client::Response;
///
/// let response = Response::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Vary", "Origin");
/// assert_eq!(response.get("access-control-allow-origin").as_deref(), Some(&b"https://app.example"[..]));
/// assert!(Response::redirect(308, "/v2/items").is_redirect());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Vec<Header>,
}

impl Response {
    /// A response with this status and no headers yet.
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new() }
    }

    /// A redirect: `status` (301, 302, 303, 307 or 308) with this `Location`.
    pub fn redirect(status: u16, location: impl Into<Vec<u8>>) -> Response {
        Response::new(status).header("Location", location)
    }

    /// Adds one header line (the value's surrounding spaces and tabs are not part of it).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Response {
        self.push_header(name, value);
        self
    }

    /// Adds one header line in place.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) {
        let value = value.into();
        let value = trim_ows(&value).to_vec();
        self.headers.push(Header { name: name.into(), value });
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header line, in order.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Every line of header `name` (any case).
    pub fn lines<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers.iter().filter(move |h| h.is(name)).map(|h| h.value.as_slice())
    }

    /// Fetch's "get" a header: every line's value joined by `, `, or `None` when absent.
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let mut lines = self.lines(name);
        let mut value = lines.next()?.to_vec();
        for line in lines {
            value.extend_from_slice(b", ");
            value.extend_from_slice(line);
        }
        Some(value)
    }

    /// Whether the status is an ok status (200 to 299).
    pub fn is_ok(&self) -> bool {
        (200..=299).contains(&self.status)
    }

    /// Whether the status is a redirect status (301, 302, 303, 307, 308).
    pub fn is_redirect_status(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }

    /// Whether this is a redirect a browser follows: a redirect status with a `Location`.
    pub fn is_redirect(&self) -> bool {
        self.is_redirect_status() && self.lines("location").next().is_some()
    }
}

/// Fetch's "extract header list values" for a `#token` header (`Access-Control-Allow-Methods`,
/// `Access-Control-Allow-Headers`): `Ok(None)` when absent, `Err(value)` when an item is not a
/// token, else the items of every line (empty items and optional whitespace skipped, as the
/// list rule allows).
pub(super) fn token_list(response: &Response, name: &str) -> Result<Option<Vec<Vec<u8>>>, Vec<u8>> {
    let Some(combined) = response.get(name) else {
        return Ok(None);
    };
    let mut items = Vec::new();
    for line in response.lines(name) {
        for item in line.split(|&b| b == b',') {
            let item = trim_ows(item);
            if item.is_empty() {
                continue;
            }
            if !is_token(item) {
                return Err(combined);
            }
            items.push(item.to_vec());
        }
    }
    Ok(Some(items))
}
