//! The verdict: whether the page can read the response, and if not, why (in words close to
//! Chromium's console) and what to change on the server.

use std::fmt;

use super::url::Url;
use crate::escape::ClientValue;

/// Why a response failed Fetch's CORS check (the same failures for a preflight, an actual
/// response, or a redirect on the way).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorsCheckFailure {
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOrigin,
    /// `Access-Control-Allow-Origin: *` on a request whose credentials mode is `include`.
    WildcardOriginWithCredentials,
    /// Several origins (several lines, or a list in one line).
    MultipleAllowOriginValues {
        /// The value (lines joined by `, `).
        value: Vec<u8>,
    },
    /// A value that is not an origin at all.
    InvalidAllowOriginValue {
        /// The value.
        value: Vec<u8>,
    },
    /// An origin other than the request's.
    AllowOriginMismatch {
        /// The value.
        value: Vec<u8>,
    },
    /// Credentials included, but `Access-Control-Allow-Credentials` is absent or not exactly
    /// `true`.
    InvalidAllowCredentials {
        /// The value, when present.
        value: Option<Vec<u8>>,
    },
}

/// What Chromium adds after a value of `Access-Control-Allow-Origin` it cannot use (several
/// origins, no origin, another origin), for preflights and other responses alike.
const VALID_VALUE: &str = " Have the server send the header with a valid value.";

impl fmt::Display for CorsCheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsCheckFailure::MissingAllowOrigin => {
                f.write_str("No 'Access-Control-Allow-Origin' header is present on the requested resource.")
            }
            CorsCheckFailure::WildcardOriginWithCredentials => f.write_str(
                "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
            ),
            CorsCheckFailure::MultipleAllowOriginValues { value } => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one is allowed.{VALID_VALUE}",
                ClientValue(value)
            ),
            CorsCheckFailure::InvalidAllowOriginValue { value } => write!(
                f,
                "The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.{VALID_VALUE}",
                ClientValue(value)
            ),
            CorsCheckFailure::AllowOriginMismatch { value } => write!(
                f,
                "The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the supplied origin.{VALID_VALUE}",
                ClientValue(value)
            ),
            CorsCheckFailure::InvalidAllowCredentials { value } => write!(
                f,
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.",
                ClientValue(value.as_deref().unwrap_or(b""))
            ),
        }
    }
}

impl CorsCheckFailure {
    fn code(&self) -> &'static str {
        match self {
            CorsCheckFailure::MissingAllowOrigin => "MissingAllowOriginHeader",
            CorsCheckFailure::WildcardOriginWithCredentials => "WildcardOriginNotAllowed",
            CorsCheckFailure::MultipleAllowOriginValues { .. } => "MultipleAllowOriginValues",
            CorsCheckFailure::InvalidAllowOriginValue { .. } => "InvalidAllowOriginValue",
            CorsCheckFailure::AllowOriginMismatch { .. } => "AllowOriginMismatch",
            CorsCheckFailure::InvalidAllowCredentials { .. } => "InvalidAllowCredentials",
        }
    }
}

/// Why `*` did not help in a preflight's allow list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wildcard {
    /// The list had no `*`.
    Absent,
    /// The list had `*`, which counts only for requests without credentials.
    IgnoredWithCredentials,
}

/// Something worth knowing about a response the page can read: where it relies on browsers
/// being more lenient than the Fetch standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// `Access-Control-Allow-Headers: *` let `Authorization` through. The Fetch standard says
    /// the wildcard never covers it; Chromium 156 and Firefox ESR 153 allow it anyway (Firefox
    /// with a console warning).
    AuthorizationUnderWildcard,
}

impl Note {
    /// What to change on the server so that no browser depends on the leniency.
    pub fn fix(&self) -> &'static str {
        match self {
            Note::AuthorizationUnderWildcard => "List authorization by name in Access-Control-Allow-Headers, beside `*` if you like (with this toolkit, a literal `*` never covers it: `allow_headers([\"*\", \"authorization\"])`).",
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::AuthorizationUnderWildcard => f.write_str("Access-Control-Allow-Headers: * let the Authorization header through: today's Chromium and Firefox allow it, but the Fetch standard says `*` never covers Authorization, so a browser that follows it blocks this request."),
        }
    }
}

