//! Attaching a policy to a scope so that an outer CORS layer finds it before routing.

use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::guard::Guard;
use actix_web::{Error, Scope};

use crate::middleware::Cors;
use crate::precedence::registry::ScopeLocator;
use crate::precedence::Level;

/// Adds [`cors`](ScopeExt::cors) and [`cors_guarded`](ScopeExt::cors_guarded) to actix-web's
/// `Scope`.
///
/// `web::scope("/partner").cors(PartnerPolicy)` wraps the scope in the policy *and* registers it
/// where an app-wide `Cors` finds it before routing, so that layer answers this scope's
/// preflights with this policy and writes this policy's headers on its responses, whatever
/// middleware sits between them. (`web::scope(..).wrap(Cors::from(..))` would apply the policy
/// inside the scope only; an app-wide `Cors` cannot see a plain `wrap`, and a warning says so at
/// startup.)
///
/// Call `.cors(..)` last, after the scope's other `wrap`s: without an app-wide `Cors`, this layer
/// is the first CORS layer requests meet, and a scope middleware wrapped outside it would see
/// preflights first.
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

    /// Guards this scope with `guard` (as `Scope::guard` does) and governs it with `policy`.
    ///
    /// Use it for scopes that share a prefix and are told apart by guards, such as virtual
    /// hosts: an app-wide `Cors` evaluates the same guard before routing, so it knows which
    /// scope's policy answers a preflight. A guard given with `.guard(..)` is invisible to it:
    /// preflights under scope policies told apart that way are refused as ambiguous (and a
    /// warning says so at startup).
    ///
    /// ```
    /// use actix_web::{guard, web, App, HttpResponse};
    /// use cors_actix::{Cors, Policy, ScopeExt};
    ///
    /// let a = Policy::builder().allow_origin("https://a.example").build().unwrap();
    /// let b = Policy::builder().allow_origin("https://b.example").build().unwrap();
    /// let _app = App::new()
    ///     .service(
    ///         web::scope("/api")
    ///             .route("/x", web::get().to(HttpResponse::Ok))
    ///             .cors_guarded(guard::Host("api.a.example"), a),
    ///     )
    ///     .service(
    ///         web::scope("/api")
    ///             .route("/x", web::get().to(HttpResponse::Ok))
    ///             .cors_guarded(guard::Host("api.b.example"), b),
    ///     )
    ///     .wrap(Cors::inner_only());
    /// ```
    fn cors_guarded(
        self,
        guard: impl Guard + 'static,
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
        attach(self, policy.into(), None)
    }

    fn cors_guarded(
        self,
        guard: impl Guard + 'static,
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
        let guard: Rc<dyn Guard> = Rc::new(guard);
        attach(self.guard(guard.clone()), policy.into(), Some(guard))
    }
}

/// Registers the scope's marker with its services and wraps it in its own layer.
fn attach<T, B>(
    scope: Scope<T>,
    cors: Cors,
    guard: Option<Rc<dyn Guard>>,
) -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<B, BoxBody>>,
        Error = Error,
        InitError = (),
    >,
>
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
    let locator = ScopeLocator::new(cors.shared().clone(), guard);
    let id = locator.id();
    scope.configure(move |cfg| locator.configure(cfg)).wrap(cors.at_level(Level::Scope(id)))
}
