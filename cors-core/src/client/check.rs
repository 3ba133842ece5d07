//! The checks a browser runs on responses: Fetch's CORS check, the CORS-preflight fetch's
//! checks, and what HTTP-redirect fetch does with a redirect.

use super::request::{CredentialsMode, PageRequest};
use super::response::{token_list, Response};
use super::safelist::is_cors_safelisted_method;
use super::url::{Url, UrlError};
use super::verdict::{CorsCheckFailure, Note, Reason, Wildcard};

/// Redirects a browser follows before it gives up (Fetch's limit, and Chromium's).
pub const MAX_REDIRECTS: usize = 20;

/// Fetch's CORS check: `Access-Control-Allow-Origin` must be `*` (only without credentials) or
/// exactly `origin`, on one line; with credentials, `Access-Control-Allow-Credentials` must be
/// exactly `true`. `origin` is what the request's `Origin` said
/// ([`PageRequest::serialized_origin`]).
///
/// The failures are told apart as Chromium does, so the reason names the real mistake.
///
/// ```
/// use cors_core::client::{cors_check, CorsCheckFailure, CredentialsMode, Response};
///
/// let star = Response::new(200).header("Access-Control-Allow-Origin", "*");
/// assert_eq!(cors_check(&star, "https://app.example", CredentialsMode::SameOrigin), Ok(()));
/// assert_eq!(
///     cors_check(&star, "https://app.example", CredentialsMode::Include),
///     Err(CorsCheckFailure::WildcardOriginWithCredentials)
/// );
/// ```
pub fn cors_check(
    response: &Response,
    origin: &str,
    credentials: CredentialsMode,
) -> Result<(), CorsCheckFailure> {
    let Some(allow) = response.get("access-control-allow-origin") else {
        return Err(CorsCheckFailure::MissingAllowOrigin);
    };
    if allow == b"*" {
        if !credentials.is_include() {
            return Ok(());
        }
        return Err(CorsCheckFailure::WildcardOriginWithCredentials);
    }
    if allow != origin.as_bytes() {
        return Err(if allow.iter().any(|&b| b == b',' || b == b' ') {
            CorsCheckFailure::MultipleAllowOriginValues { value: allow }
        } else if allow == b"null" || looks_like_url(&allow) {
            CorsCheckFailure::AllowOriginMismatch { value: allow }
        } else {
            CorsCheckFailure::InvalidAllowOriginValue { value: allow }
        });
    }
    if credentials.is_include() {
        match response.get("access-control-allow-credentials") {
            Some(v) if v == b"true" => {}
            value => return Err(CorsCheckFailure::InvalidAllowCredentials { value }),
        }
    }
    Ok(())
}

fn looks_like_url(value: &[u8]) -> bool {
    std::str::from_utf8(value).is_ok_and(|s| matches!(Url::parse(s), Ok(_) | Err(UrlError::NotHttp { .. })))
}

/// The checks on a preflight's response, in the order Chromium runs them: not a redirect; the
/// CORS check (with the request's credentials mode); an ok status (200 to 299);
/// `Access-Control-Allow-Methods` and `Access-Control-Allow-Headers` parse as lists of tokens;
/// the method is CORS-safelisted, listed (case-sensitively), or covered by `*` without
/// credentials; every CORS-unsafe request header is listed (case-insensitively) or covered by
/// `*` without credentials.
///
/// The Fetch standard says `*` never covers `Authorization`; Chromium 156 and Firefox ESR 153
/// still let it through (the browser suite, `tests/tests/browser_engines.rs`, shows it), so this
/// check does too, and [`preflight_notes`] says so.
///
/// ```
/// use cors_core::client::{check_preflight, PageRequest, Reason, Response};
///
/// let request = PageRequest::builder("https://app.example", "https://api.example/items")
///     .method("PUT")
///     .build()
///     .unwrap();
/// let response = Response::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Methods", "GET, POST");
/// let reason = check_preflight(&request, &response).unwrap_err();
/// assert_eq!(
///     reason.to_string(),
///     "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
/// );
/// ```
pub fn check_preflight(request: &PageRequest, response: &Response) -> Result<(), Reason> {
    let include = request.credentials().is_include();
    if response.is_redirect() {
        let location = response.get("location").unwrap_or_default();
        return Err(Reason::PreflightRedirect { status: response.status(), location });
    }
    cors_check(response, request.serialized_origin(), request.credentials())
        .map_err(Reason::PreflightCors)?;
    if !response.is_ok() {
        return Err(Reason::PreflightStatus { status: response.status() });
    }
    let methods = token_list(response, "access-control-allow-methods")
        .map_err(|value| Reason::InvalidAllowMethods { value })?
        .unwrap_or_default();
    let names = token_list(response, "access-control-allow-headers")
        .map_err(|value| Reason::InvalidAllowHeaders { value })?
        .unwrap_or_default();

    let method = request.method();
    let star = |list: &[Vec<u8>]| list.iter().any(|item| item == b"*");
    let wildcard =
        |list: &[Vec<u8>]| if star(list) { Wildcard::IgnoredWithCredentials } else { Wildcard::Absent };
    if !is_cors_safelisted_method(method)
        && !methods.iter().any(|m| m == method.as_bytes())
        && (include || !star(&methods))
    {
        return Err(Reason::MethodNotAllowed { method: method.to_string(), wildcard: wildcard(&methods) });
    }

    let listed = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name.as_bytes()));
    if !include && star(&names) {
        // Browsers let `Authorization` through here too, against the standard: see
        // `preflight_notes`.
        return Ok(());
    }
    match request.cors_unsafe_header_names().into_iter().find(|name| !listed(name)) {
        Some(name) => Err(Reason::HeaderNotAllowed { name, wildcard: wildcard(&names) }),
        None => Ok(()),
    }
}

