//! Stage 1 for handlers: the actix-web route attribute below `#[cors(..)]`, parsed into a plain
//! model (path, methods, name, guards, wraps) so that stage 3 can rewrite it.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ItemFn, Lit, LitStr, MetaNameValue, Path, Token};

use crate::args::Errors;

/// The methods of actix-web's single-method route attributes.
const METHOD_ATTRIBUTES: [(&str, &str); 9] = [
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
    ("connect", "CONNECT"),
];

/// A handler function and the route attribute that `#[cors(..)]` consumes.
pub(crate) struct Handler {
    /// The function, without the route attribute.
    pub(crate) func: ItemFn,
    pub(crate) route: Route,
}

/// One actix-web route attribute, understood.
pub(crate) struct Route {
    /// The route attribute's own path (`get`, `actix_web::get`), kept so its import stays used.
    pub(crate) attribute: Path,
    /// The path pattern, e.g. `"/items/{id}"`.
    pub(crate) path: LitStr,
    /// The methods, upper-case as actix-web requires, each with the tokens that wrote it.
    pub(crate) methods: Vec<(String, TokenStream)>,
    /// `name = ".."`.
    pub(crate) name: Option<LitStr>,
    /// `guard = ".."`, each a path to a `fn(&GuardContext) -> bool`.
    pub(crate) guards: Vec<Path>,
    /// `wrap = ".."`, each an expression, innermost first.
    pub(crate) wraps: Vec<LitStr>,
    /// Anything else, passed on for actix-web to judge.
    pub(crate) others: Vec<MetaNameValue>,
}

/// `"/path", key = "value", ..`: the arguments of a route attribute.
struct RouteArgs {
    path: LitStr,
    options: Punctuated<MetaNameValue, Token![,]>,
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path = input.parse::<LitStr>()?;
        let options = if input.parse::<Option<Token![,]>>()?.is_some() {
            Punctuated::parse_terminated(input)?
        } else {
            Punctuated::new()
        };
        Ok(RouteArgs { path, options })
    }
}

/// What kind of route attribute an attribute is, by the last segment of its path.
enum Kind {
    Method(&'static str),
    Route,
    Routes,
}

fn kind(attr: &Attribute) -> Option<Kind> {
    let last = attr.path().segments.last()?.ident.to_string();
    if last == "route" {
        return Some(Kind::Route);
    }
    if last == "routes" {
        return Some(Kind::Routes);
    }
    METHOD_ATTRIBUTES.iter().find(|(attr, _)| *attr == last).map(|(_, method)| Kind::Method(method))
}

const ORDER: &str =
    "#[cors(..)] must be written directly above an actix-web route attribute, which it consumes: \
`#[cors(origin = \"https://myapp.com\")]` then `#[get(\"/path\")]` then the `async fn`. \
Attribute order matters: #[cors(..)] below the route attribute is never seen by it";

/// Finds and parses the route attribute of `func`, and takes it off the function.
pub(crate) fn parse(mut func: ItemFn) -> syn::Result<Handler> {
    let mut found: Option<(Kind, Attribute)> = None;
    let mut errors = Errors::default();
    let mut kept = Vec::new();
    for attr in std::mem::take(&mut func.attrs) {
        match (kind(&attr), &found) {
            (None, _) => kept.push(attr),
            (Some(Kind::Routes), _) => errors.at(
                attr.path(),
                "#[cors(..)] does not support #[routes]; write one handler function per route, each with its own #[cors(..)]",
            ),
            (Some(_), Some(_)) => errors.at(
                &attr,
                "#[cors(..)] governs one route attribute; give each route its own handler function",
            ),
            (Some(k), None) => found = Some((k, attr)),
        }
    }
    func.attrs = kept;
    errors.finish()?;
    let Some((kind, attr)) = found else {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("no route attribute below #[cors(..)]; {ORDER}"),
        ));
    };

    let args: RouteArgs = attr.parse_args().map_err(|e| {
        let mut e = e;
        e.combine(syn::Error::new_spanned(&attr, "expected a route attribute such as #[get(\"/path\")]"));
        e
    })?;
    let mut route = Route {
        attribute: attr.path().clone(),
        path: args.path,
        methods: Vec::new(),
        name: None,
        guards: Vec::new(),
        wraps: Vec::new(),
        others: Vec::new(),
    };
    let mut errors = Errors::default();
    match kind {
        Kind::Method(method) => route.methods.push((method.to_string(), attr.path().to_token_stream())),
        Kind::Route | Kind::Routes => {}
    }
    for option in args.options {
        let key = option.path.get_ident().map(ToString::to_string).unwrap_or_default();
        let lit = match &option.value {
            Expr::Lit(syn::ExprLit { lit: Lit::Str(lit), .. }) => Some(lit.clone()),
            _ => None,
        };
        match (key.as_str(), lit) {
            ("method", Some(lit)) if matches!(kind, Kind::Route) => {
                route.methods.push((lit.value(), lit.to_token_stream()));
            }
            ("method", Some(_)) => errors
                .at(&option, "HTTP method forbidden here; to handle multiple methods, use `route` instead"),
            ("name", Some(lit)) => route.name = Some(lit),
            ("guard", Some(lit)) => match lit.parse::<Path>() {
                Ok(path) => route.guards.push(path),
                Err(e) => errors.push(e),
            },
            ("wrap", Some(lit)) => route.wraps.push(lit),
            _ => route.others.push(option),
        }
    }
    if matches!(kind, Kind::Route) && route.methods.is_empty() {
        errors.at(&attr, "The #[route(..)] macro requires at least one `method` attribute");
    }
    for (method, tokens) in &route.methods {
        if cors_core::is_forbidden_method(method.as_bytes()) {
            errors.at(
                tokens,
                format!("browsers never send {method} (the Fetch standard forbids it), so CORS cannot apply to this handler; remove #[cors(..)]"),
            );
        }
    }
    errors.finish()?;
    Ok(Handler { func, route })
}
