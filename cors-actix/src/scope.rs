//! Attaching a policy to a scope so that outer CORS layers defer to it.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{Error, Scope};

use crate::layers;
use crate::middleware::{Cors, Level};

/// Adds [`cors`](ScopeExt::cors) to actix-web's `Scope`.
///
/// `web::scope("/partner").cors(PartnerPolicy)` wraps the scope in the policy *and* registers
/// it where an app-wide `Cors` finds it before routing, so that layer leaves this scope's
/// preflights to it. (`web::scope(..).wrap(Cors::from(..))` also applies the policy, but an
/// app-wide `Cors` cannot see a plain `wrap` and would answer this scope's preflights itself; a
/// warning is logged on the first request that reaches such a layer.)
///
/// Call `.cors(..)` after the scope's other `wrap`s, so that it is the scope's outermost
/// middleware and no scope middleware sees a preflight first.
pub trait ScopeExt<B> {
    /// Governs this scope with `policy`.
    fn cors(
        self,
        policy: impl Into<Cors>,
    ) -> Scope<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<EitherBody<B, BoxBody>>,
            Error = Error,
            InitError = (),
        >,
    >;
}

impl<T, B> ScopeExt<B> for Scope<T>
where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = Error,
            InitError = (),
        > + 'static,
    T::Service: 'static,
    B: MessageBody + 'static,
{
    fn cors(
        self,
        policy: impl Into<Cors>,
    ) -> Scope<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<EitherBody<B, BoxBody>>,
            Error = Error,
            InitError = (),
        >,
    > {
        let cors = policy.into();
        let (scope, own) = match cors.policy() {
            Some(policy) => {
                let (name, pattern) = layers::scope_marker(policy);
                let own = name.clone();
                // External resources come first in the scope's resource map whatever the order
                // of `service` calls, so no resource of the scope can shadow the marker.
                let scope = self.configure(|cfg| {
                    cfg.external_resource(name, pattern);
                });
                (scope, Some(own))
            }
            None => (self, None),
        };
        scope.wrap(cors.with_level(Level::Scope(own)))
    }
}