/// What is worth saying about a preflight's response that passed [`check_preflight`]: where
/// browsers today are more lenient than the Fetch standard, so a browser that follows the
/// standard would block the request.
///
/// ```
/// use cors_core::client::{preflight_notes, Note, PageRequest, Response};
///
/// let request = PageRequest::builder("https://app.example", "https://api.example/me")
///     .header("Authorization", "Bearer t")
///     .build()
///     .unwrap();
/// let response = Response::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Headers", "*");
/// assert_eq!(preflight_notes(&request, &response), [Note::AuthorizationUnderWildcard]);
/// ```
pub fn preflight_notes(request: &PageRequest, response: &Response) -> Vec<Note> {
    let names = token_list(response, "access-control-allow-headers").ok().flatten().unwrap_or_default();
    let star = names.iter().any(|n| n == b"*");
    let listed = names.iter().any(|n| n.eq_ignore_ascii_case(b"authorization"));
    let sends = request.headers().iter().any(|h| h.is("authorization"));
    if star && sends && !listed && !request.credentials().is_include() {
        vec![Note::AuthorizationUnderWildcard]
    } else {
        Vec::new()
    }
}

/// What HTTP-redirect fetch does with `response` to `request` (mode `"cors"`, redirect mode
/// `"follow"`): `Ok(None)` when it is not a redirect to follow (not 301, 302, 303, 307 or 308,
/// or no `Location`), `Ok(Some(next))` for the request the browser sends next, or the reason it
/// stops.
///
/// The next request has the `Location` resolved against the current URL; `GET` without the
/// request-body headers after a 303 (unless `GET` or `HEAD`) or a 301/302 to a `POST`; no
/// `Authorization` once it leaves the current origin; CORS applies from the first
/// cross-origin URL on; and its `Origin` is `null` after a redirect to another origin once the
/// request has left the page's origin. This does not run the CORS check on `response`: a
/// browser does that first, when CORS applies ([`cors_check`]).
pub fn follow_redirect(request: &PageRequest, response: &Response) -> Result<Option<PageRequest>, Reason> {
    if !response.is_redirect_status() {
        return Ok(None);
    }
    let mut lines = response.lines("location");
    let Some(first) = lines.next() else {
        return Ok(None);
    };
    if lines.next().is_some() {
        return Err(Reason::InvalidRedirectLocation {
            location: response.get("location").unwrap_or_default(),
        });
    }
    let location = first.to_vec();
    let url = match request.url().join(&String::from_utf8_lossy(&location)) {
        Ok(url) => url,
        Err(UrlError::NotHttp { .. }) => return Err(Reason::RedirectScheme { location }),
        Err(UrlError::Invalid(_)) => return Err(Reason::InvalidRedirectLocation { location }),
    };
    if request.redirect_count() >= MAX_REDIRECTS {
        return Err(Reason::TooManyRedirects);
    }
    if url.includes_credentials()
        && (request.tainting() == super::request::Tainting::Cors || !request.is_same_origin_with(&url))
    {
        return Err(Reason::RedirectWithCredentials { location });
    }
    let method = request.method();
    let to_get = (matches!(response.status(), 301 | 302) && method == "POST")
        || (response.status() == 303 && !matches!(method, "GET" | "HEAD"));
    Ok(Some(request.redirected(url, to_get)))
}
