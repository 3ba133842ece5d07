//! The precedence protocol: which one policy governs a request, and which layer writes its
//! headers.
//!
//! # The contract
//!
//! The governing policy of a request is the one of the resource routing reaches: a `#[cors]`
//! handler's, else the innermost `.cors(..)` scope's, else the app's. The first CORS layer a
//! request meets (the *owner*) resolves it before routing, from the path as the router sees it
//! (percent-decoded, and normalised when a `NormalizePath` sits inside), the method (for a
//! preflight, the requested method) and the guards it can evaluate. The owner answers
//! preflights itself, so no user code runs for them, and it alone writes the CORS headers of
//! whatever response comes back: the handler's, an inner middleware's 401 or `Err`, routing's 404,
//! a response rebuilt by `ErrorHandlers`. Each CORS layer that routing then reaches records its
//! policy on the request ([`Reached`], a request extension, which survives a rebuilt response);
//! the innermost one recorded is the one that governs, so what routing decided always wins over
//! what the owner resolved. An inner layer writes no header; it refuses, before its handler runs,
//! what its own policy blocks.
//!
//! What the owner cannot know before routing without running user code is reported when the app
//! starts (or, where it needs the app's finished route table, which actix-web hands middleware
//! only with a request, before the first request is answered), naming the registrations and the
//! form that works; such a request is never silently given the broader policy.
//!
//! # How the owner finds handler and scope policies
//!
//! `#[cors]` handlers and `.cors(..)` scopes register *markers* (see [`registry`]): a locator, a
//! nested node of the app's resource map that is never routed to, from which the full pattern of
//! the handler or scope is read once the app's map is finished; and, for a scope, a probe
//! resource first in the scope's map. When a layer that looks policies up is built, the markers of
//! its app are compiled into a [`table`] of full patterns, in registration order, with each
//! handler's methods and guards. A request is looked up in that table (literal prefixes first,
//! no allocation); a CORS request found in it is then checked against the app's resource map:
//! the first resource the path reaches must have the handler's pattern (or, for a scope, the
//! path's prefix must reach the scope's probe), so that a registration before it whose pattern
//! also matches is noticed rather than overruled.
//!
//! # What this module relies on in actix-web (each pinned by a test in `tests/actix_behaviour.rs`)
//!
//! 1. Services are registered (`HttpServiceFactory::register`) before any middleware of the app
//!    is built, and the app's `ResourceMap` is finished (`ResourceMap::finish` sets every node's
//!    parent) in between; so a nested node registered with `AppService::register_service` knows
//!    its full pattern (`ResourceMap::match_pattern` walks up its parents) when middleware is
//!    built.
//! 2. Every `AppService` of one app (the root and every scope's) returns the same
//!    `default_service()`, which identifies the app while its services register.
//! 3. `ResourceMap::match_name` and `match_pattern` walk the map in registration order, ignoring
//!    guards, and never look sideways once a scope's prefix matched (as routing does when the
//!    scope's guards pass); `url_for` finds a named node anywhere in the app from its root.
//! 4. Routing matches `req.match_info().as_str()`, the percent-decoded path (`%2F`, `%25` and `+`
//!    kept encoded), against resource and scope patterns; `NormalizePath` rewrites it before
//!    routing (merged slashes, the trailing slash trimmed or added).
//! 5. A route attribute's guards are resource guards: routing skips a resource whose guards fail
//!    and tries the next, and evaluates them with `ServiceRequest::guard_ctx()`, as this module
//!    does.
//! 6. Request extensions are shared by the `ServiceRequest`, the `HttpRequest` of its response, and
//!    clones of it; `ErrorHandlers` keeps the request when it rebuilds a response.
//! 7. An `Err` returned through a middleware is turned into its response by the dispatcher, after
//!    the mappers added with `Error::add_response_mapper` ran on it.
//! 8. The service a middleware wraps is named by `std::any::type_name` with actix-web's own type
//!    names: `ScopeService` or `ResourceService` for a `.wrap` on a scope or resource,
//!    `NormalizePathNormalization` for a `NormalizePath` inside.
//! 9. A server builds each worker's app on the thread that serves it, the layers of a chain
//!    inside out (a `.wrap` on a scope before the app's), and all of them before that worker's
//!    first request: so per-thread notes taken when layers are built (the registry's, and
//!    whether any layer marks the requests it owns) are complete when requests arrive.

