//! Markers: how `#[cors]` handlers and `.cors(..)` scopes make themselves known to the owner.
//!
//! Each marker registers, in the `AppService` its handler or scope registers in:
//!
//! * a **locator**: a nested node of the resource map with the prefix `/\u{1}cors-ID` and one
//!   child, registered as a service whose guard never passes (so routing never reaches it) and
//!   which holds the marker alive for as long as the app serves. Once actix-web has finished the
//!   app's map, the locator's `match_pattern` gives the full pattern of where it sits (the scope
//!   prefixes above it), with no request and no guessing at dynamic segments;
//! * for a scope, a **probe**: an external resource at the locator's prefix, first in the scope's
//!   map, which tells whether a path's prefix reaches this scope.
//!
//! Markers are grouped by app: every `AppService` of one app has the same default service. The
//! registry holds them weakly, per thread (an app registers, is built and serves on one worker
//! thread), so it holds exactly the markers of live apps: an app dropped takes its markers, and
//! its group, with it.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU64, Ordering};

use actix_service::boxed::BoxServiceFactory;
use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ResourceMap, ServiceRequest, ServiceResponse,
};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::Method;
use actix_web::{guard, Error, HttpResponse};

use super::table::Table;
use super::{Governing, Shared};

/// A guard the macro knows: the user's `guard = ".."` functions of a route attribute, together.
pub type GuardFn = fn(&GuardContext<'_>) -> bool;

/// The app a marker registered in: the default service every `AppService` of one app shares.
/// Held weakly, so the allocation (and so the identity) outlives the app's factory.
type AppId = Weak<BoxServiceFactory<(), ServiceRequest, ServiceResponse, Error, ()>>;

/// Markers are numbered once per process: a number is never reused, so a name never points to
/// another app's marker.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The prefix of a marker's locator node.
pub(crate) fn locator_prefix(id: u64) -> String {
    format!("/\u{1}cors-{id}")
}

/// The name of a locator's child node, which is in the app's map of names.
pub(crate) fn locator_name(id: u64) -> String {
    format!("\u{1}cors-l{id}")
}

/// The name of a scope's probe resource.
pub(crate) fn probe_name(id: u64) -> String {
    format!("\u{1}cors-p{id}")
}

/// What a marker stands for.
pub(crate) enum MarkerKind {
    /// A `#[cors]` handler: its pattern within its scope, its methods, its guards.
    Handler { pattern: String, methods: Vec<Method>, guard: Option<GuardFn>, label: String },
    /// A `.cors(..)` scope, with the guard it was attached with (`cors_guarded`), if any.
    Scope { guard: Option<Rc<dyn Guard>> },
}

/// One handler or scope policy, as registered.
pub(crate) struct Marker {
    pub(crate) id: u64,
    pub(crate) governed: Shared,
    pub(crate) kind: MarkerKind,
    locator: Rc<ResourceMap>,
}

impl Marker {
    /// The full pattern of the scope chain the marker sits in (`""` at the app's root), once
    /// actix-web has finished the app's resource map; `None` before.
    pub(crate) fn prefix(&self) -> Option<String> {
        let literal = locator_prefix(self.id);
        let full = self.locator.match_pattern(&literal)?;
        full.strip_suffix(&literal).map(str::to_owned)
    }
}

/// The markers of one app.
struct Group {
    app: AppId,
    markers: Vec<Weak<Marker>>,
    /// Compiled once the app's map is finished; rebuilt if markers were added since.
    table: Option<(usize, Rc<Table>)>,
}

impl Group {
    fn live(&self) -> impl Iterator<Item = Rc<Marker>> + '_ {
        self.markers.iter().filter_map(Weak::upgrade)
    }
}

