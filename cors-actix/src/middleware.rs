//! The `Cors` transform and its service: parse the request, ask the governing policy, write
//! headers.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::HeaderValue;
use actix_web::{Error, HttpResponse};
use cors_core::{ClientValue, ConfigErrors, Policy, RequestKind};
use pin_project_lite::pin_project;

use crate::layers::{self, Governing};
use crate::request;
use crate::response::{self, Pending};

/// Where a `Cors` is attached, which decides how it finds the governing policy.
#[derive(Clone, Debug)]
pub(crate) enum Level {
    /// `.wrap(Cors::..)` on the app (or anywhere): looks for more specific policies.
    Plain,
    /// Attached with [`ScopeExt::cors`](crate::ScopeExt::cors): registered (under this marker
    /// name), looks for handlers and nested scopes inside it.
    Scope(Option<String>),
    /// A handler's own layer (`#[cors]`): nothing is more specific.
    Handler,
}

impl Level {
    /// The name shown in the startup log.
    fn name(&self) -> &'static str {
        match self {
            Level::Plain => "Plain",
            Level::Scope(_) => "Scope",
            Level::Handler => "Handler",
        }
    }
}

/// A named policy, declared with `#[derive(CorsPolicy)]` and checked at compile time.
///
/// `Cors::from(PartnerPolicy)` and `#[cors(policy = PartnerPolicy)]` use it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a named CORS policy",
    label = "declare it with #[derive(CorsPolicy)] and a #[cors(..)] attribute"
)]
pub trait NamedPolicy {
    /// The policy. Building it cannot fail: the derive validated it at compile time.
    fn policy() -> Policy;
}

/// The CORS middleware for actix-web.
///
/// Build it once (outside `HttpServer::new`'s closure if you like: it is `Clone + Send`), then
/// `.wrap()` the app with it, attach it to a scope with [`ScopeExt::cors`](crate::ScopeExt::cors),
/// or let `#[cors]` attach one to a handler. The most specific policy governs each request alone.
#[derive(Clone)]
pub struct Cors {
    own: Governing,
    level: Level,
    misplaced: Arc<Once>,
}

impl Cors {
    /// A middleware for this policy.
    pub fn new(policy: Policy) -> Cors {
        Cors::at(Governing::Policy(policy), Level::Plain)
    }

    pub(crate) fn at(own: Governing, level: Level) -> Cors {
        Cors { own, level, misplaced: Arc::new(Once::new()) }
    }

    pub(crate) fn with_level(mut self, level: Level) -> Cors {
        self.level = level;
        self
    }

    /// Reads the policy from `CORS_*` variables; panics at startup, before the server binds,
    /// with a message naming each variable, its value and the fix.
    ///
    /// # Panics
    ///
    /// When the configuration is invalid. Use [`try_from_env`](Self::try_from_env) to handle
    /// the error yourself.
    pub fn from_env() -> Cors {
        Cors::from_env_prefixed(cors_core::DEFAULT_PREFIX)
    }

    /// Like [`from_env`](Self::from_env), returning the errors instead of panicking.
    pub fn try_from_env() -> Result<Cors, ConfigErrors> {
        Cors::try_from_env_prefixed(cors_core::DEFAULT_PREFIX)
    }

    /// Reads `{prefix}_*` variables, e.g. `from_env_prefixed("MYAPP_CORS")`; panics like
    /// [`from_env`](Self::from_env).
    ///
    /// # Panics
    ///
    /// When the configuration is invalid.
    pub fn from_env_prefixed(prefix: &str) -> Cors {
        match Cors::try_from_env_prefixed(prefix) {
            Ok(cors) => cors,
            Err(errors) => panic!("{errors}"),
        }
    }

    /// Like [`from_env_prefixed`](Self::from_env_prefixed), returning the errors.
    pub fn try_from_env_prefixed(prefix: &str) -> Result<Cors, ConfigErrors> {
        Policy::from_env_prefixed(prefix).map(Cors::new)
    }

    /// The policy this layer applies when nothing more specific governs (`None` when disabled).
    pub fn policy(&self) -> Option<&Policy> {
        match &self.own {
            Governing::Policy(p) => Some(p),
            Governing::Disabled => None,
        }
    }