/// Why the browser blocks the response: the rule of the Fetch standard that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The preflight's response failed the CORS check.
    PreflightCors(CorsCheckFailure),
    /// The preflight's response is a redirect, which a preflight never follows.
    PreflightRedirect {
        /// Its status.
        status: u16,
        /// Its `Location`.
        location: Vec<u8>,
    },
    /// The preflight's status is not 200 to 299.
    PreflightStatus {
        /// The status.
        status: u16,
    },
    /// `Access-Control-Allow-Methods` has an item that is not a method name.
    InvalidAllowMethods {
        /// The value (lines joined by `, `).
        value: Vec<u8>,
    },
    /// `Access-Control-Allow-Headers` has an item that is not a header name.
    InvalidAllowHeaders {
        /// The value (lines joined by `, `).
        value: Vec<u8>,
    },
    /// The method is neither CORS-safelisted nor in `Access-Control-Allow-Methods`.
    MethodNotAllowed {
        /// The method, as the browser sent it in `Access-Control-Request-Method`.
        method: String,
        /// Whether a `*` was there but did not count.
        wildcard: Wildcard,
    },
    /// A request header is not in `Access-Control-Allow-Headers`.
    HeaderNotAllowed {
        /// The header's name, lower case (the first refused in the preflight's list).
        name: String,
        /// Whether a `*` was there but did not count.
        wildcard: Wildcard,
    },
    /// The response (or a redirect on the way) failed the CORS check.
    Cors(CorsCheckFailure),
    /// A redirect's `Location` is not a URL (or there are several).
    InvalidRedirectLocation {
        /// The value.
        location: Vec<u8>,
    },
    /// A redirect to a scheme other than `http` or `https`: a network error, not a CORS one
    /// (Chromium 156 logs no CORS line for it, Firefox ESR 153 only "CORS request did not
    /// succeed").
    RedirectScheme {
        /// The value.
        location: Vec<u8>,
    },
    /// A redirect to a URL with a user name or password. (Chromium 156's console line shows the
    /// location as `''`; the doctor shows it.)
    RedirectWithCredentials {
        /// The value.
        location: Vec<u8>,
    },
    /// More than 20 redirects.
    TooManyRedirects,
}

impl Reason {
    /// A stable name for tooling, as Chromium's DevTools names CORS errors (e.g.
    /// `PreflightMissingAllowOriginHeader`, `MethodDisallowedByPreflightResponse`).
    pub fn code(&self) -> String {
        match self {
            Reason::PreflightCors(f) => format!("Preflight{}", f.code()),
            Reason::PreflightRedirect { .. } => "PreflightDisallowedRedirect".into(),
            Reason::PreflightStatus { .. } => "PreflightInvalidStatus".into(),
            Reason::InvalidAllowMethods { .. } => "InvalidAllowMethodsPreflightResponse".into(),
            Reason::InvalidAllowHeaders { .. } => "InvalidAllowHeadersPreflightResponse".into(),
            Reason::MethodNotAllowed { .. } => "MethodDisallowedByPreflightResponse".into(),
            Reason::HeaderNotAllowed { .. } => "HeaderDisallowedByPreflightResponse".into(),
            Reason::Cors(f) => f.code().into(),
            Reason::InvalidRedirectLocation { .. } => "InvalidRedirect".into(),
            Reason::RedirectScheme { .. } => "CorsDisabledScheme".into(),
            Reason::RedirectWithCredentials { .. } => "RedirectContainsCredentials".into(),
            Reason::TooManyRedirects => "TooManyRedirects".into(),
        }
    }

    /// Whether the preflight failed (the actual request was then never sent).
    pub fn is_preflight(&self) -> bool {
        matches!(
            self,
            Reason::PreflightCors(_)
                | Reason::PreflightRedirect { .. }
                | Reason::PreflightStatus { .. }
                | Reason::InvalidAllowMethods { .. }
                | Reason::InvalidAllowHeaders { .. }
                | Reason::MethodNotAllowed { .. }
                | Reason::HeaderNotAllowed { .. }
        )
    }

    /// Whether a browser reports this as a CORS policy error (the others are network errors,
    /// which Chromium's console does not word as "blocked by CORS policy").
    pub fn is_cors_policy(&self) -> bool {
        !matches!(
            self,
            Reason::InvalidRedirectLocation { .. } | Reason::RedirectScheme { .. } | Reason::TooManyRedirects
        )
    }
}

const PREFLIGHT: &str = "Response to preflight request doesn't pass access control check: ";