pub(crate) mod registry;
pub(crate) mod table;

use std::rc::Rc;
use std::sync::Arc;

use arc_swap::ArcSwap;

use actix_web::dev::ServiceRequest;
use actix_web::HttpMessage;
use cors_core::{CorsRequest, Policy};

use table::{Found, Table};

use crate::refusal::RefusalLog;
use crate::response::{Grant, Prebuilt};

/// What governs a handler, a scope or the app.
#[derive(Clone, Debug)]
pub enum Governing {
    /// This policy.
    Policy(Policy),
    /// CORS is off (`#[cors(disable)]`): preflights are refused, other requests pass untouched.
    Disabled,
    /// No policy of its own ([`Cors::inner_only`](crate::Cors::inner_only)): requests no handler
    /// or scope policy governs pass untouched, preflights included.
    Nothing,
}

/// A governing policy, with the header values it writes whatever the request converted once.
#[derive(Debug)]
pub(crate) struct Governed {
    pub(crate) governing: Governing,
    pub(crate) prebuilt: Prebuilt,
}

impl Governed {
    pub(crate) fn new(governing: Governing) -> Governed {
        let prebuilt = match &governing {
            Governing::Policy(p) => Prebuilt::of(Some(p)),
            Governing::Disabled | Governing::Nothing => Prebuilt::of(None),
        };
        Governed { governing, prebuilt }
    }
}

/// Where a layer's policy lives: fixed when the layer is made, or replaceable while the app runs
/// ([`Reload`](crate::Reload)), read without a lock.
#[derive(Clone, Debug)]
pub(crate) enum Shared {
    Fixed(Arc<Governed>),
    Swap(Arc<ArcSwap<Governed>>),
}

/// A policy as one request reads it: whatever a reload does meanwhile, the request keeps this one.
pub(crate) enum Loaded<'a> {
    Fixed(&'a Arc<Governed>),
    Swap(arc_swap::Guard<Arc<Governed>>),
}

impl Loaded<'_> {
    /// The same policy, to keep past this borrow (a request that awaits an origin check).
    pub(crate) fn to_arc(&self) -> Arc<Governed> {
        match self {
            Loaded::Fixed(g) => Arc::clone(g),
            Loaded::Swap(g) => Arc::clone(g),
        }
    }
}

impl std::ops::Deref for Loaded<'_> {
    type Target = Governed;
    fn deref(&self) -> &Governed {
        match self {
            Loaded::Fixed(g) => g,
            Loaded::Swap(g) => g,
        }
    }
}

impl Shared {
    pub(crate) fn fixed(governing: Governing) -> Shared {
        Shared::Fixed(Arc::new(Governed::new(governing)))
    }

    /// The policy now.
    pub(crate) fn load(&self) -> Loaded<'_> {
        match self {
            Shared::Fixed(g) => Loaded::Fixed(g),
            Shared::Swap(s) => Loaded::Swap(s.load()),
        }
    }
}

/// Where a CORS layer sits, which decides how it resolves the governing policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// `.wrap(Cors::..)` on the app (or anywhere): looks up handler and scope policies.
    Plain,
    /// Attached with [`ScopeExt::cors`](crate::ScopeExt::cors), with this marker: looks up the
    /// handler and scope policies inside it.
    Scope(u64),
    /// A handler's own layer (`#[cors]`): nothing is more specific.
    Handler,
}

impl Level {
    /// The name shown in the startup log.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Level::Plain => "app",
            Level::Scope(_) => "scope",
            Level::Handler => "handler",
        }
    }
}

/// Request extension: a CORS layer owns this request's CORS headers; layers routing reaches
/// after it only record their policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Owned;

/// Request (or, for an `Err`, response) extension: what the innermost CORS layer routing
/// reached writes on the response, decided by its policy, and its refusal's log line.
#[derive(Clone, Debug)]
pub(crate) struct Reached {
    pub(crate) grant: Grant,
    pub(crate) refusal: Option<Rc<RefusalLog>>,
}