    /// Logs the effective policy and its warnings once per process, however many workers
    /// build this layer and whether the `Cors` was made once or inside the server's closure.
    fn log_startup(&self) {
        static ANNOUNCED: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let Governing::Policy(policy) = &self.own else {
            return;
        };
        let line = format!("{}: {policy}", self.level.name());
        let mut announced = ANNOUNCED.lock().unwrap_or_else(PoisonError::into_inner);
        if announced.contains(&line) {
            return;
        }
        announced.push(line);
        drop(announced);
        tracing::info!(target: "cors", level = self.level.name(), "CORS policy: {policy}");
        for warning in policy.warnings() {
            tracing::warn!(target: "cors", "CORS configuration: {warning}");
        }
    }
}

impl From<Policy> for Cors {
    fn from(policy: Policy) -> Cors {
        Cors::new(policy)
    }
}

impl<P: NamedPolicy> From<P> for Cors {
    fn from(_: P) -> Cors {
        Cors::new(P::policy())
    }
}

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        self.log_startup();
        std::future::ready(Ok(CorsMiddleware {
            service: Rc::new(service),
            own: self.own.clone(),
            level: self.level.clone(),
            misplaced: self.misplaced.clone(),
            markers: layers::any_markers(),
            expose: self
                .policy()
                .and_then(Policy::exposed_headers_value)
                .and_then(|b| HeaderValue::from_maybe_shared(b.clone()).ok()),
        }))
    }
}

/// The service `Cors` wraps around the next one.
pub struct CorsMiddleware<S> {
    service: Rc<S>,
    own: Governing,
    level: Level,
    misplaced: Arc<Once>,
    /// The own policy's `Access-Control-Expose-Headers`, converted once.
    expose: Option<HeaderValue>,
    /// Whether the app registered any marker (handler or scope policy) to look up.
    markers: bool,
}

impl<S> CorsMiddleware<S> {
    /// The policy governing a request for `method` here: a more specific one found through the
    /// markers, or this layer's own.
    fn governing(&self, req: &ServiceRequest, method: &[u8]) -> Option<Governing> {
        match self.level {
            _ if !self.markers => None,
            Level::Handler => None,
            Level::Plain => layers::lookup(req.resource_map(), req.path(), method, None),
            // A scope's own marker is not more specific than the scope.
            Level::Scope(ref own) => layers::lookup(req.resource_map(), req.path(), method, own.as_deref()),
        }
    }
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // A plain layer that routing reached through a scope or resource was attached there with
        // `.wrap(..)`, where no outer CORS layer can see it.
        if matches!(self.level, Level::Plain) && req.match_info().unprocessed().len() < req.path().len() {
            self.misplaced.call_once(|| {
                tracing::warn!(
                    target: "cors",
                    path = %ClientValue(req.path().as_bytes()),
                    "a `Cors` attached with `.wrap(..)` to a scope or resource is invisible to an \
                     app-wide CORS layer, which would answer this scope's preflights with its own policy. \
                     Attach scope policies with `.cors(policy)` (cors_actix::ScopeExt) and handler \
                     policies with #[cors]."
                )
            });
        }
        let head = req.head();
        let mut incoming = request::read(head);
        if incoming.cors.is_preflight() {
            let cors_request = &mut incoming.cors;
            let found = self.governing(&req, request::requested_method(cors_request));
            let governing = found.as_ref().unwrap_or(&self.own);
            let policy = match governing {
                Governing::Disabled => {
                    log_refusal(&req, "CORS is disabled for this handler");
                    return CorsFuture::answer(req, response::refused_disabled());
                }
                Governing::Policy(p) => p,
            };
            cors_request.request_private_network =
                policy.allows_private_network() && request::private_network_requested(head);
            let decision = policy.decide(cors_request);
            if let Some(reason) = decision.reason() {
                log_refusal(&req, reason);
            }
            if policy.preflight_continue() {
                let pending = Pending::new(&decision, &head.headers, incoming.origin, None);
                drop(decision);
                return CorsFuture::forward(self.service.call(req), pending);
            }
            let res = response::preflight(&decision, &head.headers, incoming.origin);
            drop(decision);
            return CorsFuture::answer(req, res);
        }