impl fmt::Display for Reason {
    /// The reason as Chromium's console words it, after "has been blocked by CORS policy: ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::PreflightCors(failure) => write!(f, "{PREFLIGHT}{failure}"),
            Reason::PreflightRedirect { .. } => write!(f, "{PREFLIGHT}Redirect is not allowed for a preflight request."),
            Reason::PreflightStatus { .. } => write!(f, "{PREFLIGHT}It does not have HTTP ok status."),
            Reason::InvalidAllowMethods { .. } => {
                f.write_str("Cannot parse Access-Control-Allow-Methods response header field in preflight response.")
            }
            Reason::InvalidAllowHeaders { .. } => {
                f.write_str("Cannot parse Access-Control-Allow-Headers response header field in preflight response.")
            }
            Reason::MethodNotAllowed { method, .. } => {
                write!(f, "Method {method} is not allowed by Access-Control-Allow-Methods in preflight response.")
            }
            Reason::HeaderNotAllowed { name, .. } => write!(
                f,
                "Request header field {name} is not allowed by Access-Control-Allow-Headers in preflight response."
            ),
            Reason::Cors(failure) => write!(f, "{failure}"),
            Reason::InvalidRedirectLocation { location } => {
                write!(f, "Redirect location '{}' is not a valid URL.", ClientValue(location))
            }
            Reason::RedirectScheme { location } => write!(
                f,
                "Redirect location '{}' is not an http or https URL, and fetch() never follows a redirect to another scheme.",
                ClientValue(location)
            ),
            Reason::RedirectWithCredentials { location } => write!(
                f,
                "Redirect location '{}' contains a username and password, which is disallowed for cross-origin requests.",
                ClientValue(location)
            ),
            Reason::TooManyRedirects => f.write_str("The request was redirected more than 20 times (net::ERR_TOO_MANY_REDIRECTS)."),
        }
    }
}

/// The page can read the response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    /// The final response's status (which the page sees as `response.status`).
    pub status: u16,
    /// The final URL (`response.url`).
    pub url: Url,
    /// Whether CORS applied at all (false for a same-origin request that stayed so).
    pub cors: bool,
    /// Where the answer relies on browsers' leniency ([`preflight_notes`](super::preflight_notes)).
    pub notes: Vec<Note>,
}

/// The browser blocks the response; the page's `fetch()` rejects with a `TypeError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The rule that failed.
    pub reason: Reason,
    /// The URL whose response failed.
    pub url: Url,
    /// The page's URL, when the failing one was reached by redirects.
    pub redirected_from: Option<Url>,
    /// The page's origin.
    pub page_origin: String,
    /// The `Origin` the failing request carried: the page's origin, or `null` after a
    /// redirect across origins.
    pub request_origin: String,
    /// The method the failing request was for.
    pub method: String,
    /// Whether credentials were included.
    pub credentials: bool,
}

impl Blocked {
    /// The whole console line, as Chromium writes it: "Access to fetch at 'URL' from origin
    /// 'ORIGIN' has been blocked by CORS policy: REASON".
    pub fn message(&self) -> String {
        let from = match &self.redirected_from {
            Some(first) => format!(" (redirected from '{first}')"),
            None => String::new(),
        };
        if self.reason.is_cors_policy() {
            format!(
                "Access to fetch at '{}'{from} from origin '{}' has been blocked by CORS policy: {}",
                self.url, self.page_origin, self.reason
            )
        } else {
            format!(
                "Fetch of '{}'{from} from origin '{}' failed: {}",
                self.url, self.page_origin, self.reason
            )
        }
    }

