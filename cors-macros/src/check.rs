//! Stage 2: the one validator of `cors-core`, run inside the macro, with each
//! [`ConfigError`](cors_core::ConfigError) turned into a `syn::Error` at the offending tokens.

use cors_core::{ConfigError, Naming, Setting};
use proc_macro2::{Span, TokenStream};

use crate::args::{Errors, PolicyArgs};
use crate::route::{allows, is_safelisted, Route};

/// Something worth saying that is not an error (a lower-case method, no origin at all).
pub(crate) struct Warning {
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// Validates the inline configuration exactly as every other way of making a policy is validated.
pub(crate) fn validate(args: &PolicyArgs) -> syn::Result<Vec<Warning>> {
    match args.config.build_named(Naming::Macro) {
        Ok(policy) => Ok(policy
            .warnings()
            .iter()
            .map(|warning| Warning {
                span: locate(args, warning)
                    .and_then(|t| t.clone().into_iter().next())
                    .map_or_else(Span::call_site, |t| t.span()),
                message: warning.to_string(),
            })
            .collect()),
        Err(problems) => {
            let mut errors = Errors::default();
            for problem in problems {
                match locate(args, &problem) {
                    Some(tokens) => errors.at(tokens, &problem),
                    None => errors.push(syn::Error::new(Span::call_site(), &problem)),
                }
            }
            errors.finish().map(|()| Vec::new())
        }
    }
}

/// The tokens a problem is about: its item if it names one, else the first written setting.
fn locate<'a>(args: &'a PolicyArgs, problem: &ConfigError) -> Option<&'a TokenStream> {
    let mut settings = problem.settings().iter();
    let first = settings.next()?;
    args.spans.locate(*first, problem.item()).or_else(|| settings.find_map(|s| args.spans.locate(*s, None)))
}

/// A handler's inline policy must let the preflight for the handler's own methods through.
///
/// Without `methods`, the handler's methods are the allowed methods; with `methods`, a handler
/// method it does not allow is an error (the preflight for it would always be refused).
pub(crate) fn handler_methods(args: &mut PolicyArgs, route: &Route) -> syn::Result<()> {
    let own = route.methods.iter().filter(|(m, _)| !is_safelisted(m));
    if !args.methods_written {
        let own: Vec<_> = own.collect();
        if !own.is_empty() {
            args.config.allowed_methods = Some(own.iter().map(|(m, _)| m.clone()).collect());
            for (_, tokens) in own {
                args.spans.push_item(Setting::AllowedMethods, tokens.clone());
            }
        }
        return Ok(());
    }
    let configured = args.config.allowed_methods.clone().unwrap_or_default();
    let mut errors = Errors::default();
    for (method, tokens) in own {
        if !configured.iter().any(|c| allows(c, method)) {
            let at = args.spans.locate(Setting::AllowedMethods, None).unwrap_or(tokens);
            errors.at(
                at,
                format!("`methods`: this handler answers {method}, but `methods` does not allow it, so every preflight for it would be refused; add {method} to `methods(..)`, or leave `methods` out to allow the handler's own methods"),
            );
        }
    }
    errors.finish()
}
