//! The asynchronous origin check on the request path: the verdict for a request's origin under
//! the runtime's timer, the credentials probe before the first lookup, and a warning when the
//! check fails. The cache and the sharing of one call between requests are cors-core's.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::ServiceRequest;
use actix_web::rt::time::timeout;
use cors_core::{Checked, ClientValue, OriginCheck, Policy};

use crate::request;

/// The check's verdict for `req`'s origin, or `None` when `policy` decides it alone. Never
/// blocks the thread: the lookup is awaited, and bounded by the check's timeout.
pub(crate) async fn verdict(policy: &Policy, req: &ServiceRequest) -> Option<Checked> {
    let incoming = request::read(req.head());
    let (check, origin) = policy.origin_to_check(&incoming.cors)?;
    if check.needs_probe() {
        // A policy installed by a reload, which no server start probed.
        if let Err(errors) = probe(check).await {
            tracing::error!(target: "cors", "{errors}");
        }
    }
    let checked = timeout(check.timeout(), check.verdict(origin))
        .await
        .unwrap_or_else(|_| Checked::timed_out(check.timeout()));
    if let Checked::Failed(reason) = &checked {
        tracing::warn!(target: "cors", origin = %ClientValue(origin), "CORS origin check failed: {reason}");
    }
    Some(checked)
}

/// Runs the check's credentials probe, each call under the check's timeout.
pub(crate) async fn probe(check: &OriginCheck) -> Result<(), cors_core::ConfigErrors> {
    let limit = check.timeout();
    check
        .probe(|call: Pin<Box<dyn Future<Output = Result<bool, String>>>>| async move {
            timeout(limit, call).await.ok()
        })
        .await
}