    /// What to change on the server (or, where the page is at fault, on the page).
    pub fn fix(&self) -> String {
        let origin = &self.request_origin;
        let null_note = if self.request_origin == "null" && self.page_origin != "null" {
            format!(
                " The browser sent `Origin: null` because the request was redirected to another origin after leaving {}: point the page at the final URL, or avoid the cross-origin redirect.",
                self.page_origin
            )
        } else {
            String::new()
        };
        let text = match &self.reason {
            Reason::PreflightCors(CorsCheckFailure::MissingAllowOrigin) => format!(
                "Answer the preflight (OPTIONS with Origin and Access-Control-Request-Method) with `Access-Control-Allow-Origin: {origin}`. If {origin} should be allowed, add it to the server's allowed origins (with this toolkit: `allow_origins` or CORS_ALLOWED_ORIGINS); if it is allowed already, something answers OPTIONS before the CORS layer (a proxy, an authentication layer, a route without CORS)."
            ),
            Reason::Cors(CorsCheckFailure::MissingAllowOrigin) => format!(
                "Every response to {origin}, errors and redirects included, must carry `Access-Control-Allow-Origin: {origin}`. If the origin should be allowed, add it to the server's allowed origins (with this toolkit: `allow_origins` or CORS_ALLOWED_ORIGINS); if it is allowed already, make the CORS layer cover this response too (an error page, a proxy's own response, a redirect)."
            ),
            Reason::PreflightCors(CorsCheckFailure::WildcardOriginWithCredentials)
            | Reason::Cors(CorsCheckFailure::WildcardOriginWithCredentials) => format!(
                "With credentials, `*` does not count: answer `Access-Control-Allow-Origin: {origin}` (the request's origin, echoed), `Access-Control-Allow-Credentials: true` and `Vary: Origin`; or make the page not include credentials."
            ),
            Reason::PreflightCors(CorsCheckFailure::MultipleAllowOriginValues { .. })
            | Reason::Cors(CorsCheckFailure::MultipleAllowOriginValues { .. }) => format!(
                "Send exactly one Access-Control-Allow-Origin, with the one origin that asked ({origin}): either two layers (the application and a proxy, or two CORS middlewares) each add it, or the server lists every allowed origin in it. Let one layer handle CORS and echo the matching origin."
            ),
            Reason::PreflightCors(CorsCheckFailure::InvalidAllowOriginValue { .. })
            | Reason::Cors(CorsCheckFailure::InvalidAllowOriginValue { .. }) => format!(
                "Access-Control-Allow-Origin must be `*` or one origin written exactly as browsers send it (scheme://host[:port], no path): `{origin}`."
            ),
            Reason::PreflightCors(CorsCheckFailure::AllowOriginMismatch { value })
            | Reason::Cors(CorsCheckFailure::AllowOriginMismatch { value }) => {
                let close = String::from_utf8_lossy(value);
                let close = close.trim_end_matches('/');
                let hint = if close.eq_ignore_ascii_case(origin) {
                    " The two differ only in case or a trailing slash, but browsers compare byte for byte."
                } else {
                    ""
                };
                format!(
                    "The server answered for another origin. Echo the request's Origin (`{origin}`) when it is allowed (add it to the allowed origins), and send `Vary: Origin` so that caches never give one origin's answer to another.{hint}"
                )
            }
            Reason::PreflightCors(CorsCheckFailure::InvalidAllowCredentials { .. })
            | Reason::Cors(CorsCheckFailure::InvalidAllowCredentials { .. }) => "The page includes credentials, so the response must carry `Access-Control-Allow-Credentials: true` (exactly that, lower case). Turn credentials on in the server's policy (with this toolkit: `allow_credentials(true)` or CORS_ALLOW_CREDENTIALS=true), or make the page not include them.".into(),
            Reason::PreflightRedirect { status, location } => format!(
                "The preflight was redirected ({status} to '{}'), and a preflight never follows redirects. Make the page request the final URL (the usual culprits: a trailing slash, http to https, a missing www), or answer OPTIONS at this URL without redirecting.",
                ClientValue(location)
            ),
            Reason::PreflightStatus { status } => format!(
                "The preflight got status {status}; it needs 200 to 299 (204 is usual). Answer OPTIONS preflights before authentication, routing and method checks: a preflight never carries cookies or Authorization, and the route need not exist for OPTIONS."
            ),
            Reason::InvalidAllowMethods { value } => format!(
                "Access-Control-Allow-Methods must be a comma-separated list of method names, e.g. `GET, PUT, DELETE`; '{}' is not.",
                ClientValue(value)
            ),
            Reason::InvalidAllowHeaders { value } => format!(
                "Access-Control-Allow-Headers must be a comma-separated list of header names, e.g. `content-type, x-api-key`; '{}' is not.",
                ClientValue(value)
            ),
            Reason::MethodNotAllowed { method, wildcard } => {
                let mut text = format!(
                    "Allow {method}: list it in the preflight response's Access-Control-Allow-Methods (with this toolkit: `allow_methods` or CORS_ALLOWED_METHODS)."
                );
                if *wildcard == Wildcard::IgnoredWithCredentials {
                    text.push_str(&format!(" `*` means any method only for requests without credentials; with credentials, name {method}."));
                }
                let upper = method.to_ascii_uppercase();
                if *method != upper {
                    text.push_str(&format!(" Browsers send {method} exactly as the page writes it (they upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT) and compare it case-sensitively; if {upper} was meant, write {upper} in the page."));
                }
                text
            }
            Reason::HeaderNotAllowed { name, wildcard } => {
                let mut text = format!(
                    "Allow the request header {name}: list it in the preflight response's Access-Control-Allow-Headers (with this toolkit: `allow_headers` or CORS_ALLOWED_HEADERS)."
                );
                match wildcard {
                    Wildcard::IgnoredWithCredentials => text.push_str(&format!(" `*` means any header only for requests without credentials; with credentials, name {name}.")),
                    Wildcard::Absent => {}
                }
                text
            }
            Reason::InvalidRedirectLocation { .. } => "Send one Location header whose value is a valid URL.".into(),
            Reason::RedirectScheme { .. } => "Redirect only to http or https URLs.".into(),
            Reason::RedirectWithCredentials { .. } => "Redirect to a URL without `user:password@`; carry credentials in a header instead.".into(),
            Reason::TooManyRedirects => "Break the redirect loop: follow the Location headers above to find where it repeats.".into(),
        };
        format!("{text}{null_note}")
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Whether the page can read the response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It can.
    Allowed(Allowed),
    /// The browser blocks it.
    Blocked(Blocked),
}

impl Verdict {
    /// Whether the page can read the response.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Verdict::Allowed(_))
    }

    /// The reason, when blocked.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Verdict::Allowed(_) => None,
            Verdict::Blocked(b) => Some(&b.reason),
        }
    }
}
