//! What a page asks for: its origin, the URL, the method, the headers it sets with their
//! values and the credentials mode, checked the way `fetch()` checks them before anything is
//! sent; and the requests a browser puts on the wire for it.

use std::fmt;

use super::safelist::{cors_unsafe_request_header_names, is_cors_safelisted_method};
use super::url::{Url, UrlError};
use crate::error::ErrorKind;
use crate::escape::ClientValue;
use crate::headers::{is_forbidden_request_header, is_token};
use crate::methods::check_method;
use crate::origin::{Origin, OriginSpec};

/// The request's credentials mode (`fetch(url, { credentials })`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialsMode {
    /// `"omit"`: never send cookies.
    Omit,
    /// `"same-origin"`, `fetch()`'s default: cookies only to the page's own origin.
    #[default]
    SameOrigin,
    /// `"include"` (or XHR's `withCredentials = true`): cookies to any origin. The response
    /// must then name the origin exactly and say `Access-Control-Allow-Credentials: true`.
    Include,
}

impl CredentialsMode {
    /// The mode as `fetch()` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialsMode::Omit => "omit",
            CredentialsMode::SameOrigin => "same-origin",
            CredentialsMode::Include => "include",
        }
    }

    /// Whether this is `"include"`, the only mode the CORS checks treat differently.
    pub fn is_include(self) -> bool {
        self == CredentialsMode::Include
    }
}

/// One header line: the name as written and the value's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The name, as the page (or the server) wrote it.
    pub name: String,
    /// The value.
    pub value: Vec<u8>,
}

impl Header {
    /// A header line.
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Header {
        Header { name: name.into(), value: value.into() }
    }

    /// Whether the name is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value for display: printable ASCII as is, other bytes escaped, long values cut.
    pub fn shown_value(&self) -> String {
        ClientValue(&self.value).to_string()
    }
}

/// Something `fetch()` would refuse before sending anything, or that a script cannot send.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// The page's origin is not one a browser sends.
    InvalidOrigin {
        /// What was given.
        value: String,
        /// What is wrong and the form to write, when there is one.
        why: String,
    },
    /// The URL cannot be parsed.
    InvalidUrl {
        /// What was given.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// The URL is not `http:` or `https:`.
    UnsupportedScheme {
        /// What was given.
        value: String,
        /// Its scheme.
        scheme: String,
    },
    /// The URL has a user name or password, which `fetch()` refuses.
    UrlWithCredentials {
        /// What was given.
        value: String,
    },
    /// The method is not an HTTP token.
    InvalidMethod {
        /// What was given.
        method: String,
    },
    /// `CONNECT`, `TRACE` or `TRACK`, which `fetch()` refuses.
    ForbiddenMethod {
        /// What was given.
        method: String,
    },
    /// A header name that is not an HTTP token.
    InvalidHeaderName {
        /// What was given.
        name: String,
    },
    /// A header value with a NUL, CR or LF byte.
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// A forbidden request header: the browser silently drops it from a script's request.
    ForbiddenHeader {
        /// The header's name.
        name: String,
    },
    /// `X-HTTP-Method-Override` (or `X-HTTP-Method`, `X-Method-Override`) naming a forbidden
    /// method, which makes the header forbidden too.
    ForbiddenMethodOverride {
        /// The header's name.
        name: String,
        /// The forbidden method it names.
        method: String,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::InvalidOrigin { value, why } => {
                write!(f, "the origin \"{}\" is not one a browser sends: {why}", ClientValue(value.as_bytes()))
            }
            UsageError::InvalidUrl { value, why } => {
                write!(f, "the URL \"{}\" is not valid: {why}", ClientValue(value.as_bytes()))
            }
            UsageError::UnsupportedScheme { value, scheme } => write!(
                f,
                "the URL \"{}\" uses the scheme \"{scheme}\": fetch() only makes CORS requests to http and https URLs",
                ClientValue(value.as_bytes())
            ),
            UsageError::UrlWithCredentials { value } => write!(
                f,
                "the URL \"{}\" has a user name or password: fetch() refuses such URLs; send an Authorization header instead",
                ClientValue(value.as_bytes())
            ),
            UsageError::InvalidMethod { method } => write!(
                f,
                "the method \"{}\" is not a valid HTTP token: fetch() refuses it",
                ClientValue(method.as_bytes())
            ),
            UsageError::ForbiddenMethod { method } => {
                write!(f, "the method \"{method}\" is forbidden: fetch() refuses CONNECT, TRACE and TRACK")
            }
            UsageError::InvalidHeaderName { name } => write!(
                f,
                "the header name \"{}\" is not a valid HTTP token: fetch() refuses it",
                ClientValue(name.as_bytes())
            ),
            UsageError::InvalidHeaderValue { name } => {
                write!(f, "the value of header \"{name}\" contains a NUL, CR or LF byte: fetch() refuses it")
            }
            UsageError::ForbiddenHeader { name } => {
                write!(f, "\"{name}\" is a forbidden request header: a browser never lets a script set it (it silently drops it)")?;
                match name.to_ascii_lowercase().as_str() {
                    "origin" => f.write_str("; the browser sets Origin itself from the page's origin"),
                    "cookie" | "cookie2" => {
                        f.write_str("; the browser sends its own cookies when credentials are included")
                    }
                    _ => Ok(()),
                }
            }
            UsageError::ForbiddenMethodOverride { name, method } => write!(
                f,
                "\"{name}: {method}\" is a forbidden request header: it names the forbidden method {method}, so a browser drops it"
            ),
        }
    }
}

