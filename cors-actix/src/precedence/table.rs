//! The table of one app's handler and scope policies, and the lookup of a request in it.
//!
//! Compiled once per app, when the first layer that looks policies up is built, from the app's
//! markers: full patterns (read from the locators), methods and the guards the layer can
//! evaluate. A lookup tries the literal start of each pattern before the pattern itself, so a
//! request outside every handler and scope costs a few byte comparisons, and never allocates.

use std::cell::Cell;
use std::fmt::Write as _;
use std::rc::Rc;

use actix_web::dev::{ResourceDef, ResourceMap, ServiceRequest};
use actix_web::guard::Guard;
use actix_web::http::Method;

use super::registry::{locator_prefix, probe_name, GuardFn, Marker, MarkerKind};
use super::{Governing, Shared};
use crate::announce;

/// Where an entry applies.
enum Place {
    Handler {
        rdef: ResourceDef,
        methods: Vec<Method>,
        guard: Option<GuardFn>,
    },
    Scope {
        rdef: ResourceDef,
        guard: Option<Rc<dyn Guard>>,
        /// The probe's name, and its path (appended to a path's matched prefix to probe it).
        locator: (String, String),
        /// Another scope policy has the same full prefix.
        shared: bool,
    },
}

/// One handler or scope policy of the app.
pub(crate) struct Entry {
    pub(crate) governed: Shared,
    id: u64,
    place: Place,
    /// The full pattern, as actix-web reports it.
    pattern: String,
    /// The pattern's literal start: a path that does not start with it cannot match.
    literal: String,
    /// How logs name it.
    label: String,
    /// Whether a path shadowed by an earlier registration was already reported.
    shadow_reported: Cell<bool>,
}

impl Entry {
    fn is_handler(&self) -> bool {
        matches!(self.place, Place::Handler { .. })
    }
}

/// The result of a lookup.
pub(crate) enum Found<'t> {
    /// No handler or scope policy applies.
    Nothing,
    /// Several scope policies apply and what tells them apart is invisible before routing.
    Ambiguous,
    /// This one; `certain` unless the path's first match in the map is a registration the table
    /// does not know (an earlier resource whose pattern also matches).
    Entry { entry: &'t Entry, certain: bool },
}

impl Found<'_> {
    pub(crate) fn is_handler(&self) -> bool {
        matches!(self, Found::Entry { entry, .. } if entry.is_handler())
    }
}

/// One app's handler and scope policies, in registration order.
pub(crate) struct Table {
    handlers: Vec<Entry>,
    scopes: Vec<Entry>,
    /// What cannot be resolved before routing, found from the patterns alone.
    startup: Vec<String>,
    routing_reported: Cell<bool>,
}

fn literal_start(pattern: &str) -> String {
    pattern.split('{').next().unwrap_or("").to_owned()
}

fn origins(governing: &Governing) -> String {
    match governing {
        Governing::Policy(p) if p.allows_any_origin() => "any origin".to_owned(),
        Governing::Policy(p) if p.config().allowed_origins.is_empty() => "no origin".to_owned(),
        Governing::Policy(p) => p.config().allowed_origins.join(", "),
        Governing::Disabled => "CORS disabled".to_owned(),
        Governing::Nothing => "no policy".to_owned(),
    }
}

