//! Compile-time checked CORS policies for actix-web handlers: `#[cors(..)]` on a handler and
//! `#[derive(CorsPolicy)]` for a named policy. Use them through `cors_actix`, which re-exports
//! both and holds the runtime they expand to.
//!
//! ```
//! use actix_web::{get, post, web, App, Responder};
//! use cors_actix::{cors, Cors, CorsPolicy, ScopeExt};
//!
//! /// The policy of the partner API, checked when this crate compiles.
//! #[derive(CorsPolicy)]
//! #[cors(origins("https://partner.example"), credentials, methods(GET, POST), max_age = 600)]
//! struct PartnerPolicy;
//!
//! // One handler with its own policy: it answers its own preflight.
//! #[cors(origin = "https://myapp.com", credentials)]
//! #[get("/private")]
//! async fn private() -> impl Responder {
//!     "secret"
//! }
//!
//! // A handler reusing a named policy, and one that is not CORS at all.
//! #[cors(policy = PartnerPolicy)]
//! #[post("/orders")]
//! async fn orders() -> impl Responder {
//!     "ordered"
//! }
//!
//! #[cors(disable)]
//! #[get("/internal")]
//! async fn internal() -> impl Responder {
//!     "internal"
//! }
//!
//! let _app = App::new()
//!     .service(private)
//!     .service(internal)
//!     .service(web::scope("/partner").service(orders).cors(PartnerPolicy)) // ScopeExt::cors
//!     .wrap(Cors::from_env());
//! ```
//!
//! # Arguments
//!
//! The same arguments work in `#[cors(..)]` and in the `#[cors(..)]` helper of
//! `#[derive(CorsPolicy)]`. Each sets one setting of `cors_core::PolicyConfig`; an argument may
//! be given once (`origin`, `origins` and `any_origin` are one setting, and so on).
//!
//! | argument | meaning |
//! |---|---|
//! | `origin = "https://myapp.com"` | one allowed origin |
//! | `origins("https://myapp.com", "https://*.myapp.com", "http://localhost:*")` | allowed origins and patterns |
//! | `any_origin` | any origin (`*`); not with `credentials` |
//! | `methods(GET, POST, "PATCH")` | methods a preflight may ask for (idents or strings); default GET, HEAD, POST |
//! | `any_method` | any method (the requested one is mirrored) |
//! | `headers("content-type", "authorization")` | request headers a preflight may ask for; `"*"` means any but `authorization` |
//! | `any_header` | any request header but `authorization` (write `headers("*", "authorization")` for both) |
//! | `expose("x-request-id")` | response headers scripts may read |
//! | `expose_any` | any response header (`*`); not with `credentials` |
//! | `credentials` or `credentials = true`/`false` | cookies and HTTP authentication allowed |
//! | `max_age = 600` | seconds a browser may cache a preflight's answer, at most 86400 (Chromium caps at 7200, WebKit at 600) |
//! | `private_network` | grant Private Network Access preflights |
//! | `preflight_continue` | pass preflights on to the handler instead of answering them |
//! | `preflight_status = 200` | the status of a granted preflight: 204 (default) or 200 |
//! | `block_disallowed` | answer actual requests from origins not allowed with 403, without running the handler; browsers send `Origin` on same-origin POSTs too, so list your own origin. Add it when the methods of one path carry different policies (see below) |
//! | `debug` | put the reason for a refused preflight in its body (discloses the policy) |
//! | `allow_null_origin` | the opt-in for the `null` origin |
//! | `dangerously_allow_insecure_origins` | the opt-in for `http://` origins with `credentials` |
//! | `preset = "public"` | fill the settings left unset with a preset: `public` is Express's `cors()` defaults (any origin, GET, HEAD, PUT, PATCH, POST, DELETE, any header but `authorization`, no credentials) |
//! | `public` | the same as `preset = "public"` |
//!
//! Every setting flag (`credentials`, `debug`, `block_disallowed`, ...) also accepts `= true` /
//! `= false`; the shorthands (`any_origin`, `any_method`, `any_header`, `expose_any`, `public`,
//! `disable`) are written alone. On a handler only:
//!
//! | argument | meaning |
//! |---|---|
//! | `policy = PartnerPolicy` | use a `#[derive(CorsPolicy)]` type's policy; nothing else may accompany it |
//! | `disable` | the handler is not CORS, even under an app or scope policy; nothing else may accompany it |
//!
//! There is no origin predicate: a macro policy that compiles can always be built.
//!
//! # What is checked, and when
//!
//! The macros run the same validator as every other way of making a policy
//! (`PolicyConfig::build_named` in `cors-core`), while compiling, and report every problem at
//! once, each at the offending argument or list item, with the fix in the message. Misuse is
//! reported the same way: unknown arguments (with "did you mean"), duplicates, `policy` or
//! `disable` beside other arguments, and `#[cors(..)]` without a route attribute below it.
//!
//! A handler's inline policy allows the handler's own method: without `methods`, the allowed
//! methods are the route's methods; with `methods`, leaving the route's method out is an error,
//! since every preflight for the handler would be refused.
//!
//! Warnings (a lower-case method such as `patch`, which browsers send as written, or a policy
//! that allows no origin) are shown at compile time as `deprecated` warnings at the offending
//! argument: stable Rust has no other way for a macro to warn. They are also in
//! `Policy::warnings()` at run time.
//!
//! # Methods of one path with different policies
//!
//! Each handler answers the preflight for its own method (`Access-Control-Request-Method`), so
//! `GET /items` and `POST /items` may carry different policies. Browsers, however, cache a
//! preflight's grant per origin and URL, not per method: once a preflight for one method is
//! granted, a request for another method of the same URL can skip its preflight (and a simple
//! `GET`, `HEAD` or `POST` never has one). Such a request reaches a handler whose policy was never
//! asked: without blocking, the handler runs (the browser only hides the response). Turn
//! `block_disallowed` on for such handlers, so that their own policy refuses the actual request
//! with 403 before the handler runs:
//!
//! ```
//! use actix_web::{get, post, Responder};
//! use cors_actix::cors;
//!
//! #[cors(origin = "https://myapp.com", block_disallowed)]
//! #[get("/items")]
//! async fn list_items() -> impl Responder {
//!     "items"
//! }
//!
//! // A GET from https://partner.example reaching /items, preflighted or not, gets 403 from
//! // `list_items`' own policy, and `list_items` does not run.
//! #[cors(origin = "https://partner.example", credentials, headers("content-type"), block_disallowed)]
//! #[post("/items")]
//! async fn create_item() -> impl Responder {
//!     "created"
//! }
//! ```
//!
//! # Attribute order
//!
//! `#[cors(..)]` must be written **above** the actix-web route attribute (`#[get]`, `#[post]`,
//! `#[put]`, `#[patch]`, `#[delete]`, `#[head]`, `#[options]`, `#[route]`, also written as a path
//! such as `#[actix_web::get]`), which it consumes and rewrites. The route attribute's path,
//! `name`, `guard` and `wrap` arguments keep their meaning; the CORS middleware wraps outside the
//! route's own `wrap`s, which never see a CORS preflight. The route's guards are evaluated for
//! its preflight as routing evaluates them (an outer CORS layer evaluates the same function
//! before routing), so handlers of one path told apart by a guard each answer their own
//! preflights; see the `cors_actix` crate docs for a guard that reads a header a preflight
//! cannot carry.
//! Below the route attribute, `#[cors(..)]` is never seen by it, and reports that it found no
//! route attribute.

