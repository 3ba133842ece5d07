//! The `Cors` transform and its service. The request path is one straight line: read the request,
//! resolve the governing policy, decide, write the headers.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use arc_swap::ArcSwap;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{RequestHead, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{Error, HttpResponse};
use cors_core::{
    Action, Checked, ConfigErrors, CorsRequest, Decision, Field, Policy, PolicyConfig, RequestKind, Vary,
};
use futures_util::future::LocalBoxFuture;
use pin_project_lite::pin_project;

use crate::announce;
use crate::origin_check;
use crate::precedence::table::Table;
use crate::precedence::{self, registry, Governed, Governing, Level, Reached, Shared};
use crate::refusal::{self, RefusalLog};
use crate::request::{self, HeaderLines, Incoming};
use crate::response::{self, Grant, Sources};

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
    own: Shared,
    level: Level,
}

impl Cors {
    /// A middleware for this policy.
    pub fn new(policy: Policy) -> Cors {
        Cors::at(Governing::Policy(policy), Level::Plain)
    }

    /// An app-wide layer with no policy of its own: it answers the preflights of `#[cors]`
    /// handlers and `.cors(..)` scopes before any of your middleware runs (an auth layer, say),
    /// and writes their headers on every response, but leaves every other request untouched, as
    /// if there were no CORS layer at all.
    ///
    /// ```
    /// use actix_web::{get, web, App, Responder};
    /// use cors_actix::{cors, Cors};
    ///
    /// #[cors(origin = "https://myapp.com", methods(DELETE))]
    /// #[actix_web::delete("/items/{id}")]
    /// async fn delete_item() -> impl Responder {
    ///     "deleted"
    /// }
    ///
    /// let _app = App::new()
    ///     .service(delete_item)
    ///     .wrap(actix_web::middleware::Logger::default()) // runs for everything but preflights
    ///     .wrap(Cors::inner_only());
    /// ```
    pub fn inner_only() -> Cors {
        Cors::at(Governing::Nothing, Level::Plain)
    }

    pub(crate) fn at(own: Governing, level: Level) -> Cors {
        Cors { own: Shared::fixed(own), level }
    }

    /// A middleware for `policy` and the handle that replaces it while the app runs: requests
    /// read the policy without a lock, and each finishes under the one it started with.
    ///
    /// ```
    /// use actix_web::{web, App, HttpResponse};
    /// use cors_actix::{Cors, Policy};
    ///
    /// let policy = Policy::builder().allow_origin("https://a.example").build().unwrap();
    /// let (cors, reload) = Cors::reloadable(policy);
    /// let _app = App::new().route("/", web::get().to(HttpResponse::Ok)).wrap(cors);
    ///
    /// // Later, e.g. when the list of tenants changes:
    /// let mut config = reload.policy().config().clone();
    /// config.allowed_origins.push("https://b.example".into());
    /// reload.replace_config(&config).unwrap();
    /// assert!(reload.policy().allows_origin(b"https://b.example"));
    ///
    /// // An invalid configuration is refused, and the running policy stays.
    /// config.allowed_origins.push("https://b.example/".into());
    /// assert!(reload.replace_config(&config).is_err());
    /// assert!(reload.policy().allows_origin(b"https://b.example"));
    /// ```
    ///
    /// The handle works for an app-wide `Cors` and for a scope's (`web::scope(..).cors(cors)`).
    /// A `#[cors]` handler's policy is compiled in and cannot be replaced.
    pub fn reloadable(policy: Policy) -> (Cors, Reload) {
        let swap = Arc::new(ArcSwap::from_pointee(Governed::new(Governing::Policy(policy.clone()))));
        let reload = Reload { swap: swap.clone(), policy: Arc::new(ArcSwap::from_pointee(policy)) };
        (Cors { own: Shared::Swap(swap), level: Level::Plain }, reload)
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.own
    }

