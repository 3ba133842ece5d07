//! Stage 2: the one validator of `cors-core`, run inside the macro, with each
//! [`ConfigError`](cors_core::ConfigError) turned into a `syn::Error` at the offending tokens.

use cors_core::client::is_cors_safelisted_method;
use cors_core::{ConfigError, Naming, Policy, Setting};
use proc_macro2::{Span, TokenStream};

use crate::args::{Errors, PolicyArgs};
use crate::route::Route;

/// Something worth saying that is not an error (a lower-case method, no origin at all).
pub(crate) struct Warning {
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// Validates the inline configuration exactly as every other way of making a policy is validated;
/// returns the policy and its warnings.
pub(crate) fn validate(args: &PolicyArgs) -> syn::Result<(Policy, Vec<Warning>)> {
    match args.config.build_named(Naming::Macro) {
        Ok(policy) => {
            let warnings = policy
                .warnings()
                .iter()
                .map(|warning| Warning {
                    span: locate(args, warning)
                        .and_then(|t| t.clone().into_iter().next())
                        .map_or_else(Span::call_site, |t| t.span()),
                    message: warning.to_string(),
                })
                .collect();
            Ok((policy, warnings))
        }
        Err(problems) => {
            let mut errors = Errors::default();
            for problem in problems {
                match locate(args, &problem) {
                    Some(tokens) => errors.at(tokens, &problem),
                    None => errors.push(syn::Error::new(Span::call_site(), &problem)),
                }
            }
            Err(errors
                .finish()
                .err()
                .unwrap_or_else(|| syn::Error::new(Span::call_site(), "invalid CORS policy")))
        }
    }
}

/// The tokens a problem is about: its item if it names one, else the first written setting.
fn locate<'a>(args: &'a PolicyArgs, problem: &ConfigError) -> Option<&'a TokenStream> {
    let mut settings = problem.settings().iter();
    let first = settings.next()?;
    args.spans.locate(*first, problem.item()).or_else(|| settings.find_map(|s| args.spans.locate(*s, None)))
}

/// Without `methods`, a handler's inline policy allows the handler's own methods (those a
/// browser preflights: not GET, HEAD or POST, which are always allowed).
pub(crate) fn default_handler_methods(args: &mut PolicyArgs, route: &Route) {
    if args.methods_written {
        return;
    }
    let own: Vec<_> = route.methods.iter().filter(|(m, _)| !is_cors_safelisted_method(m)).collect();
    if own.is_empty() {
        return;
    }
    args.config.allowed_methods = Some(own.iter().map(|(m, _)| m.clone()).collect());
    for (_, tokens) in own {
        args.spans.push_item(Setting::AllowedMethods, tokens.clone());
    }
}

/// With `methods`, a handler method the built policy does not allow is an error: every preflight
/// for it would be refused. The policy answers, with cors-core's own method rule.
pub(crate) fn handler_methods_allowed(args: &PolicyArgs, route: &Route, policy: &Policy) -> syn::Result<()> {
    let mut errors = Errors::default();
    for (method, tokens) in &route.methods {
        if !policy.allows_method(method.as_bytes()) {
            let at = args.spans.locate(Setting::AllowedMethods, None).unwrap_or(tokens);
            errors.at(
                at,
                format!("`methods`: this handler answers {method}, but `methods` does not allow it, so every preflight for it would be refused; add {method} to `methods(..)`, or leave `methods` out to allow the handler's own methods"),
            );
        }
    }
    errors.finish()
}