impl std::error::Error for UsageError {}

/// Every problem with a [`PageRequest`], found at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageErrors(pub Vec<UsageError>);

impl fmt::Display for UsageErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for UsageErrors {}

/// Whether a request's responses get the CORS check (Fetch's response tainting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tainting {
    /// Same-origin so far: no CORS check, no preflight.
    Basic,
    /// Cross-origin (now or earlier in the redirect chain): CORS checks every response.
    Cors,
}

/// A request a page makes with `fetch()` in `"cors"` mode, as the browser holds it: checked
/// when built, then updated as redirects are followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    origin: String,
    url_list: Vec<Url>,
    method: String,
    headers: Vec<Header>,
    credentials: CredentialsMode,
    tainting: Tainting,
}

/// Collects what a page sends; [`build`](PageRequestBuilder::build) checks it all.
#[derive(Clone, Debug)]
pub struct PageRequestBuilder {
    origin: String,
    url: String,
    method: String,
    headers: Vec<Header>,
    credentials: CredentialsMode,
}

impl PageRequest {
    /// Starts a request from the page at `origin` (e.g. `https://app.example`, or `null` for an
    /// opaque origin) to `url`; `GET`, no headers and `"same-origin"` credentials by default.
    ///
    /// ```
    /// use cors_core::client::{CredentialsMode, PageRequest};
    ///
    /// let request = PageRequest::builder("https://app.example", "https://api.example/items")
    ///     .method("put")
    ///     .header("Content-Type", "application/json")
    ///     .header("X-Api-Key", "k")
    ///     .credentials(CredentialsMode::Include)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(request.method(), "PUT"); // browsers upper-case put
    /// assert!(request.needs_preflight());
    /// assert_eq!(request.cors_unsafe_header_names(), ["content-type", "x-api-key"]);
    /// ```
    pub fn builder(origin: impl Into<String>, url: impl Into<String>) -> PageRequestBuilder {
        PageRequestBuilder {
            origin: origin.into(),
            url: url.into(),
            method: "GET".into(),
            headers: Vec::new(),
            credentials: CredentialsMode::default(),
        }
    }

    /// The page's origin, serialised (`null` for an opaque origin).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The URL the request goes to now (after any redirects).
    pub fn url(&self) -> &Url {
        self.url_list.last().expect("a request always has a URL")
    }

    /// Every URL so far: the page's, then each redirect's target.
    pub fn url_list(&self) -> &[Url] {
        &self.url_list
    }

    /// How many redirects have been followed.
    pub fn redirect_count(&self) -> usize {
        self.url_list.len() - 1
    }

    /// The method, normalised as browsers do (`put` becomes `PUT`; `patch` stays as written).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request's headers: those the page set (repeated names combined into one line, as
    /// browsers send them), plus the `Accept: */*` that `fetch()` adds when the page sets none.
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// The credentials mode.
    pub fn credentials(&self) -> CredentialsMode {
        self.credentials
    }

    /// Whether CORS applies to this request's responses (it has been cross-origin).
    pub fn tainting(&self) -> Tainting {
        self.tainting
    }

    /// Whether a redirect across origins happened after the request had left the page's own
    /// origin: the browser then sends `Origin: null` (Fetch's "redirect-tainted origin").
    pub fn has_redirect_tainted_origin(&self) -> bool {
        self.url_list.windows(2).any(|pair| {
            let (last, url) = (&pair[0], &pair[1]);
            !url.same_origin(last) && !self.is_same_origin_with(last)
        })
    }