    pub(crate) fn at_level(mut self, level: Level) -> Cors {
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

    /// The policy this layer applies when nothing more specific governs (`None` for
    /// [`inner_only`](Self::inner_only) and disabled handlers); for a reloadable layer, the
    /// current one.
    pub fn policy(&self) -> Option<Policy> {
        match &self.own.load().governing {
            Governing::Policy(p) => Some(p.clone()),
            Governing::Disabled | Governing::Nothing => None,
        }
    }

    /// Logs the effective policy and its warnings once per process, however many workers
    /// build this layer and whether the `Cors` was made once or inside the server's closure.
    fn log_startup(&self) {
        let level = self.level.name();
        let own = self.own.load();
        let line = match &own.governing {
            Governing::Policy(policy) => format!("{level}: {policy}"),
            Governing::Nothing => format!("{level}: no policy of its own (handler and scope policies only)"),
            Governing::Disabled => return,
        };
        if !announce::first_time(&line) {
            return;
        }
        tracing::info!(target: "cors", level, "CORS policy: {}", line.split_once(": ").map_or("", |(_, p)| p));
        if let Governing::Policy(policy) = &own.governing {
            for warning in policy.warnings() {
                tracing::warn!(target: "cors", "CORS configuration: {warning}");
            }
        }
    }
}

/// Replaces the policy of a running app's [`Cors`] with a new, validated one
/// ([`Cors::reloadable`]). Cheap to clone and `Send`: keep it where the configuration changes
/// (a signal handler, an admin endpoint, a watcher of the tenants table).
#[derive(Clone)]
pub struct Reload {
    /// What requests read.
    swap: Arc<ArcSwap<Governed>>,
    /// The same policy, for [`policy`](Self::policy).
    policy: Arc<ArcSwap<Policy>>,
}

impl Reload {
    /// The policy requests get now.
    pub fn policy(&self) -> Policy {
        Policy::clone(&self.policy.load())
    }

    /// Replaces the policy. Requests already in flight finish under the old one; the next ones
    /// get this one, on every worker.
    pub fn replace(&self, policy: Policy) {
        tracing::info!(target: "cors", "CORS policy replaced: {policy}");
        for warning in policy.warnings() {
            tracing::warn!(target: "cors", "CORS configuration: {warning}");
        }
        self.policy.store(Arc::new(policy.clone()));
        self.swap.store(Arc::new(Governed::new(Governing::Policy(policy))));
    }

    /// Validates `config` and replaces the policy with it; on an error, the running policy stays
    /// and the errors say what to fix, as when a policy is built. The running policy's origin
    /// predicate and origin check, which a configuration cannot hold, are kept
    /// ([`Policy::with_config`]).
    pub fn replace_config(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        let policy = self.policy().with_config(config)?;
        self.replace(policy.clone());
        Ok(policy)
    }

    /// Reads `CORS_*` variables again and replaces the policy; on an error, the running policy
    /// stays. The origin predicate and origin check are kept, as by
    /// [`replace_config`](Self::replace_config).
    pub fn replace_from_env(&self) -> Result<Policy, ConfigErrors> {
        self.replace_from_env_prefixed(cors_core::DEFAULT_PREFIX)
    }