/// Whether a CORS layer already owns this request. Only layers that mark requests make owners:
/// without one on this thread, the request's extensions are not looked at.
#[inline]
pub(crate) fn is_owned(req: &ServiceRequest) -> bool {
    registry::owners_exist() && req.extensions().contains::<Owned>()
}

/// Marks the request as owned by the calling layer.
pub(crate) fn own(req: &ServiceRequest) {
    req.extensions_mut().insert(Owned);
}

/// What the innermost layer routing reached recorded on `req`, if any.
pub(crate) fn take_reached(req: &actix_web::HttpRequest) -> Option<Reached> {
    let mut extensions = req.extensions_mut();
    // Most requests reach no inner layer: a look is cheaper than a removal.
    if !extensions.contains::<Reached>() {
        return None;
    }
    extensions.remove::<Reached>()
}

/// Records, on a request an outer layer owns, what the layer routing reached decided.
pub(crate) fn record_reached(req: &ServiceRequest, reached: Reached) {
    req.extensions_mut().insert(reached);
}

/// The policy the owner resolved for a request before routing.
pub(crate) enum Resolved<'t> {
    /// The owner's own.
    Own,
    /// A handler's or scope's; `certain` unless a registration the owner cannot see past (an
    /// earlier resource whose pattern also matches) may take the request first.
    Entry { governed: Loaded<'t>, certain: bool },
    /// Several policies may govern and the owner cannot tell which without running user code.
    Ambiguous,
}

impl Resolved<'_> {
    /// The resolved policy, with `own` standing for the owner's; `None` when ambiguous.
    pub(crate) fn governed<'s>(&'s self, own: &'s Loaded<'s>) -> Option<&'s Loaded<'s>> {
        match self {
            Resolved::Own => Some(own),
            Resolved::Entry { governed, .. } => Some(governed),
            Resolved::Ambiguous => None,
        }
    }

    /// Whether routing cannot end up elsewhere: only then may the owner block before routing.
    pub(crate) fn is_certain(&self) -> bool {
        match self {
            Resolved::Own => true,
            Resolved::Entry { certain, .. } => *certain,
            Resolved::Ambiguous => false,
        }
    }
}

/// Resolves, for the owner at `level`, the policy governing `req` before routing.
#[inline]
pub(crate) fn resolve<'t, L>(
    table: Option<&'t Table>,
    level: Level,
    normalize: bool,
    req: &ServiceRequest,
    cors: &CorsRequest<'_, L>,
) -> Resolved<'t> {
    match table {
        // No handler or scope policy to look up, or nothing more specific than a handler's own.
        None => Resolved::Own,
        Some(_) if level == Level::Handler => Resolved::Own,
        Some(table) => look_up(table, level, normalize, req, cors),
    }
}

/// [`resolve`] in the app's table of handler and scope policies.
fn look_up<'t, L>(
    table: &'t Table,
    level: Level,
    normalize: bool,
    req: &ServiceRequest,
    cors: &CorsRequest<'_, L>,
) -> Resolved<'t> {
    let method = if cors.is_preflight() { crate::request::requested_method(cors) } else { cors.method };
    // Only a CORS request is checked against routing: without `Origin`, the answer differs at
    // most by `Vary: Origin`, and that path must not pay for a walk of the resource map.
    let verify = cors.origin != cors_core::Field::Absent;
    let preflight = cors.is_preflight();
    let path = req.match_info().as_str();
    let mut found = table.find(req, path, method, preflight, verify);
    if normalize && !found.is_handler() && verify {
        for variant in table::normalized(path) {
            let again = table.find(req, &variant, method, preflight, verify);
            if again.is_handler() {
                found = again;
                break;
            }
        }
    }
    match found {
        Found::Nothing => Resolved::Own,
        Found::Ambiguous => Resolved::Ambiguous,
        Found::Entry { entry, certain } => match level {
            // A scope's own entry (or one around it) is not more specific than the scope.
            Level::Scope(own) if !table.is_inside(entry, own) => Resolved::Own,
            _ => Resolved::Entry { governed: entry.governed.load(), certain },
        },
    }
}
