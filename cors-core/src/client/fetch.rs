//! The whole exchange, step by step: the preflight when one is needed, the request, each
//! redirect (with a new preflight where the redirected request needs one), and the verdict.
//! It does no I/O: the caller sends each request and hands back the response.

use super::check::{check_preflight, cors_check, follow_redirect, preflight_notes};
use super::request::{ExchangeKind, Outgoing, PageRequest, Tainting};
use super::response::Response;
use super::verdict::{Allowed, Blocked, Note, Reason, Verdict};

/// One request sent and the response it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// What was sent.
    pub request: Outgoing,
    /// What came back.
    pub response: Response,
}

/// Everything that was sent and received, and the verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Every exchange, in order.
    pub exchanges: Vec<Exchange>,
    /// Whether the page can read the response.
    pub verdict: Verdict,
}

/// Sending failed part-way (e.g. a network error): what was exchanged until then, the request
/// that could not be sent, and the error.
#[derive(Debug)]
pub struct Interrupted<E> {
    /// The exchanges completed before the failure.
    pub exchanges: Vec<Exchange>,
    /// The request whose sending failed.
    pub request: Outgoing,
    /// The sender's error.
    pub error: E,
}

/// A browser's fetch of one [`PageRequest`], driven by the caller.
///
/// ```
/// use cors_core::client::{ExchangeKind, Fetch, PageRequest, Response};
///
/// let request = PageRequest::builder("https://app.example", "https://api.example/items")
///     .method("DELETE")
///     .build()
///     .unwrap();
/// let mut fetch = Fetch::new(request);
///
/// let preflight = fetch.next_request().unwrap();
/// assert_eq!(preflight.kind, ExchangeKind::Preflight);
/// assert_eq!(preflight.header("access-control-request-method"), Some(&b"DELETE"[..]));
/// fetch.receive(
///     Response::new(204)
///         .header("Access-Control-Allow-Origin", "https://app.example")
///         .header("Access-Control-Allow-Methods", "DELETE"),
/// );
///
/// let actual = fetch.next_request().unwrap();
/// assert_eq!(actual.method, "DELETE");
/// fetch.receive(Response::new(200).header("Access-Control-Allow-Origin", "https://app.example"));
///
/// assert!(fetch.next_request().is_none());
/// assert!(fetch.verdict().unwrap().is_allowed());
/// ```
#[derive(Clone, Debug)]
pub struct Fetch {
    request: PageRequest,
    first_url: super::url::Url,
    pending: Option<Outgoing>,
    exchanges: Vec<Exchange>,
    verdict: Option<Verdict>,
    /// What the preflights' answers relied on.
    notes: Vec<Note>,
}

impl Fetch {
    /// Starts the fetch: the first request is the preflight when one is needed, else the
    /// request itself.
    pub fn new(request: PageRequest) -> Fetch {
        let first_url = request.url().clone();
        let pending = Some(next_outgoing(&request));
        Fetch { request, first_url, pending, exchanges: Vec::new(), verdict: None, notes: Vec::new() }
    }

    /// The request to send next, or `None` once there is a verdict.
    pub fn next_request(&self) -> Option<&Outgoing> {
        self.pending.as_ref()
    }

    /// The request as the browser now holds it (after any redirects).
    pub fn request(&self) -> &PageRequest {
        &self.request
    }

    /// Hands over the response to [`next_request`](Fetch::next_request).
    ///
    /// # Panics
    ///
    /// When there is no request pending (the verdict is in).
    pub fn receive(&mut self, response: Response) {
        let sent = self.pending.take().expect("Fetch::receive called with no request pending");
        let kind = sent.kind;
        let step = match kind {
            ExchangeKind::Preflight => check_preflight(&self.request, &response).map(|()| {
                self.notes.extend(preflight_notes(&self.request, &response));
                None
            }),
            ExchangeKind::Actual => self.after_actual(&response),
        };
        let status = response.status();
        self.exchanges.push(Exchange { request: sent, response });
        match step {
            Err(reason) => self.verdict = Some(Verdict::Blocked(self.blocked(reason))),
            Ok(Some(next)) => self.pending = Some(next),
            Ok(None) if kind == ExchangeKind::Preflight => self.pending = Some(self.request.actual_request()),
            Ok(None) => {
                self.verdict = Some(Verdict::Allowed(Allowed {
                    status,
                    url: self.request.url().clone(),
                    cors: self.request.tainting() == Tainting::Cors,
                    notes: std::mem::take(&mut self.notes),
                }))
            }
        }
    }

    /// The CORS check when CORS applies, then the redirect, if any: `Ok(Some)` for the next
    /// request to send, `Ok(None)` when this response is the one the page gets.
    fn after_actual(&mut self, response: &Response) -> Result<Option<Outgoing>, Reason> {
        if self.request.tainting() == Tainting::Cors {
            cors_check(response, self.request.serialized_origin(), self.request.credentials())
                .map_err(Reason::Cors)?;
        }
        match follow_redirect(&self.request, response)? {
            Some(next) => {
                self.request = next;
                Ok(Some(next_outgoing(&self.request)))
            }
            None => Ok(None),
        }
    }

    fn blocked(&self, reason: Reason) -> Blocked {
        let url = self.request.url().clone();
        let redirected_from = (self.request.redirect_count() > 0).then(|| self.first_url.clone());
        Blocked {
            reason,
            url,
            redirected_from,
            page_origin: self.request.origin().to_string(),
            request_origin: self.request.serialized_origin().to_string(),
            method: self.request.method().to_string(),
            credentials: self.request.credentials().is_include(),
        }
    }

    /// The exchanges so far.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The verdict, once there is one.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Runs the whole fetch with `send`, which puts one request on the wire and returns the
    /// response (without following redirects itself).
    pub fn run<E>(
        request: PageRequest,
        mut send: impl FnMut(&Outgoing) -> Result<Response, E>,
    ) -> Result<Report, Box<Interrupted<E>>> {
        let mut fetch = Fetch::new(request);
        while let Some(request) = fetch.next_request().cloned() {
            match send(&request) {
                Ok(response) => fetch.receive(response),
                Err(error) => {
                    return Err(Box::new(Interrupted { exchanges: fetch.exchanges, request, error }))
                }
            }
        }
        let verdict = fetch.verdict.expect("no request pending means a verdict");
        Ok(Report { exchanges: fetch.exchanges, verdict })
    }
}

fn next_outgoing(request: &PageRequest) -> Outgoing {
    if request.needs_preflight() {
        request.preflight_request()
    } else {
        request.actual_request()
    }
}
