//! Support for the code `cors-macros` generates. Not a public API.

use actix_web::dev::AppService;
use actix_web::guard::GuardContext;
use actix_web::http::Method;

pub use crate::precedence::registry::GuardFn;
pub use crate::precedence::Governing;
pub use cors_core::{Naming, Policy, PolicyConfig, Preset};

use cors_core::Field;

use crate::middleware::Cors;
use crate::precedence::Level;

/// Builds a policy the macro validated at compile time.
///
/// # Panics
///
/// Only if the compile-time check was bypassed, which the macros never do.
pub fn checked(config: PolicyConfig) -> Policy {
    match config.build_named(Naming::Macro) {
        Ok(policy) => policy,
        Err(errors) => panic!("a CORS policy checked at compile time failed to build: {errors}"),
    }
}

/// Whether `ctx` is a CORS preflight asking for `method`.
pub fn is_preflight_for(ctx: &GuardContext<'_>, method: &Method) -> bool {
    // The same test the middleware makes, so the guard routes exactly what the layer answers.
    let request = crate::request::read(ctx.head()).cors;
    request.is_preflight() && request.request_method == Field::One(method.as_str().as_bytes())
}

/// Whether `ctx` is a `method` request, or a CORS preflight asking for it.
pub fn accepts(ctx: &GuardContext<'_>, method: &Method) -> bool {
    ctx.head().method == *method || is_preflight_for(ctx, method)
}

/// Registers the markers through which an outer CORS layer finds this handler's policy: call it
/// in the handler's `register`, just before registering the handler's resource. `guard` is the
/// route attribute's own guards together; `label` names the handler in logs.
pub fn register_marker(
    config: &mut AppService,
    path: &str,
    methods: &[Method],
    guard: Option<GuardFn>,
    governing: Governing,
    label: &str,
) {
    crate::precedence::registry::register_handler(config, path, methods, guard, governing, label);
}

/// The middleware `#[cors]` puts around its handler: the handler's own layer.
pub fn handler_cors(governing: Governing) -> Cors {
    Cors::at(governing, Level::Handler)
}

/// The apps and live markers this thread's registry holds, for tests that check it does not
/// grow with every app built.
pub fn registry_size() -> (usize, usize) {
    crate::precedence::registry::size()
}