thread_local! {
    static GROUPS: RefCell<Vec<Group>> = const { RefCell::new(Vec::new()) };
    /// Whether a `Cors` was ever attached to a scope or resource with a plain `.wrap(..)` on
    /// this thread: an outer layer must then mark the requests it owns for it to see.
    static PLAIN_INNER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Whether a layer that marks the requests it owns was built on this thread.
    static OWNERS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes a layer that marks the requests it owns (one with layers inside it to tell).
pub(crate) fn note_owner() {
    OWNERS.with(|o| o.set(true));
}

/// Whether any layer built on this thread marks the requests it owns: if none does, no request
/// is owned, and a layer need not look. An app is built on the thread that serves it, inner
/// layers before outer ones, and every layer before the first request.
pub(crate) fn owners_exist() -> bool {
    OWNERS.with(std::cell::Cell::get)
}

/// Notes a `Cors` built around a scope's or resource's service (`.wrap(..)` there).
pub(crate) fn note_plain_inner_layer() {
    PLAIN_INNER.with(|p| p.set(true));
}

/// Whether [`note_plain_inner_layer`] was ever called on this thread. An app builds its inner
/// layers before the layers around them.
pub(crate) fn plain_inner_layers() -> bool {
    PLAIN_INNER.with(std::cell::Cell::get)
}

/// Adds a marker to its app's group, dropping the groups of apps that are gone.
fn enrol(config: &AppService, marker: &Rc<Marker>) {
    let app = Rc::downgrade(&config.default_service());
    GROUPS.with(|groups| {
        let mut groups = groups.borrow_mut();
        groups.retain_mut(|g| {
            g.markers.retain(|m| m.strong_count() > 0);
            !g.markers.is_empty()
        });
        match groups.iter_mut().find(|g| g.app.ptr_eq(&app)) {
            Some(group) => group.markers.push(Rc::downgrade(marker)),
            None => groups.push(Group { app, markers: vec![Rc::downgrade(marker)], table: None }),
        }
    });
}

/// Registers the locator of `marker` in `config`; the locator's service holds the marker.
fn register_locator(config: &mut AppService, marker: Rc<Marker>) {
    let rdef = ResourceDef::root_prefix(&locator_prefix(marker.id));
    let locator = marker.locator.clone();
    let never: Vec<Box<dyn Guard>> = vec![Box::new(guard::fn_guard(|_| false))];
    let keep = marker;
    let service = actix_service::fn_service(move |req: ServiceRequest| {
        // Never called: the guard never passes. The closure holds the marker alive.
        let _ = &keep;
        std::future::ready(Ok::<_, Error>(req.into_response(HttpResponse::NotFound())))
    });
    config.register_service(rdef, Some(never), service, Some(locator));
}

fn new_marker(id: u64, governed: Shared, kind: MarkerKind) -> Rc<Marker> {
    let mut locator = ResourceMap::new(ResourceDef::root_prefix(&locator_prefix(id)));
    let mut child = ResourceDef::new("");
    child.set_name(locator_name(id));
    locator.add(&mut child, None);
    Rc::new(Marker { id, governed, kind, locator: Rc::new(locator) })
}

/// Registers the marker of a `#[cors]` handler on `pattern` for `methods`, in the `config` the
/// handler's own resource registers in.
pub(crate) fn register_handler(
    config: &mut AppService,
    pattern: &str,
    methods: &[Method],
    guard: Option<GuardFn>,
    governing: Governing,
    label: &str,
) {
    let id = next_id();
    let kind = MarkerKind::Handler {
        pattern: pattern.to_owned(),
        methods: methods.to_vec(),
        guard,
        label: label.to_owned(),
    };
    let marker = new_marker(id, Shared::fixed(governing), kind);
    enrol(config, &marker);
    register_locator(config, marker);
}

/// The locator of a `.cors(..)` scope, registered with the scope's services.
pub(crate) struct ScopeLocator {
    marker: Rc<Marker>,
}

impl ScopeLocator {
    /// A new scope marker; its number names the scope's layer.
    pub(crate) fn new(governed: Shared, guard: Option<Rc<dyn Guard>>) -> ScopeLocator {
        ScopeLocator { marker: new_marker(next_id(), governed, MarkerKind::Scope { guard }) }
    }

    /// The marker's number.
    pub(crate) fn id(&self) -> u64 {
        self.marker.id
    }

    /// Adds the locator to the scope's services, and the scope's probe: an external resource
    /// (which actix-web puts first in the scope's map, before any of its services, so none of
    /// them can take a probe path first) at the locator's prefix.
    pub(crate) fn configure(self, cfg: &mut actix_web::web::ServiceConfig) {
        let id = self.marker.id;
        cfg.external_resource(probe_name(id), locator_prefix(id));
        cfg.service(self);
    }
}

impl HttpServiceFactory for ScopeLocator {
    fn register(self, config: &mut AppService) {
        enrol(config, &self.marker);
        register_locator(config, self.marker);
    }
}

/// How many apps, and how many live markers, this thread's registry holds.
pub(crate) fn size() -> (usize, usize) {
    GROUPS.with(|groups| {
        let groups = groups.borrow();
        (groups.len(), groups.iter().map(|g| g.live().count()).sum())
    })
}

/// Whether any marker of a live app exists on this thread. A layer built without one has no
/// policy to look up for the life of its app: an app registers its markers before its
/// middleware is built.
pub(crate) fn any_live() -> bool {
    GROUPS.with(|groups| groups.borrow().iter().any(|g| g.live().next().is_some()))
}

/// Compiles the table of every app on this thread whose resource map is finished and whose table
/// is missing or stale, and reports what each new table cannot resolve. Called when a layer
/// that looks policies up is built: its own app's map is finished by then.
pub(crate) fn compile_finished() {
    let fresh: Vec<Rc<Table>> = GROUPS.with(|groups| {
        let mut groups = groups.borrow_mut();
        let mut fresh = Vec::new();
        for group in groups.iter_mut() {
            let markers: Vec<Rc<Marker>> = group.live().collect();
            if group.table.as_ref().is_some_and(|(n, _)| *n == markers.len()) {
                continue;
            }
            if let Some(table) = Table::compile(&markers) {
                let table = Rc::new(table);
                group.table = Some((markers.len(), table.clone()));
                fresh.push(table);
            }
        }
        fresh
    });
    // Logged outside the borrow: a subscriber may do anything, building an app included.
    for table in fresh {
        table.report_startup();
    }
}

/// The table of the app `req` belongs to, if it has any marker: found once per layer, on its
/// first request, by looking a marker's name up in the request's resource map.
pub(crate) fn table_for(req: &ServiceRequest) -> Option<Rc<Table>> {
    compile_finished();
    let candidates: Vec<(u64, Rc<Table>)> = GROUPS.with(|groups| {
        groups
            .borrow()
            .iter()
            .filter_map(|g| {
                let (_, table) = g.table.as_ref()?;
                Some((g.live().next()?.id, table.clone()))
            })
            .collect()
    });
    let rmap = req.resource_map();
    let http = req.request();
    let table = candidates.into_iter().find_map(|(id, table)| {
        let found = !matches!(
            rmap.url_for(http, &locator_name(id), std::iter::repeat("0")),
            Err(actix_web::error::UrlGenerationError::ResourceNotFound)
        );
        found.then_some(table)
    })?;
    table.report_routing(rmap);
    Some(table)
}