    /// Like [`replace_from_env`](Self::replace_from_env), with `{prefix}_*` variables.
    pub fn replace_from_env_prefixed(&self, prefix: &str) -> Result<Policy, ConfigErrors> {
        let policy = self.policy().with_env_prefixed(prefix)?;
        self.replace(policy.clone());
        Ok(policy)
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
    type Future = LocalBoxFuture<'static, Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        self.log_startup();
        // What this layer wraps, by actix-web's own type names (a diagnostic, pinned by a test).
        let inner = std::any::type_name::<S>();
        if self.level == Level::Plain && (inner.contains("ScopeService") || inner.contains("ResourceService"))
        {
            registry::note_plain_inner_layer();
            announce::warn_once(
                "a `Cors` is attached with `.wrap(..)` to a scope or resource, where an app-wide CORS \
                 layer cannot see it before routing: that layer would answer this scope's preflights \
                 with its own policy. Attach scope policies with `.cors(policy)` (cors_actix::ScopeExt) \
                 and handler policies with #[cors]",
            );
        }
        let lookups = self.level != Level::Handler && registry::any_live();
        if lookups {
            // This layer's app has registered its markers and finished its map: report now.
            registry::compile_finished();
        }
        let protocol = lookups || registry::plain_inner_layers();
        if protocol {
            registry::note_owner();
        }
        let middleware = CorsMiddleware {
            service: Rc::new(service),
            own: self.own.clone(),
            level: self.level,
            lookups,
            protocol,
            normalize: inner.contains("NormalizePathNormalization"),
            table: OnceCell::new(),
        };
        // With credentials, an origin check that allows origins no deployment allows stops the
        // server before it serves a request.
        let check = match &self.own.load().governing {
            Governing::Policy(policy) => policy.origin_check().filter(|c| c.needs_probe()).cloned(),
            Governing::Disabled | Governing::Nothing => None,
        };
        Box::pin(async move {
            if let Some(check) = check {
                if let Err(errors) = origin_check::probe(&check).await {
                    tracing::error!(target: "cors", "the server does not start: {errors}");
                    return Err(());
                }
            }
            Ok(middleware)
        })
    }
}

/// The service `Cors` wraps around the next one.
pub struct CorsMiddleware<S> {
    service: Rc<S>,
    own: Shared,
    level: Level,
    /// Whether the app may have handler or scope policies to look up.
    lookups: bool,
    /// Whether CORS layers may sit inside this one (handler or scope policies, or a plain layer
    /// on a scope): only then is the request marked as owned, for them to see.
    protocol: bool,
    /// Whether a `NormalizePath` inside rewrites paths before routing.
    normalize: bool,
    /// The app's table of handler and scope policies, found on the first request.
    table: OnceCell<Option<Rc<Table>>>,
}

impl<S> CorsMiddleware<S> {
    fn table(&self, req: &ServiceRequest) -> Option<&Table> {
        if !self.lookups {
            return None;
        }
        self.table.get_or_init(|| registry::table_for(req)).as_deref()
    }
}

/// Sets Private Network Access on a preflight's view when the policy grants it (the header is
/// only read then).
#[inline]
fn read_private_network(cors: &mut CorsRequest<'_, HeaderLines<'_>>, policy: &Policy, head: &RequestHead) {
    if cors.is_preflight() && policy.allows_private_network() {
        cors.request_private_network = request::private_network_requested(head);
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
        if precedence::is_owned(&req) {
            return self.call_reached(req);
        }
        // Read.
        let incoming = request::read(req.head());
        // Resolve.
        let resolved =
            precedence::resolve(self.table(&req), self.level, self.normalize, &req, &incoming.cors);
        let own = self.own.load();
        let Some(governed) = resolved.governed(&own) else {
            if incoming.cors.is_preflight() {
                refusal::log(&req, "the request's path is governed by several scope policies that only guards tell apart; see the startup warning");
                return CorsFuture::answer(req, response::refused());
            }
            // In case routing reaches no CORS layer: no grant, but the answer depended on the
            // origin.
            let grant = Grant::vary_only(Vary::ORIGIN);
            return self.forward(req, After::Own { grant, refusal: None, inner: self.protocol });
        };
        // Not CORS: nothing to decide, no origin to check, nothing to block; only `Vary`, as
        // cors-core gives it (a disabled handler's answer, which has none, goes through `judge`).
        if let (Field::Absent, Governing::Policy(policy)) = (incoming.cors.origin, &governed.governing) {
            let grant = Grant::vary_only(policy.vary_not_cors());
            return self.forward(req, After::Own { grant, refusal: None, inner: self.protocol });
        }
        let role = Role::Owner { may_block: resolved.is_certain() };
        let checked = match origin_check::known(governed, &incoming) {
            origin_check::Known::NotNeeded => None,
            origin_check::Known::Cached(checked) => Some(checked),
            origin_check::Known::Ask => return self.call_checked(req, governed.to_arc(), role),
        };
        // Decide. A preflight is answered before routing even when a registration the owner
        // cannot see past might take its path (that is reported); blocking waits for routing
        // then, and the layer routing reaches blocks.
        match judge(governed, &req, incoming, role, checked.as_ref()) {
            Judged::Answer(res) | Judged::AnswerForOwner(res, _) => CorsFuture::answer(req, res),
            // Write, once the response exists.
            Judged::Pass(grant, refusal) => {
                self.forward(req, After::Own { grant, refusal, inner: self.protocol })
            }
        }
    }
}

/// Which layer judges a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The first CORS layer: it writes the headers of whatever it answers; it blocks before
    /// routing only when routing cannot end up elsewhere.
    Owner { may_block: bool },
    /// A layer routing reached under an owner, which writes the headers.
    Reached,
}

/// What a policy makes of a request.
enum Judged {
    /// Answer here, as the owner: the response carries its headers.
    Answer(HttpResponse),
    /// Answer here, as a layer routing reached: the grant is what the owner writes on it.
    AnswerForOwner(HttpResponse, Grant),
    /// Pass the request on; write this on the response.
    Pass(Grant, Option<Rc<RefusalLog>>),
}

