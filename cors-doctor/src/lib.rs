//! `cors-doctor`: will the browser let my frontend read this API?
//!
//! ```
//! use cors_core::client::{Outgoing, PageRequest, Response};
//! use cors_doctor::{diagnose, render, NetworkError};
//!
//! // The page at https://app.example sends a JSON PUT to the API.
//! let request = PageRequest::builder("https://app.example", "https://api.example/items")
//!     .method("PUT")
//!     .header("Content-Type", "application/json")
//!     .build()
//!     .unwrap();
//!
//! // A stand-in for the network: this server forgot PUT in its preflight answer.
//! let mut server = |sent: &Outgoing| -> Result<Response, NetworkError> {
//!     Ok(Response::new(204)
//!         .header("Access-Control-Allow-Origin", "https://app.example")
//!         .header("Access-Control-Allow-Methods", "GET, POST")
//!         .header("Access-Control-Allow-Headers", "content-type"))
//! };
//!
//! let diagnosis = diagnose(request, &mut server);
//! assert_eq!(diagnosis.exit_code(), 1);
//! assert_eq!(diagnosis.exchanges().len(), 1); // the PUT itself is never sent
//! let text = render::text(&diagnosis);
//! assert!(text.contains("Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."));
//! assert!(text.contains("Fix: Allow PUT"));
//! ```
//!
//! The browser's side of CORS — whether a preflight is needed, the CORS check, the preflight's
//! checks, redirects, and the verdict's words — is `cors_core::client`, which does no I/O. This
//! crate adds the command line ([`Args`]), the network ([`HttpTransport`], behind the
//! [`Transport`] trait so tests and other tools can answer in-process), the rendering
//! ([`render`]) and [`run`], which ties them together and gives the exit status; the binary
//! only parses arguments, calls [`run`] and prints.

#![warn(missing_docs)]

use std::time::Duration;

use cors_core::client::{Exchange, Fetch, Outgoing, PageRequest, Report, Verdict};

pub mod cli;
pub mod render;
mod transport;

pub use cli::Args;
pub use transport::{HttpTransport, NetworkError, Transport};

/// The page could read the response.
pub const EXIT_ALLOWED: u8 = 0;
/// The browser would block the response.
pub const EXIT_BLOCKED: u8 = 1;
/// A usage error or a network error.
pub const EXIT_ERROR: u8 = 2;

/// What the doctor found for one page request.
#[derive(Clone, Debug)]
pub enum Diagnosis {
    /// Every request got its response, and there is a verdict.
    Done {
        /// The page's request, as built from the arguments.
        request: PageRequest,
        /// The exchanges and the verdict.
        report: Report,
    },
    /// A request could not be sent or got no response.
    NetworkError {
        /// The page's request, as built from the arguments.
        request: PageRequest,
        /// The exchanges completed before.
        exchanges: Vec<Exchange>,
        /// The request that failed.
        pending: Outgoing,
        /// Why.
        error: NetworkError,
    },
}

impl Diagnosis {
    /// The page's request.
    pub fn request(&self) -> &PageRequest {
        match self {
            Diagnosis::Done { request, .. } | Diagnosis::NetworkError { request, .. } => request,
        }
    }

    /// Every completed exchange, in order.
    pub fn exchanges(&self) -> &[Exchange] {
        match self {
            Diagnosis::Done { report, .. } => &report.exchanges,
            Diagnosis::NetworkError { exchanges, .. } => exchanges,
        }
    }

    /// The verdict, unless the network failed.
    pub fn verdict(&self) -> Option<&Verdict> {
        match self {
            Diagnosis::Done { report, .. } => Some(&report.verdict),
            Diagnosis::NetworkError { .. } => None,
        }
    }

    /// [`EXIT_ALLOWED`], [`EXIT_BLOCKED`] or, for a network error, [`EXIT_ERROR`].
    pub fn exit_code(&self) -> u8 {
        match self.verdict() {
            Some(v) if v.is_allowed() => EXIT_ALLOWED,
            Some(_) => EXIT_BLOCKED,
            None => EXIT_ERROR,
        }
    }
}

/// Sends what the browser would send for `request` through `transport` — the preflight when one
/// is needed, then the request, following redirects as the browser does — and returns the
/// exchanges and the verdict.
pub fn diagnose(request: PageRequest, transport: &mut dyn Transport) -> Diagnosis {
    match Fetch::run(request.clone(), |out: &Outgoing| transport.send(out)) {
        Ok(report) => Diagnosis::Done { request, report },
        Err(interrupted) => {
            let interrupted = *interrupted;
            Diagnosis::NetworkError {
                request,
                exchanges: interrupted.exchanges,
                pending: interrupted.request,
                error: interrupted.error,
            }
        }
    }
}

/// What the command prints and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// For standard output.
    pub stdout: String,
    /// For standard error.
    pub stderr: String,
    /// The exit status: [`EXIT_ALLOWED`], [`EXIT_BLOCKED`] or [`EXIT_ERROR`].
    pub code: u8,
}

/// The whole command after argument parsing: checks the page request (usage errors exit 2),
/// diagnoses it through `transport`, and renders text or JSON. A usage or network error's
/// reason also goes to standard error.
pub fn run(args: &Args, transport: &mut dyn Transport) -> Output {
    let request = match args.page_request() {
        Ok(request) => request,
        Err(messages) => {
            let stderr: String = messages.iter().map(|m| format!("cors-doctor: {m}\n")).collect();
            let stdout =
                if args.json { format!("{}\n", render::usage_json(&messages)) } else { String::new() };
            return Output { stdout, stderr, code: EXIT_ERROR };
        }
    };
    let diagnosis = diagnose(request, transport);
    let stdout =
        if args.json { format!("{:#}\n", render::json(&diagnosis)) } else { render::text(&diagnosis) };
    let stderr = match &diagnosis {
        Diagnosis::NetworkError { error, .. } => format!("cors-doctor: network error: {error}\n"),
        Diagnosis::Done { .. } => String::new(),
    };
    Output { stdout, stderr, code: diagnosis.exit_code() }
}

/// The transport the binary uses for `args`: HTTP(S) with `--timeout` per exchange.
pub fn http_transport(args: &Args) -> HttpTransport {
    HttpTransport::new(Duration::from_secs(args.timeout.max(1)))
}
