//! The asynchronous origin check on the request path: the verdict for a request's origin under
//! the runtime's timer, the credentials probe before the first lookup, and a warning when the
//! check fails. The caches and the sharing of one call between requests are cors-core's.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::ServiceRequest;
use actix_web::rt::time::timeout;
use cors_core::{Checked, ClientValue, OriginCheck, Policy};

use crate::precedence::{Governed, Governing};
use crate::request::{self, Incoming};

/// What the request path knows of a request's origin check before awaiting anything.
pub(crate) enum Known {
    /// The policy decides alone (no check, or the lists, patterns or predicate answer).
    NotNeeded,
    /// This thread holds a live verdict.
    Cached(Checked),
    /// Await [`verdict`].
    Ask,
}

/// Whether `governed`'s policy needs its origin check for `incoming`, and the verdict when this
/// thread has it: the cached path stays synchronous, like the rest of the request path.
#[inline]
pub(crate) fn known(governed: &Governed, incoming: &Incoming<'_>) -> Known {
    let Governing::Policy(policy) = &governed.governing else { return Known::NotNeeded };
    match policy.origin_to_check(&incoming.cors) {
        None => Known::NotNeeded,
        Some((check, origin)) => match check.cached(origin) {
            Some(true) => Known::Cached(Checked::Allowed),
            Some(false) => Known::Cached(Checked::Denied),
            None => Known::Ask,
        },
    }
}

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