/// Decides `req` with the governing policy, in one place for every layer: preflights answered,
/// blocked requests refused, the grant of the rest.
///
/// `checked` is the asynchronous origin check's verdict, when the policy needed one.
#[inline]
fn judge(
    governed: &Governed,
    req: &ServiceRequest,
    mut incoming: Incoming<'_>,
    role: Role,
    checked: Option<&Checked>,
) -> Judged {
    let decision = match &governed.governing {
        Governing::Policy(policy) => {
            read_private_network(&mut incoming.cors, policy, req.head());
            policy.decide_checked(&incoming.cors, checked)
        }
        Governing::Disabled => Decision::disabled(&incoming.cors),
        Governing::Nothing => return Judged::Pass(Grant::default(), None),
    };
    let from =
        Sources { request: &req.head().headers, origin: incoming.origin, prebuilt: &governed.prebuilt };
    let preflight = decision.kind() == RequestKind::Preflight;
    if preflight {
        refusal::log_decision(req, &decision);
    }
    if let Action::Respond { status } = decision.action() {
        let may_answer = preflight || matches!(role, Role::Owner { may_block: true } | Role::Reached);
        if may_answer {
            if !preflight {
                refusal::log_decision(req, &decision);
            }
            return match role {
                Role::Owner { .. } => Judged::Answer(response::respond(status, &decision, from)),
                Role::Reached => Judged::AnswerForOwner(
                    response::respond_bare(status, &decision),
                    Grant::of(&decision, from),
                ),
            };
        }
    }
    Judged::Pass(Grant::of(&decision, from), RefusalLog::pending(req, &decision))
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    /// Passes the request on, marking it owned when CORS layers may sit inside.
    fn forward(&self, req: ServiceRequest, after: After) -> CorsFuture<S::Future, B> {
        if self.protocol {
            precedence::own(&req);
        }
        CorsFuture::forward(self.service.call(req), after)
    }

    /// A layer routing reached under an owner: it records its policy's grant for the owner to
    /// write, and answers here only what its policy answers before the handler (a preflight, a
    /// blocked request).
    fn call_reached(&self, req: ServiceRequest) -> CorsFuture<S::Future, B> {
        let own = self.own.load();
        if matches!(own.governing, Governing::Nothing) {
            return CorsFuture::forward(self.service.call(req), After::Nothing);
        }
        let incoming = request::read(req.head());
        let checked = match origin_check::known(&own, &incoming) {
            origin_check::Known::NotNeeded => None,
            origin_check::Known::Cached(checked) => Some(checked),
            origin_check::Known::Ask => return self.call_checked(req, own.to_arc(), Role::Reached),
        };
        match judge(&own, &req, incoming, Role::Reached, checked.as_ref()) {
            Judged::AnswerForOwner(res, grant) => {
                precedence::record_reached(&req, Reached { grant, refusal: None });
                CorsFuture::answer(req, res)
            }
            Judged::Answer(res) => CorsFuture::answer(req, res),
            Judged::Pass(grant, refusal) => {
                let reached = Reached { grant, refusal };
                precedence::record_reached(&req, reached.clone());
                CorsFuture::forward(self.service.call(req), After::Reached(reached))
            }
        }
    }
}

impl<S, B> CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    /// The same line as `call` and `call_reached` for a request whose origin only the
    /// asynchronous check can allow: await the verdict, then judge and forward as they do. The
    /// request keeps the policy it started with (`governed`), whatever a reload does meanwhile.
    fn call_checked(
        &self,
        req: ServiceRequest,
        governed: Arc<Governed>,
        role: Role,
    ) -> CorsFuture<S::Future, B> {
        let service = self.service.clone();
        let protocol = self.protocol;
        CorsFuture::checking(Box::pin(async move {
            let checked = match &governed.governing {
                Governing::Policy(policy) => origin_check::verdict(policy, &req).await,
                Governing::Disabled | Governing::Nothing => None,
            };
            let incoming = request::read(req.head());
            let after = match judge(&governed, &req, incoming, role, checked.as_ref()) {
                Judged::AnswerForOwner(res, grant) => {
                    precedence::record_reached(&req, Reached { grant, refusal: None });
                    return Ok(req.into_response(res).map_into_right_body());
                }
                Judged::Answer(res) => return Ok(req.into_response(res).map_into_right_body()),
                Judged::Pass(grant, refusal) => match role {
                    Role::Owner { .. } => {
                        if protocol {
                            precedence::own(&req);
                        }
                        After::Own { grant, refusal, inner: protocol }
                    }
                    Role::Reached => {
                        let reached = Reached { grant, refusal };
                        precedence::record_reached(&req, reached.clone());
                        After::Reached(reached)
                    }
                },
            };
            complete(service.call(req).await, after)
        }))
    }
}