impl Table {
    /// Compiles the table of `markers` (all of one app), or `None` while the app's resource map
    /// is not finished yet.
    pub(crate) fn compile(markers: &[Rc<Marker>]) -> Option<Table> {
        let mut handlers = Vec::new();
        let mut scopes = Vec::new();
        for marker in markers {
            let prefix = marker.prefix()?;
            match &marker.kind {
                MarkerKind::Handler { pattern, methods, guard, label } => {
                    let full = format!("{prefix}{pattern}");
                    let shown: Vec<&str> = methods.iter().map(Method::as_str).collect();
                    handlers.push(Entry {
                        governed: marker.governed.clone(),
                        id: marker.id,
                        place: Place::Handler {
                            rdef: ResourceDef::new(full.as_str()),
                            methods: methods.clone(),
                            guard: *guard,
                        },
                        literal: literal_start(&full),
                        label: format!("handler `{label}` ({} {full})", shown.join("|")),
                        pattern: full,
                        shadow_reported: Cell::new(false),
                    });
                }
                MarkerKind::Scope { guard } => {
                    scopes.push(Entry {
                        governed: marker.governed.clone(),
                        id: marker.id,
                        place: Place::Scope {
                            rdef: ResourceDef::root_prefix(&prefix),
                            guard: guard.clone(),
                            locator: (probe_name(marker.id), locator_prefix(marker.id)),
                            shared: false,
                        },
                        literal: literal_start(&prefix),
                        label: format!(
                            "the scope policy at \"{}\" ({})",
                            if prefix.is_empty() { "/" } else { &prefix },
                            origins(&marker.governed.load().governing)
                        ),
                        pattern: prefix,
                        shadow_reported: Cell::new(false),
                    });
                }
            }
        }
        handlers.sort_by_key(|e| e.id);
        scopes.sort_by_key(|e| e.id);
        let mut table = Table { handlers, scopes, startup: Vec::new(), routing_reported: Cell::new(false) };
        table.find_startup_problems();
        Some(table)
    }

    /// What the patterns alone show the layer cannot resolve: scope policies on one prefix that
    /// only guards it cannot see tell apart, and handlers a previous handler always takes first.
    fn find_startup_problems(&mut self) {
        let mut shared_prefixes: Vec<String> = Vec::new();
        for scope in &self.scopes {
            let same: Vec<&Entry> = self.scopes.iter().filter(|s| s.pattern == scope.pattern).collect();
            if same.len() < 2 || shared_prefixes.contains(&scope.pattern) {
                continue;
            }
            shared_prefixes.push(scope.pattern.clone());
            let unguarded = same.iter().any(|s| matches!(&s.place, Place::Scope { guard: None, .. }));
            if unguarded {
                let names: Vec<&str> = same.iter().map(|s| s.label.as_str()).collect();
                self.startup.push(format!(
                    "{} share one prefix and are told apart only by guards an outer CORS layer cannot \
                     see, so it cannot know before routing which one governs a request: their \
                     preflights are refused as ambiguous. Attach each with \
                     `.cors_guarded(guard, policy)` (cors_actix::ScopeExt) instead of \
                     `.guard(guard)` and `.cors(policy)`",
                    names.join(" and ")
                ));
            }
        }
        for scope in &mut self.scopes {
            let shared = shared_prefixes.contains(&scope.pattern);
            if let Place::Scope { shared: s, .. } = &mut scope.place {
                *s = shared;
            }
        }
        for (i, later) in self.handlers.iter().enumerate() {
            let Place::Handler { methods: later_methods, .. } = &later.place else { continue };
            let taken = self.handlers[..i].iter().find(|earlier| {
                let Place::Handler { methods, guard: None, .. } = &earlier.place else { return false };
                earlier.pattern == later.pattern && later_methods.iter().all(|m| methods.contains(m))
            });
            if let Some(earlier) = taken {
                self.startup.push(format!(
                    "{} is never reached: {}, registered before it with the same pattern and no guard, \
                     takes every request for its methods; remove one, or tell them apart with \
                     `guard = \"..\"` on the first",
                    later.label, earlier.label
                ));
            }
        }
    }

    /// Logs what [`compile`](Self::compile) found, once per process.
    pub(crate) fn report_startup(&self) {
        for line in &self.startup {
            announce::warn_once(line);
        }
    }