        let policy = match &self.own {
            // Non-CORS for this handler: mark the response so outer layers leave it alone.
            Governing::Disabled => return CorsFuture::forward(self.service.call(req), Pending::disabled()),
            Governing::Policy(p) => p,
        };
        let decision = policy.decide(&incoming.cors);
        let refused = decision.kind() != RequestKind::NotCors && !decision.is_allowed();
        if refused
            && policy.blocks_disallowed()
            && self.governing(&req, head.method.as_str().as_bytes()).is_none()
        {
            let vary = decision.vary();
            if let Some(reason) = decision.reason() {
                log_refusal(&req, reason);
            }
            drop(decision);
            return CorsFuture::answer(req, response::blocked(vary));
        }
        let mut pending = Pending::new(&decision, &head.headers, incoming.origin, self.expose.as_ref());
        if refused && tracing::enabled!(target: "cors", tracing::Level::DEBUG) {
            if let Some(reason) = decision.reason() {
                pending.refusal = Some(Box::new(refusal_line(&req, reason)));
            }
        }
        drop(decision);
        CorsFuture::forward(self.service.call(req), pending)
    }
}

/// The fields of one refusal, kept until the layer that decides the response logs them.
pub(crate) struct RefusalLog {
    origin: String,
    method: String,
    path: String,
    reason: String,
}

impl RefusalLog {
    pub(crate) fn emit(&self) {
        tracing::debug!(
            target: "cors",
            origin = %self.origin,
            method = %self.method,
            path = %self.path,
            reason = %self.reason,
            "CORS request refused: {}",
            self.reason
        );
    }
}

fn refusal_line(req: &ServiceRequest, reason: impl std::fmt::Display) -> RefusalLog {
    let head = req.head();
    let origin = head.headers.get(actix_web::http::header::ORIGIN).map(|v| v.as_bytes()).unwrap_or_default();
    RefusalLog {
        origin: ClientValue(origin).to_string(),
        method: ClientValue(head.method.as_str().as_bytes()).to_string(),
        path: ClientValue(req.path().as_bytes()).to_string(),
        reason: reason.to_string(),
    }
}

fn log_refusal(req: &ServiceRequest, reason: impl std::fmt::Display) {
    if tracing::enabled!(target: "cors", tracing::Level::DEBUG) {
        refusal_line(req, reason).emit();
    }
}

pin_project! {
    /// The response future of [`CorsMiddleware`].
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        // Answered here, without calling the next service.
        Answered { res: Option<ServiceResponse<BoxBody>>, _body: std::marker::PhantomData<B> },
        // Waiting for the next service; its response (or error response) gets these headers.
        Forwarded { #[pin] fut: F, pending: Option<Pending> },
    }
}

impl<F, B> CorsFuture<F, B> {
    fn answer(req: ServiceRequest, res: HttpResponse) -> Self {
        CorsFuture {
            state: State::Answered { res: Some(req.into_response(res)), _body: std::marker::PhantomData },
        }
    }

    fn forward(fut: F, pending: Pending) -> Self {
        CorsFuture { state: State::Forwarded { fut, pending: Some(pending) } }
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
    B: MessageBody,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Answered { res, .. } => {
                Poll::Ready(Ok(res.take().expect("CorsFuture polled after completion").map_into_right_body()))
            }
            StateProj::Forwarded { fut, pending } => {
                let result = std::task::ready!(fut.poll(cx));
                let pending = pending.take().expect("CorsFuture polled after completion");
                Poll::Ready(match result {
                    Ok(mut res) => {
                        pending.apply(res.response_mut());
                        Ok(res.map_into_left_body())
                    }
                    Err(mut error) => {
                        // The dispatcher builds the error's response later; decorate it then.
                        error.add_response_mapper(move |mut res| {
                            pending.apply(&mut res);
                            res
                        });
                        Err(error)
                    }
                })
            }
        }
    }
}