/// What a forwarded request's future does with the response.
pub(crate) enum After {
    /// The owner's: write the grant of the innermost layer routing reached (when `inner` layers
    /// may exist), else its own.
    Own { grant: Grant, refusal: Option<Rc<RefusalLog>>, inner: bool },
    /// A layer routing reached under an owner: nothing on a response (the owner finds the grant
    /// on the request), but an `Err`'s response is made later, without the request: mark it.
    Reached(Reached),
    /// Pass the response through.
    Nothing,
}

/// Writes the governing grant on `res`: the innermost reached layer's (`reached`), else `own`.
fn finish<B>(res: &mut HttpResponse<B>, reached: Option<Reached>, own: Grant, refusal: Option<&RefusalLog>) {
    match reached {
        Some(reached) => {
            if let Some(log) = &reached.refusal {
                log.emit();
            }
            reached.grant.write(res.headers_mut());
        }
        None => {
            if let Some(log) = refusal {
                log.emit();
            }
            own.write(res.headers_mut());
        }
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
        // Waiting for the next service; its response (or error response) gets the owner's
        // headers, or is passed through by a layer routing reached.
        Forwarded { #[pin] fut: F, after: Option<After> },
        // Awaiting the asynchronous origin check, then all the rest.
        Checking { fut: LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>> },
    }
}

impl<F, B> CorsFuture<F, B> {
    fn answer(req: ServiceRequest, res: HttpResponse) -> Self {
        CorsFuture {
            state: State::Answered { res: Some(req.into_response(res)), _body: std::marker::PhantomData },
        }
    }

    fn forward(fut: F, after: After) -> Self {
        CorsFuture { state: State::Forwarded { fut, after: Some(after) } }
    }

    fn checking(
        fut: LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>>,
    ) -> Self {
        CorsFuture { state: State::Checking { fut } }
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
            StateProj::Answered { res, .. } => match res.take() {
                Some(res) => Poll::Ready(Ok(res.map_into_right_body())),
                None => Poll::Pending,
            },
            StateProj::Forwarded { fut, after } => {
                if after.is_none() {
                    return Poll::Pending;
                }
                let result = std::task::ready!(fut.poll(cx));
                let Some(after) = after.take() else {
                    return Poll::Pending;
                };
                Poll::Ready(complete(result, after))
            }
            StateProj::Checking { fut } => fut.as_mut().poll(cx),
        }
    }
}

/// Writes what `after` says on the next service's response, or on its error's response when the
/// dispatcher makes it.
fn complete<B: MessageBody>(
    result: Result<ServiceResponse<B>, Error>,
    after: After,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, Error> {
    let mut error = match result {
        Ok(mut res) => {
            if let After::Own { grant, refusal, inner } = after {
                let reached = if inner { precedence::take_reached(res.request()) } else { None };
                finish(res.response_mut(), reached, grant, refusal.as_deref());
            }
            return Ok(res.map_into_left_body());
        }
        Err(error) => error,
    };
    match after {
        After::Own { grant, refusal, .. } => {
            // The dispatcher builds the error's response later; decorate it then.
            error.add_response_mapper(move |mut res| {
                let reached = res.extensions_mut().remove::<Reached>();
                // A mapper may be called more than once: each call writes a copy.
                finish(&mut res, reached, grant.clone(), refusal.as_deref());
                res
            });
        }
        After::Reached(reached) => {
            // Mappers run in the order they are added: this one (the innermost
            // layer's first) before the owner's.
            error.add_response_mapper(move |mut res| {
                if !res.extensions().contains::<Reached>() {
                    res.extensions_mut().insert(reached.clone());
                }
                res
            });
        }
        After::Nothing => {}
    }
    Err(error)
}
