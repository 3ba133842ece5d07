//! The precedence protocol between layers: which policy governs a request, found before routing.
//!
//! A handler-level policy (`#[cors]`) registers, beside its resource, a *marker* resource whose
//! pattern is the handler's pattern followed by `/\u{1}cors/METHOD` and whose name points into
//! this worker's registry of policies; its guard never matches, so it never handles a request.
//! A scope attached with [`ScopeExt::cors`](crate::ScopeExt::cors) registers a marker
//! `/\u{1}cors-scope` as the scope's first (external) resource. The app's resource map holds
//! every marker with the full pattern of its scope chain, so any layer can ask, for a path and a
//! method, "is there a more specific policy?" with the map's own matching and without running any
//! user code. The answer is then checked against the resource the real path hits, so a user
//! resource that shadows a marker makes the lookup fall back to the asking layer's own policy
//! (never to user code).

use std::cell::{OnceCell, RefCell};

use actix_web::dev::{AppService, HttpServiceFactory, ResourceMap};
use actix_web::http::Method;
use actix_web::{guard, web, HttpResponse};
use cors_core::Policy;

/// What governs a handler, a scope or the app.
#[derive(Clone, Debug)]
pub enum Governing {
    /// This policy.
    Policy(Policy),
    /// CORS is off for the handler (`#[cors(disable)]`): requests pass as non-CORS, preflights
    /// are refused.
    Disabled,
}

const HANDLER_MARK: &str = "/\u{1}cors/";
const SCOPE_MARK: &str = "/\u{1}cors-scope";
const HANDLER_NAME: &str = "\u{1}cors:h:";
const SCOPE_NAME: &str = "\u{1}cors:s:";
/// Scope markers are looked for at the first this many `/` boundaries of a path.
const MAX_SCOPE_DEPTH: usize = 16;

thread_local! {
    /// Policies that markers point to. Apps are built and served on the same worker thread, so
    /// a marker's index is always looked up in the registry it was written to.
    static REGISTRY: RefCell<Vec<Governing>> = const { RefCell::new(Vec::new()) };
}

fn register(governing: &Governing) -> usize {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.push(governing.clone());
        r.len() - 1
    })
}

fn registered(name: &str, prefix: &str) -> Option<Governing> {
    let index: usize = name.strip_prefix(prefix)?.parse().ok()?;
    REGISTRY.with(|r| r.borrow().get(index).cloned())
}

/// Whether any marker was registered on this thread. An app registers its markers before its
/// middleware is built, so a layer asks once, when it is built: without a marker then, its app
/// has none and no lookup is needed.
pub(crate) fn any_markers() -> bool {
    REGISTRY.with(|r| !r.borrow().is_empty())
}

/// Registers the marker for a handler-level policy on `path` for `methods`.
pub(crate) fn register_handler_marker(
    config: &mut AppService,
    path: &str,
    methods: &[Method],
    governing: &Governing,
) {
    if path.contains('*') || path.contains("/{") && path.ends_with(":.*}") {
        tracing::warn!(
            target: "cors",
            path,
            "a handler-level CORS policy on a tail pattern cannot be found by outer CORS layers; \
             its preflights are answered by the enclosing policy. Give the route a fixed-length pattern."
        );
        return;
    }
    let index = register(governing);
    for method in methods {
        let marker = web::resource(format!("{path}{HANDLER_MARK}{method}"))
            .name(&format!("{HANDLER_NAME}{index}"))
            .guard(guard::fn_guard(|_| false))
            .to(HttpResponse::NotFound);
        HttpServiceFactory::register(marker, config);
    }
}

/// Registers a scope marker and returns its name, for [`ScopeExt`](crate::ScopeExt).
pub(crate) fn scope_marker(policy: &Policy) -> (String, &'static str) {
    let index = register(&Governing::Policy(policy.clone()));
    (format!("{SCOPE_NAME}{index}"), SCOPE_MARK)
}

/// The more specific policy governing a request for `method` on `path`, if any. `own` is the
/// asking scope's own marker name: finding it means nothing more specific governs. A method that
/// is not UTF-8 finds no handler marker. Only worth calling where [`any_markers`] said yes.
pub(crate) fn lookup(rmap: &ResourceMap, path: &str, method: &[u8], own: Option<&str>) -> Option<Governing> {
    let method = std::str::from_utf8(method).unwrap_or("");
    // The full pattern of the resource the path reaches: both checks need it, once at most.
    let reached = OnceCell::new();
    let reached = || reached.get_or_init(|| rmap.match_pattern(path)).as_deref();
    handler(rmap, path, method, reached).or_else(|| scope(rmap, path, own, reached))
}

fn handler<'a>(
    rmap: &ResourceMap,
    path: &str,
    method: &str,
    reached: impl Fn() -> Option<&'a str>,
) -> Option<Governing> {
    if method.is_empty() {
        return None;
    }
    let suffix = format!("{HANDLER_MARK}{method}");
    let probe = format!("{path}{suffix}");
    let governing = registered(rmap.match_name(&probe)?, HANDLER_NAME)?;
    // The marker must sit on the very resource the real path reaches first.
    let marker_pattern = rmap.match_pattern(&probe)?;
    let base = marker_pattern.strip_suffix(&suffix)?;
    (reached() == Some(base)).then_some(governing)
}

fn scope<'a>(
    rmap: &ResourceMap,
    path: &str,
    own: Option<&str>,
    reached: impl Fn() -> Option<&'a str>,
) -> Option<Governing> {
    let mut cuts: Vec<usize> = path.match_indices('/').map(|(i, _)| i).take(MAX_SCOPE_DEPTH).collect();
    if cuts.len() < MAX_SCOPE_DEPTH {
        cuts.push(path.len());
    }
    for &cut in cuts.iter().rev() {
        let probe = format!("{}{SCOPE_MARK}", &path[..cut]);
        let name = rmap.match_name(&probe);
        let Some(governing) = name.and_then(|n| registered(n, SCOPE_NAME)) else {
            continue;
        };
        let Some(prefix) =
            rmap.match_pattern(&probe).and_then(|p| p.strip_suffix(SCOPE_MARK).map(String::from))
        else {
            continue;
        };
        if reached().is_none_or(|l| l.starts_with(&prefix)) {
            // The innermost scope is the asking one: nothing inside it is more specific.
            return (name != own).then_some(governing);
        }
    }
    None
}