    /// Checks, with the app's finished resource map (which arrives with the first request), that
    /// each handler and scope policy is the first match of a path in its area, and reports those
    /// a registration before them shadows. Once per table.
    pub(crate) fn report_routing(&self, rmap: &ResourceMap) {
        if self.routing_reported.replace(true) {
            return;
        }
        for entry in &self.handlers {
            let Place::Handler { rdef, .. } = &entry.place else { continue };
            let Some(witness) = witness(rdef, "") else { continue };
            if self.reaches_handler(rmap, &witness, entry) {
                continue;
            }
            if let Some(other) = rmap.match_pattern(&witness) {
                announce::warn_once(&shadowed(entry, &other));
                entry.shadow_reported.set(true);
            }
        }
        for entry in &self.scopes {
            let Place::Scope { rdef, locator, .. } = &entry.place else { continue };
            let Some(witness) = witness(rdef, &locator.1) else { continue };
            if rmap.match_name(&witness) == Some(locator.0.as_str()) {
                continue;
            }
            let other = rmap.match_pattern(&witness).unwrap_or_else(|| "a scope".to_owned());
            if !self.scopes.iter().any(|s| s.id != entry.id && s.pattern == entry.pattern) {
                announce::warn_once(&shadowed(entry, &other));
                entry.shadow_reported.set(true);
            }
        }
    }

    /// Whether the first match of `path` in the map has `entry`'s pattern: the handler itself, or
    /// a resource with the very same pattern registered before it, which routing tells apart from
    /// the handler by method, as with `#[get]` and `#[post]` on one path.
    fn reaches_handler(&self, rmap: &ResourceMap, path: &str, entry: &Entry) -> bool {
        rmap.match_pattern(path).as_deref() == Some(entry.pattern.as_str())
    }

    /// The handler or scope policy for `method` on `path`. With `verify`, the result is checked
    /// against the request's resource map, as routing will see it.
    ///
    /// Among the handlers whose pattern and method match, the first whose guard passes governs,
    /// as in routing. For a preflight whose guards all fail, the first of them governs: a
    /// preflight carries the names of the headers the page sets but not their values, so a guard
    /// that reads one can never pass it, though the actual request will.
    pub(crate) fn find<'t>(
        &'t self,
        req: &ServiceRequest,
        path: &str,
        method: &[u8],
        preflight: bool,
        verify: bool,
    ) -> Found<'t> {
        let ctx = req.guard_ctx();
        let mut first_match = None;
        let mut handler = None;
        for h in &self.handlers {
            let Place::Handler { rdef, methods, guard, .. } = &h.place else { continue };
            if !path.starts_with(h.literal.as_str())
                || !methods.iter().any(|m| m.as_str().as_bytes() == method)
                || !rdef.is_match(path)
            {
                continue;
            }
            if guard.is_none_or(|g| g(&ctx)) {
                handler = Some((h, true));
                break;
            }
            first_match.get_or_insert(h);
        }
        let handler = handler.or_else(|| first_match.filter(|_| preflight).map(|h| (h, false)));
        if let Some((entry, guard_passed)) = handler {
            if !verify {
                return Found::Entry { entry, certain: guard_passed };
            }
            let reached = self.reaches_handler(req.resource_map(), path, entry);
            if !reached && !entry.shadow_reported.replace(true) {
                let other =
                    req.resource_map().match_pattern(path).unwrap_or_else(|| "another resource".into());
                announce::warn_once(&shadowed(entry, &other));
            }
            return Found::Entry { entry, certain: reached && guard_passed };
        }

        // The innermost scope whose prefix matches and whose guard (if known) passes.
        let mut candidates: Vec<(usize, &Entry)> = Vec::new();
        for entry in &self.scopes {
            let Place::Scope { rdef, guard, .. } = &entry.place else { continue };
            if !path.starts_with(entry.literal.as_str()) {
                continue;
            }
            let Some(len) = rdef.find_match(path) else { continue };
            if guard.as_ref().is_some_and(|g| !g.check(&ctx)) {
                continue;
            }
            candidates.push((len, entry));
        }
        if candidates.is_empty() {
            return Found::Nothing;
        }
        // Longest prefix first; among equal prefixes, registration order.
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
        for (len, entry) in candidates {
            let Place::Scope { locator, shared, guard, .. } = &entry.place else { continue };
            if *shared && self.ambiguous_at(&entry.pattern) {
                return Found::Ambiguous;
            }
            if !verify || *shared && guard.is_some() {
                // Guards the layer evaluated itself decide between scopes on one prefix.
                return Found::Entry { entry, certain: true };
            }
            if probe_reaches(req.resource_map(), &path[..len], locator) {
                return Found::Entry { entry, certain: true };
            }
        }
        Found::Nothing
    }

    /// Whether scope policies on `prefix` include one whose guard the layer cannot see.
    fn ambiguous_at(&self, prefix: &str) -> bool {
        self.scopes
            .iter()
            .any(|s| s.pattern == prefix && matches!(&s.place, Place::Scope { guard: None, .. }))
    }

    /// Whether `entry` is more specific than the scope policy numbered `scope`.
    pub(crate) fn is_inside(&self, entry: &Entry, scope: u64) -> bool {
        if entry.id == scope {
            return false;
        }
        let Some(own) = self.scopes.iter().find(|s| s.id == scope) else {
            return true;
        };
        entry.pattern.starts_with(own.pattern.as_str())
            && (entry.is_handler() || entry.pattern.len() > own.pattern.len())
    }
}

