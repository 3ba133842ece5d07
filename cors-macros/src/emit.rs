//! Stage 3: tokens. Everything is named by absolute path (`::cors_actix::..`, `::actix_web::..`);
//! the runtime helpers live in `cors_actix::__private`.

use cors_core::{PolicyConfig, Preset};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{LitByteStr, LitStr};

use crate::args::{PolicyArgs, Source};
use crate::check::Warning;
use crate::route::Handler;

/// A `PolicyConfig` literal with every field written out. The configuration is destructured
/// without `..`, so a field added to `PolicyConfig` does not compile here until it is emitted.
pub(crate) fn config(config: &PolicyConfig) -> TokenStream {
    let PolicyConfig {
        allowed_origins,
        allowed_methods,
        allowed_headers,
        exposed_headers,
        allow_credentials,
        max_age,
        allow_private_network,
        preflight_continue,
        preflight_status,
        block_disallowed,
        debug,
        allow_null_origin,
        dangerously_allow_insecure_origins,
        dangerously_trust_origin_predicate,
        preset,
    } = config;
    let strings = |list: &[String]| quote!(::std::vec![#(::std::string::String::from(#list)),*]);
    let option = |value: Option<TokenStream>| match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let allowed_origins = strings(allowed_origins);
    let allowed_methods = option(allowed_methods.as_deref().map(strings));
    let allowed_headers = strings(allowed_headers);
    let exposed_headers = strings(exposed_headers);
    let max_age = option(max_age.map(|a| quote!(#a)));
    let preflight_status = option(preflight_status.map(|s| quote!(#s)));
    let preset = option(preset.map(|p| match p {
        Preset::Public => quote!(::cors_actix::__private::Preset::Public),
    }));
    quote! {
        ::cors_actix::__private::PolicyConfig {
            allowed_origins: #allowed_origins,
            allowed_methods: #allowed_methods,
            allowed_headers: #allowed_headers,
            exposed_headers: #exposed_headers,
            allow_credentials: #allow_credentials,
            max_age: #max_age,
            allow_private_network: #allow_private_network,
            preflight_continue: #preflight_continue,
            preflight_status: #preflight_status,
            block_disallowed: #block_disallowed,
            debug: #debug,
            allow_null_origin: #allow_null_origin,
            dangerously_allow_insecure_origins: #dangerously_allow_insecure_origins,
            dangerously_trust_origin_predicate: #dangerously_trust_origin_predicate,
            preset: #preset,
        }
    }
}

/// An item that makes rustc warn at each warning's span: there are no stable proc-macro
/// warnings, so each is the use of a `#[deprecated]` constant whose note is the warning.
pub(crate) fn warnings(warnings: &[Warning]) -> TokenStream {
    if warnings.is_empty() {
        return TokenStream::new();
    }
    let uses = warnings.iter().map(|Warning { span, message }| {
        quote_spanned! {*span=>
            {
                #[deprecated(note = #message)]
                #[allow(non_upper_case_globals)]
                const cors_policy_warning: () = ();
                let _ = cors_policy_warning;
            }
        }
    });
    quote!(const _: () = { #(#uses)* };)
}

/// The `Governing` value of a handler.
fn governing(args: &PolicyArgs) -> TokenStream {
    match &args.source {
        Source::Inline => {
            let config = config(&args.config);
            quote! {
                ::cors_actix::__private::Governing::Policy(::cors_actix::__private::checked(#config))
            }
        }
        Source::Named(ty) => {
            let policy = quote_spanned!(ty.span()=> <#ty as ::cors_actix::NamedPolicy>::policy());
            quote!(::cors_actix::__private::Governing::Policy(#policy))
        }
        Source::Disabled => quote!(::cors_actix::__private::Governing::Disabled),
    }
}

/// An `actix_web::http::Method` value.
fn method(name: &str) -> TokenStream {
    match name {
        "CONNECT" | "DELETE" | "GET" | "HEAD" | "OPTIONS" | "PATCH" | "POST" | "PUT" | "TRACE" => {
            let ident = format_ident!("{}", name);
            quote!(::actix_web::http::Method::#ident)
        }
        _ => {
            let bytes = LitByteStr::new(name.as_bytes(), Span::call_site());
            quote!(::actix_web::http::Method::from_bytes(#bytes).expect("a method actix-web accepted"))
        }
    }
}

/// The handler: a unit struct registering the route, its CORS guard and middleware, and the
/// marker that lets outer CORS layers find the handler's policy before routing.
pub(crate) fn handler(handler: Handler, args: &PolicyArgs, warnings_found: &[Warning]) -> TokenStream {
    let Handler { func, route } = handler;
    let name = &func.sig.ident;
    let vis = &func.vis;
    let docs = func.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let path = &route.path;
    let methods: Vec<TokenStream> = route.methods.iter().map(|(m, _)| method(m)).collect();
    let governing = governing(args);
    let warnings = warnings(warnings_found);

    // The guard: the route's methods, or a CORS preflight for one of them, and the route's own
    // guards. Those see the preflight too, as routing must tell guarded handlers of one path
    // apart for it; an outer CORS layer evaluates the same function before routing.
    let guards = &route.guards;
    let (user_guard, user_guard_fn, guard_body) = if guards.is_empty() {
        (
            quote!(::core::option::Option::None),
            TokenStream::new(),
            quote!(#(::cors_actix::__private::accepts(__ctx, &#methods))||*),
        )
    } else {
        (
            quote!(::core::option::Option::Some(__cors_user_guard as ::cors_actix::__private::GuardFn)),
            quote! {
                fn __cors_user_guard(__ctx: &::actix_web::guard::GuardContext<'_>) -> bool {
                    #(#guards(__ctx))&&*
                }
            },
            quote!((#(::cors_actix::__private::accepts(__ctx, &#methods))||*) && __cors_user_guard(__ctx)),
        )
    };
    let label = name.to_string();

    // The route attribute actix-web expands: `#[get]` refuses `method = ..`, so it becomes
    // `#[route]`, with OPTIONS for the preflight; the CORS middleware is the last, outermost wrap.
    let mut route_args = vec![quote!(#path)];
    for (m, tokens) in &route.methods {
        let lit = LitStr::new(m, tokens.span());
        route_args.push(quote!(method = #lit));
    }
    if !route.methods.iter().any(|(m, _)| m == "OPTIONS") {
        route_args.push(quote!(method = "OPTIONS"));
    }
    if let Some(resource) = &route.name {
        route_args.push(quote!(name = #resource));
    }
    route_args.push(quote!(guard = "__cors_guard"));
    for wrap in &route.wraps {
        route_args.push(quote!(wrap = #wrap));
    }
    route_args.push(quote!(wrap = "::cors_actix::__private::handler_cors(__cors_governing())"));
    for other in &route.others {
        route_args.push(quote!(#other));
    }

    let attribute = &route.attribute;
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types, missing_docs)]
        #vis struct #name;

        #warnings

        impl ::actix_web::dev::HttpServiceFactory for #name {
            fn register(self, __config: &mut ::actix_web::dev::AppService) {
                // The route attribute is rewritten below; this keeps the user's import of it used.
                #[allow(unused_imports)]
                use #attribute as _;

                fn __cors_governing() -> ::cors_actix::__private::Governing {
                    static GOVERNING: ::std::sync::OnceLock<::cors_actix::__private::Governing> =
                        ::std::sync::OnceLock::new();
                    ::core::clone::Clone::clone(GOVERNING.get_or_init(|| #governing))
                }

                #user_guard_fn

                fn __cors_guard(__ctx: &::actix_web::guard::GuardContext<'_>) -> bool {
                    #guard_body
                }

                #[::actix_web::route(#(#route_args),*)]
                #func

                ::cors_actix::__private::register_marker(
                    __config,
                    #path,
                    &[#(#methods),*],
                    #user_guard,
                    __cors_governing(),
                    #label,
                );
                ::actix_web::dev::HttpServiceFactory::register(#name, __config);
            }
        }
    }
}

/// `NamedPolicy` for a `#[derive(CorsPolicy)]` type: the policy is built once, on first use.
pub(crate) fn named_policy(ident: &Ident, args: &PolicyArgs, warnings_found: &[Warning]) -> TokenStream {
    let config = config(&args.config);
    let warnings = warnings(warnings_found);
    quote! {
        #warnings

        impl ::cors_actix::NamedPolicy for #ident {
            fn policy() -> ::cors_actix::__private::Policy {
                static POLICY: ::std::sync::OnceLock<::cors_actix::__private::Policy> =
                    ::std::sync::OnceLock::new();
                ::core::clone::Clone::clone(POLICY.get_or_init(|| ::cors_actix::__private::checked(#config)))
            }
        }
    }
}