#![warn(missing_docs)]

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

mod args;
mod check;
mod emit;
mod route;

use args::{Context, Source};

/// A CORS policy for one handler; written above its actix-web route attribute.
///
/// ```
/// use actix_web::{get, Responder};
/// use cors_actix::cors;
///
/// #[cors(origins("https://myapp.com", "https://*.myapp.com"), credentials, headers("content-type"))]
/// #[get("/private")]
/// async fn private() -> impl Responder {
///     "secret"
/// }
/// ```
///
/// The handler answers its own preflight (for its own method) with this policy, and its policy
/// alone governs it, whatever app or scope policy surrounds it. See the [crate] docs for every
/// argument, `policy = Type` and `disable`.
#[proc_macro_attribute]
pub fn cors(args: TokenStream, item: TokenStream) -> TokenStream {
    let item2 = TokenStream2::from(item.clone());
    match cors_handler(args.into(), item2.clone()) {
        Ok(tokens) => tokens.into(),
        // Keep the item as written, so that one mistake does not bury it in follow-on errors.
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #item2).into()
        }
    }
}

fn cors_handler(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let func = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let hint = match syn::parse2::<syn::DeriveInput>(item) {
                Ok(_) => "#[cors(..)] goes on a handler function; on a type, write #[derive(CorsPolicy)] above #[cors(..)] to define a named policy",
                Err(_) => "#[cors(..)] goes on a handler function, above its route attribute such as #[get(\"/path\")]",
            };
            return Err(syn::Error::new(proc_macro2::Span::call_site(), hint));
        }
    };
    let parsed_args = args::parse(args, Context::Handler);
    let handler = route::parse(func);
    let (mut args, handler) = match (parsed_args, handler) {
        (Ok(args), Ok(handler)) => (args, handler),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let warnings = match args.source {
        Source::Inline => {
            check::default_handler_methods(&mut args, &handler.route);
            let (policy, warnings) = check::validate(&args)?;
            check::handler_methods_allowed(&args, &handler.route, &policy)?;
            warnings
        }
        Source::Named(_) | Source::Disabled => Vec::new(),
    };
    Ok(emit::handler(handler, &args, &warnings))
}