/// Whether the map's first match for `prefix` followed by the locator's prefix is the locator:
/// no earlier registration takes the prefix first. The probe is built on the stack when it fits.
fn probe_reaches(rmap: &ResourceMap, prefix: &str, locator: &(String, String)) -> bool {
    let mut buf = [0u8; 256];
    let total = prefix.len() + locator.1.len();
    if total <= buf.len() {
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        buf[prefix.len()..total].copy_from_slice(locator.1.as_bytes());
        match std::str::from_utf8(&buf[..total]) {
            Ok(probe) => rmap.match_name(probe) == Some(locator.0.as_str()),
            Err(_) => false,
        }
    } else {
        rmap.match_name(&format!("{prefix}{}", locator.1)) == Some(locator.0.as_str())
    }
}

/// A path the pattern matches, with `suffix` appended, or `None` when no simple value fills its
/// dynamic segments.
fn witness(rdef: &ResourceDef, suffix: &str) -> Option<String> {
    ["0", "a", "0a", "00000000-0000-0000-0000-000000000000"].into_iter().find_map(|value| {
        let mut path = String::new();
        let built = rdef.resource_path_from_iter(&mut path, std::iter::repeat(value));
        (built && rdef.is_match(&path)).then(|| {
            path.push_str(suffix);
            path
        })
    })
}

fn shadowed(entry: &Entry, other: &str) -> String {
    let mut line = format!(
        "{} is shadowed by \"{other}\", registered before it with a pattern that also matches: \
         routing gives that registration the requests its guards accept, which an outer CORS layer \
         cannot see, so ",
        entry.label
    );
    if entry.is_handler() {
        let _ = write!(
            line,
            "this handler's policy answers preflights for paths that registration may take; \
             register the handler before it"
        );
    } else {
        let _ = write!(
            line,
            "this scope's preflights are answered by the enclosing policy; register the scope before it"
        );
    }
    line
}

/// The forms `NormalizePath` may give `path` before routing: slashes merged, then the trailing
/// slash kept, trimmed or added. Only those that differ from `path`.
pub(crate) fn normalized(path: &str) -> Vec<String> {
    let mut merged = String::with_capacity(path.len() + 1);
    for c in path.chars() {
        if !(c == '/' && merged.ends_with('/')) {
            merged.push(c);
        }
    }
    let trimmed = merged.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() };
    let added = if merged.ends_with('/') { merged.clone() } else { format!("{merged}/") };
    let mut out: Vec<String> = Vec::new();
    for variant in [merged, trimmed, added] {
        if variant != path && !out.contains(&variant) {
            out.push(variant);
        }
    }
    out
}