    /// The value of the `Origin` header this request carries, and what
    /// `Access-Control-Allow-Origin` must equal: the page's origin, or `null` after a
    /// redirect-tainted chain.
    pub fn serialized_origin(&self) -> &str {
        if self.has_redirect_tainted_origin() {
            "null"
        } else {
            &self.origin
        }
    }

    /// Whether `url` has the page's origin (never for an opaque `null` origin).
    pub fn is_same_origin_with(&self, url: &Url) -> bool {
        self.origin != "null" && url.origin() == self.origin
    }

    /// The CORS-unsafe request-header names of this request's headers: what the preflight lists
    /// in `Access-Control-Request-Headers`.
    pub fn cors_unsafe_header_names(&self) -> Vec<String> {
        cors_unsafe_request_header_names(self.headers.iter().map(|h| (h.name.as_str(), h.value.as_slice())))
    }

    /// Whether the browser sends a preflight first: the request is cross-origin and its method
    /// is not CORS-safelisted or it has a CORS-unsafe request header. (A fresh browser: no
    /// preflight cache entry.)
    pub fn needs_preflight(&self) -> bool {
        self.tainting == Tainting::Cors
            && (!is_cors_safelisted_method(&self.method) || !self.cors_unsafe_header_names().is_empty())
    }

    /// The preflight the browser sends for this request: `OPTIONS`, `Accept: */*`,
    /// `Access-Control-Request-Method`, `Access-Control-Request-Headers` (when there are
    /// CORS-unsafe headers, joined by `,` without spaces) and `Origin`.
    pub fn preflight_request(&self) -> Outgoing {
        let mut headers = vec![
            Header::new("Accept", "*/*"),
            Header::new("Access-Control-Request-Method", self.method.as_bytes()),
        ];
        let names = self.cors_unsafe_header_names();
        if !names.is_empty() {
            headers.push(Header::new("Access-Control-Request-Headers", names.join(",")));
        }
        headers.push(Header::new("Origin", self.serialized_origin()));
        Outgoing { kind: ExchangeKind::Preflight, method: "OPTIONS".into(), url: self.url().clone(), headers }
    }

    /// The request itself as the browser sends it: the method, the page's headers, and
    /// `Origin` (always when CORS applies; for a same-origin request, unless it is `GET` or
    /// `HEAD`).
    pub fn actual_request(&self) -> Outgoing {
        let mut headers = self.headers.clone();
        if self.tainting == Tainting::Cors || !matches!(self.method.as_str(), "GET" | "HEAD") {
            headers.push(Header::new("Origin", self.serialized_origin()));
        }
        Outgoing { kind: ExchangeKind::Actual, method: self.method.clone(), url: self.url().clone(), headers }
    }

    pub(super) fn redirected(&self, to: Url, method_to_get: bool) -> PageRequest {
        let mut next = self.clone();
        if method_to_get {
            next.method = "GET".into();
            // Fetch's request-body-header names go with the body.
            next.headers.retain(|h| {
                !["content-encoding", "content-language", "content-location", "content-type"]
                    .iter()
                    .any(|n| h.is(n))
            });
        }
        if !self.url().same_origin(&to) {
            // Fetch's CORS non-wildcard request-header name is not sent to another origin.
            next.headers.retain(|h| !h.is("authorization"));
        }
        if !self.is_same_origin_with(&to) {
            next.tainting = Tainting::Cors;
        }
        next.url_list.push(to);
        next
    }
}

impl PageRequestBuilder {
    /// The method (`fetch(url, { method })`); `GET` by default.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// A header the page sets (`headers: { name: value }`); may be called again for more, or
    /// for the same name (the values are then combined with `, `).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// The credentials mode; `"same-origin"` by default.
    pub fn credentials(mut self, mode: CredentialsMode) -> Self {
        self.credentials = mode;
        self
    }