/// A named CORS policy, checked at compile time: implements `cors_actix::NamedPolicy`, so
/// `Cors::from(PartnerPolicy)` wraps an app or a scope, and `#[cors(policy = PartnerPolicy)]`
/// governs a handler.
///
/// ```
/// use cors_actix::{CorsPolicy, NamedPolicy};
///
/// #[derive(CorsPolicy)]
/// #[cors(origins("https://partner.example"), credentials, methods(GET, POST), max_age = 600)]
/// struct PartnerPolicy;
///
/// assert!(PartnerPolicy::policy().allows_credentials());
/// ```
///
/// The type must be a unit struct; its `#[cors(..)]` helper takes the arguments listed in the
/// [crate] docs, except `policy` and `disable`.
#[proc_macro_derive(CorsPolicy, attributes(cors))]
pub fn derive_cors_policy(input: TokenStream) -> TokenStream {
    match derive(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn derive(input: TokenStream2) -> syn::Result<TokenStream2> {
    let input: syn::DeriveInput = syn::parse2(input)?;
    let mut errors = args::Errors::default();
    let unit = matches!(&input.data, syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unit));
    if !unit {
        errors.at(
            &input.ident,
            "#[derive(CorsPolicy)] names a policy, so it goes on a unit struct: `struct PartnerPolicy;`",
        );
    }
    if !input.generics.params.is_empty() {
        errors.at(&input.generics, "a named policy cannot be generic; remove the generic parameters");
    }
    let helpers: Vec<_> = input.attrs.iter().filter(|a| a.path().is_ident("cors")).collect();
    let mut parsed = None;
    match helpers.as_slice() {
        [] => errors.at(
            &input.ident,
            "#[derive(CorsPolicy)] needs the policy in a #[cors(..)] attribute below it, e.g. #[cors(origins(\"https://partner.example\"), credentials)]",
        ),
        [helper, rest @ ..] => {
            for extra in rest {
                errors.at(extra, "the policy is given twice; write every argument in one #[cors(..)]");
            }
            match helper.meta.require_list().and_then(|list| args::parse(list.tokens.clone(), Context::Derive)) {
                Ok(args) => parsed = Some(args),
                Err(e) => errors.push(e),
            }
        }
    }
    let mut warnings = Vec::new();
    if let Some(args) = &parsed {
        match check::validate(args) {
            Ok((_, found)) => warnings = found,
            Err(e) => errors.push(e),
        }
    }
    errors.finish()?;
    match &parsed {
        Some(args) => Ok(emit::named_policy(&input.ident, args, &warnings)),
        None => Err(syn::Error::new_spanned(&input.ident, "no #[cors(..)] policy found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream2, item: TokenStream2) -> String {
        match cors_handler(args, item) {
            Ok(tokens) => tokens.to_string(),
            Err(e) => panic!("{e}"),
        }
    }

    fn error(args: TokenStream2, item: TokenStream2) -> String {
        match cors_handler(args, item) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        }
    }

    #[test]
    fn a_handler_becomes_a_route_with_its_guard_wraps_and_marker() {
        let out = expand(
            quote!(origin = "https://myapp.com", credentials),
            quote! {
                /// Docs.
                #[actix_web::get("/private", name = "secret", guard = "g1", wrap = "Logger::default()")]
                pub async fn private() -> impl Responder { "secret" }
            },
        );
        for part in [
            "# [doc = r\" Docs.\"] # [allow (non_camel_case_types , missing_docs)] pub struct private ;",
            "impl :: actix_web :: dev :: HttpServiceFactory for private",
            "use actix_web :: get as _ ;",
            "allowed_origins : :: std :: vec ! [:: std :: string :: String :: from (\"https://myapp.com\")]",
            "allow_credentials : true",
            "(:: cors_actix :: __private :: accepts (__ctx , & :: actix_web :: http :: Method :: GET)) && __cors_user_guard (__ctx)",
            "fn __cors_user_guard (__ctx : & :: actix_web :: guard :: GuardContext < '_ >) -> bool { g1 (__ctx) }",
            "# [:: actix_web :: route (\"/private\" , method = \"GET\" , method = \"OPTIONS\" , name = \"secret\" , \
             guard = \"__cors_guard\" , wrap = \"Logger::default()\" , \
             wrap = \"::cors_actix::__private::handler_cors(__cors_governing())\")]",
            ":: cors_actix :: __private :: register_marker (__config , \"/private\" , & [:: actix_web :: http :: Method :: GET] , :: core :: option :: Option :: Some (__cors_user_guard as :: cors_actix :: __private :: GuardFn) , __cors_governing () , \"private\" ,) ;",
        ] {
            assert!(out.contains(part), "missing {part}\nin {out}");
        }
    }

    #[test]
    fn route_with_several_methods_and_no_user_guard() {
        let out = expand(
            quote!(origin = "https://myapp.com"),
            quote! {
                #[route("/items", method = "PUT", method = "PROPFIND")]
                async fn items() -> impl Responder { "" }
            },
        );
        assert!(out.contains(
            ":: cors_actix :: __private :: accepts (__ctx , & :: actix_web :: http :: Method :: PUT) || \
             :: cors_actix :: __private :: accepts (__ctx , & :: actix_web :: http :: Method :: from_bytes (b\"PROPFIND\")"
        ));
        // Without `methods`, the handler's own methods are allowed.
        assert!(out.contains(
            "allowed_methods : :: core :: option :: Option :: Some (:: std :: vec ! [:: std :: string :: String :: from (\"PUT\") , :: std :: string :: String :: from (\"PROPFIND\")])"
        ));
    }

    #[test]
    fn named_and_disabled() {
        let item = quote!(
            #[get("/")]
            async fn h() -> impl Responder {
                ""
            }
        );
        let out = expand(quote!(policy = crate::Partner), item.clone());
        assert!(out.contains(
            ":: cors_actix :: __private :: Governing :: Policy (< crate :: Partner as :: cors_actix :: NamedPolicy > :: policy ())"
        ));
        let out = expand(quote!(disable), item);
        assert!(out.contains(":: cors_actix :: __private :: Governing :: Disabled"));
    }

    #[test]
    fn misplaced_or_misused() {
        let no_route = quote!(
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), no_route).contains("no route attribute below"));
        let two = quote!(
            #[get("/")]
            #[post("/")]
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), two).contains("one route attribute"));
        let routes = quote!(
            #[routes]
            #[get("/")]
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), routes).contains("#[routes]"));
        let trace = quote!(
            #[trace("/")]
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), trace).contains("browsers never send TRACE"));
        let get_with_method = quote!(
            #[get("/", method = "POST")]
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), get_with_method).contains("use `route` instead"));
        let route_without_method = quote!(
            #[route("/")]
            async fn h() -> impl Responder {
                ""
            }
        );
        assert!(error(quote!(origin = "https://a.example"), route_without_method)
            .contains("at least one `method`"));
        // Argument and route problems are reported together.
        let both = error(
            quote!(orign = "x"),
            quote!(
                async fn h() {}
            ),
        );
        assert!(both.contains("did you mean `origin`?") && both.contains("no route attribute"));
    }

    #[test]
    fn derive_emits_named_policy() {
        let out = match derive(quote! {
            #[cors(origin = "https://partner.example", methods(GET, purge))]
            struct Partner;
        }) {
            Ok(tokens) => tokens.to_string(),
            Err(e) => panic!("{e}"),
        };
        assert!(out.contains("impl :: cors_actix :: NamedPolicy for Partner"));
        assert!(out
            .contains(":: cors_actix :: __private :: checked (:: cors_actix :: __private :: PolicyConfig {"));
        // The lower-case method warning, as a deprecated constant.
        assert!(out.contains("# [deprecated (note = \"`methods`: method \\\"purge\\\" is kept as written"));
    }
}
