//! The browser's side of CORS: will the page at this origin be allowed to read that response?
//!
//! ```
//! use cors_core::client::{CredentialsMode, Fetch, PageRequest, Reason, Response};
//!
//! // fetch("https://api.example/items", { method: "PUT", credentials: "include",
//! //        headers: { "Content-Type": "application/json", "X-Api-Key": "k" } })
//! let request = PageRequest::builder("https://app.example", "https://api.example/items")
//!     .method("PUT")
//!     .header("Content-Type", "application/json")
//!     .header("X-Api-Key", "k")
//!     .credentials(CredentialsMode::Include)
//!     .build()
//!     .expect("fetch() would accept this");
//!
//! // The browser sends a preflight first, listing the CORS-unsafe headers sorted, lower case.
//! let mut fetch = Fetch::new(request);
//! let preflight = fetch.next_request().unwrap();
//! assert_eq!(preflight.request_line(), "OPTIONS /items HTTP/1.1");
//! assert_eq!(preflight.header("Access-Control-Request-Headers"), Some(&b"content-type,x-api-key"[..]));
//!
//! // The server allows the origin and the method, but only one of the headers.
//! fetch.receive(
//!     Response::new(204)
//!         .header("Access-Control-Allow-Origin", "https://app.example")
//!         .header("Access-Control-Allow-Credentials", "true")
//!         .header("Access-Control-Allow-Methods", "PUT")
//!         .header("Access-Control-Allow-Headers", "content-type"),
//! );
//!
//! // The actual request is never sent, and the verdict says why and what to change.
//! assert!(fetch.next_request().is_none());
//! let verdict = fetch.verdict().unwrap();
//! assert!(matches!(verdict.reason(), Some(Reason::HeaderNotAllowed { name, .. }) if name == "x-api-key"));
//! let cors_core::client::Verdict::Blocked(blocked) = verdict else { unreachable!() };
//! assert_eq!(
//!     blocked.message(),
//!     "Access to fetch at 'https://api.example/items' from origin 'https://app.example' has been \
//!      blocked by CORS policy: Request header field x-api-key is not allowed by \
//!      Access-Control-Allow-Headers in preflight response."
//! );
//! assert!(blocked.fix().contains("Access-Control-Allow-Headers"));
//! ```
//!
//! This module is pure: it sends nothing. [`Fetch`] says which request to send next and takes
//! the response; `cors-doctor` puts the requests on the wire, and tests hand it responses they
//! make. It follows the WHATWG Fetch standard for a `fetch()` in `"cors"` mode with redirect
//! mode `"follow"`, in a fresh browser (nothing in the preflight cache), and reads top-down:
//!
//! - [`request`](PageRequest): what the page sends, checked as `fetch()` checks it (forbidden
//!   methods and request headers are [`UsageError`]s), and the requests it puts on the wire;
//! - safelist: [`is_cors_safelisted_method`], [`is_cors_safelisted_request_header`] (with each
//!   header's value rule and the 128-byte limit), [`cors_unsafe_request_header_names`] (with
//!   the 1024-byte total), hence [`PageRequest::needs_preflight`];
//! - [`cors_check`], [`check_preflight`] and [`follow_redirect`]: the checks on responses;
//! - [`Verdict`]: allowed, or [`Blocked`] with a [`Reason`] worded as Chromium's console words
//!   it and a [`fix`](Blocked::fix) for the server.
//!
//! The protocol facts it shares with the server side come from the same place: the forbidden
//! request headers and the method rules (normalisation, forbidden methods) of cors-core's
//! `headers` and `methods`, the origin shape of [`Origin`](crate::Origin).
//!
//! Not covered, because they are not CORS or need a browser's state: the preflight cache
//! (every run is a fresh browser), XHR's upload-listener preflight flag, request bodies (so a
//! redirect never fails for a body that cannot be replayed), cookies, the headers a browser
//! adds that CORS ignores (`User-Agent`, `Referer`, `Accept-Language`, `Accept-Encoding`,
//! `Sec-Fetch-*`), mixed content, blocked ports, CORP/COEP, Private Network Access and
//! redirect modes other than `"follow"`. Where browsers part from the standard the module
//! follows the standard, except in three places it says so: repeated request headers are
//! combined into one line before the safelist checks (as browsers send them), a redirected
//! preflight is reported as such before its CORS check (as Chromium does), and
//! `Access-Control-Allow-Headers: *` lets `Authorization` through (as Chromium 156 and Firefox
//! ESR 153 do), with a [`Note`] on the verdict.

mod check;
mod fetch;
mod request;
mod response;
mod safelist;
mod url;
mod verdict;

pub use check::{check_preflight, cors_check, follow_redirect, preflight_notes, MAX_REDIRECTS};
pub use fetch::{Exchange, Fetch, Interrupted, Report};
pub use request::{
    CredentialsMode, ExchangeKind, Header, Outgoing, PageRequest, PageRequestBuilder, Tainting, UsageError,
    UsageErrors,
};
pub use response::Response;
pub use safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_cors_safelisted_request_header,
    MAX_SAFELISTED_TOTAL_LEN, MAX_SAFELISTED_VALUE_LEN,
};
pub use url::{HttpScheme, Url, UrlError};
pub use verdict::{Allowed, Blocked, CorsCheckFailure, Note, Reason, Verdict, Wildcard};
