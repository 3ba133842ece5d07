//! Refusals in the server's log: target `cors`, level debug, the client's values escaped and
//! truncated, the reason stated once.

use std::fmt::Display;
use std::rc::Rc;

use actix_web::dev::ServiceRequest;
use actix_web::http::header::ORIGIN;
use cors_core::{ClientValue, Decision, RequestKind};

/// Whether refusals are logged at all (a subscriber listens to target `cors` at debug).
fn enabled() -> bool {
    tracing::enabled!(target: "cors", tracing::Level::DEBUG)
}

/// One refusal's log line, kept until the response shows which layer's decision governs it.
#[derive(Debug)]
pub(crate) struct RefusalLog {
    origin: String,
    method: String,
    path: String,
    reason: String,
}

impl RefusalLog {
    fn of(req: &ServiceRequest, reason: &dyn Display) -> RefusalLog {
        let head = req.head();
        let origin = head.headers.get(ORIGIN).map(|v| v.as_bytes()).unwrap_or_default();
        RefusalLog {
            origin: ClientValue(origin).to_string(),
            method: ClientValue(head.method.as_str().as_bytes()).to_string(),
            path: ClientValue(req.path().as_bytes()).to_string(),
            reason: reason.to_string(),
        }
    }

    /// The line of an actual request `decision` refuses, to log once the response exists; built
    /// only when refusals are logged.
    #[inline]
    pub(crate) fn pending(req: &ServiceRequest, decision: &Decision<'_>) -> Option<Rc<RefusalLog>> {
        if decision.refusal().is_none() || decision.kind() != RequestKind::Actual || !enabled() {
            return None;
        }
        decision.reason().map(|reason| Rc::new(RefusalLog::of(req, &reason)))
    }

    pub(crate) fn emit(&self) {
        tracing::debug!(
            target: "cors",
            origin = %self.origin,
            method = %self.method,
            path = %self.path,
            "CORS request refused: {}",
            self.reason
        );
    }
}

/// Logs a refusal decided here and now.
pub(crate) fn log(req: &ServiceRequest, reason: impl Display) {
    if enabled() {
        RefusalLog::of(req, &reason).emit();
    }
}

/// Logs the refusal of `decision`, if it is one.
pub(crate) fn log_decision(req: &ServiceRequest, decision: &Decision<'_>) {
    if let Some(reason) = decision.reason() {
        log(req, reason);
    }
}