    /// Checks everything as `fetch()` would, reporting every problem at once.
    pub fn build(self) -> Result<PageRequest, UsageErrors> {
        let mut errors = Vec::new();

        let origin = match check_origin(&self.origin) {
            Ok(()) => Some(self.origin.clone()),
            Err(e) => {
                errors.push(e);
                None
            }
        };

        let url = match Url::parse(&self.url) {
            Ok(url) if url.includes_credentials() => {
                errors.push(UsageError::UrlWithCredentials { value: self.url.clone() });
                None
            }
            Ok(url) => Some(url),
            Err(UrlError::NotHttp { scheme }) => {
                errors.push(UsageError::UnsupportedScheme { value: self.url.clone(), scheme });
                None
            }
            Err(UrlError::Invalid(why)) => {
                errors.push(UsageError::InvalidUrl { value: self.url.clone(), why });
                None
            }
        };

        // cors-core's method rule: token, not forbidden, the six browser-normalised names
        // upper-cased and any other kept as written.
        let method = match check_method(&self.method) {
            Ok((method, _)) => Some(method),
            Err(e) if e.kind() == ErrorKind::ForbiddenMethod => {
                errors.push(UsageError::ForbiddenMethod { method: self.method.clone() });
                None
            }
            Err(_) => {
                errors.push(UsageError::InvalidMethod { method: self.method.clone() });
                None
            }
        };

        let mut headers: Vec<Header> = Vec::new();
        for Header { name, value } in self.headers {
            let value = trim_http_whitespace(&value).to_vec();
            if let Err(e) = check_header(&name, &value) {
                errors.push(e);
                continue;
            }
            match headers.iter_mut().find(|h| h.is(&name)) {
                Some(existing) => {
                    existing.value.extend_from_slice(b", ");
                    existing.value.extend_from_slice(&value);
                }
                None => headers.push(Header { name, value }),
            }
        }
        if !headers.iter().any(|h| h.is("accept")) {
            headers.push(Header::new("Accept", "*/*"));
        }

        match (origin, url, method) {
            (Some(origin), Some(url), Some(method)) if errors.is_empty() => {
                let tainting =
                    if origin != "null" && url.origin() == origin { Tainting::Basic } else { Tainting::Cors };
                Ok(PageRequest {
                    origin,
                    url_list: vec![url],
                    method,
                    headers,
                    credentials: self.credentials,
                    tainting,
                })
            }
            _ => Err(UsageErrors(errors)),
        }
    }
}

/// A page origin must have the shape browsers send; cors-core's origin rules say what to write
/// instead.
fn check_origin(value: &str) -> Result<(), UsageError> {
    if Origin::parse(value.as_bytes()).is_some() {
        return Ok(());
    }
    let why = match OriginSpec::parse(value) {
        Err(e) => e.message().trim_start_matches(&format!("origin \"{value}\" ")).to_string(),
        Ok(_) => {
            "write it as browsers serialise it, scheme://host[:port], e.g. \"https://app.example\"".into()
        }
    };
    Err(UsageError::InvalidOrigin { value: value.to_string(), why })
}

/// Fetch's header checks for a script's header: a valid name and value, not forbidden.
fn check_header(name: &str, value: &[u8]) -> Result<(), UsageError> {
    if !is_token(name.as_bytes()) {
        return Err(UsageError::InvalidHeaderName { name: name.to_string() });
    }
    if value.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
        return Err(UsageError::InvalidHeaderValue { name: name.to_string() });
    }
    let lower = name.to_ascii_lowercase();
    if is_forbidden_request_header(&lower) {
        return Err(UsageError::ForbiddenHeader { name: name.to_string() });
    }
    if matches!(lower.as_str(), "x-http-method" | "x-http-method-override" | "x-method-override") {
        let text = String::from_utf8_lossy(value);
        for method in text.split(',').map(|m| m.trim_matches([' ', '\t'])) {
            if check_method(method).is_err_and(|e| e.kind() == ErrorKind::ForbiddenMethod) {
                return Err(UsageError::ForbiddenMethodOverride {
                    name: name.to_string(),
                    method: method.into(),
                });
            }
        }
    }
    Ok(())
}

/// Strips Fetch's HTTP whitespace (tab, LF, CR, space) from both ends, as `Headers` does.
fn trim_http_whitespace(v: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | b' ');
    let start = v.iter().position(|b| !ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &v[start..end]
}

/// Which request of an exchange this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExchangeKind {
    /// The `OPTIONS` preflight.
    Preflight,
    /// The request the page made (or its redirected successor).
    Actual,
}

impl ExchangeKind {
    /// `preflight` or `actual`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeKind::Preflight => "preflight",
            ExchangeKind::Actual => "actual",
        }
    }
}

/// A request as the browser puts it on the wire (apart from headers CORS does not look at:
/// `Host`, `User-Agent`, `Referer`, `Sec-Fetch-*`, cookies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Preflight or actual request.
    pub kind: ExchangeKind,
    /// The method.
    pub method: String,
    /// The URL.
    pub url: Url,
    /// The headers, in the order sent.
    pub headers: Vec<Header>,
}

impl Outgoing {
    /// The HTTP/1.1 request line, e.g. `OPTIONS /items HTTP/1.1`.
    pub fn request_line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method, self.url.path_and_query())
    }

    /// The value of header `name`, if this request carries it.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|h| h.is(name)).map(|h| h.value.as_slice())
    }
}
