//! Stage 1: the policy arguments, parsed into a plain [`PolicyConfig`] plus the tokens of every
//! argument and list item, so that stage 2 can point at what a [`cors_core::ConfigError`] is about.

use std::collections::HashMap;

use cors_core::{Naming, PolicyConfig, Preset, Setting, SettingForm};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, Token, Type, UnOp};

/// Which macro the arguments belong to: `policy` and `disable` exist only on handlers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Context {
    /// `#[cors(..)]` above a route attribute.
    Handler,
    /// The `#[cors(..)]` helper of `#[derive(CorsPolicy)]`.
    Derive,
}

/// Where a handler's policy comes from.
pub(crate) enum Source {
    /// Written inline: the [`PolicyArgs::config`].
    Inline,
    /// `policy = Type`: a type implementing `NamedPolicy`.
    Named(Box<Type>),
    /// `disable`: the handler is not CORS.
    Disabled,
}

/// The parsed arguments: the model stages 2 and 3 work on.
pub(crate) struct PolicyArgs {
    pub(crate) config: PolicyConfig,
    pub(crate) source: Source,
    pub(crate) spans: Spans,
    /// Whether `methods`/`any_method` was written (a handler then adds its own methods).
    pub(crate) methods_written: bool,
}

/// The tokens of each written setting and of each item of a list setting.
#[derive(Default)]
pub(crate) struct Spans {
    args: HashMap<Setting, TokenStream>,
    items: HashMap<Setting, Vec<TokenStream>>,
}

impl Spans {
    /// The tokens a problem with `setting` (and its `item`-th entry) should point at.
    pub(crate) fn locate(&self, setting: Setting, item: Option<usize>) -> Option<&TokenStream> {
        item.and_then(|i| self.items.get(&setting)?.get(i)).or_else(|| self.args.get(&setting))
    }

    /// Records the tokens of the item appended to a list setting.
    pub(crate) fn push_item(&mut self, setting: Setting, tokens: TokenStream) {
        self.items.entry(setting).or_default().push(tokens);
    }

    fn set_arg(&mut self, setting: Setting, tokens: TokenStream) {
        self.args.insert(setting, tokens);
    }
}

/// How an argument name writes its setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spelling {
    /// The setting's own argument (`Setting::macro_argument`), in the setting's form.
    Own,
    /// One item of a list setting: `origin = ".."`.
    One,
    /// "Any" for a list setting: `any_origin`, written `"*"`.
    Any,
    /// A preset by name, written alone: `public`.
    Preset(Preset),
}

/// One argument name of the macros.
#[derive(Clone, Copy, Debug)]
struct Argument {
    name: &'static str,
    setting: Setting,
    spelling: Spelling,
}

/// The two arguments only a handler's `#[cors(..)]` has, which name no setting.
const HANDLER_ONLY: [&str; 2] = ["policy", "disable"];

/// Every argument name: each setting the macros can express under its own argument, as
/// cors-core names it, then the shorthands.
fn arguments() -> Vec<Argument> {
    let own = Setting::ALL.into_iter().filter(|s| s.in_macros()).map(|setting| Argument {
        name: setting.macro_argument(),
        setting,
        spelling: Spelling::Own,
    });
    let shorthands = [
        ("origin", Setting::AllowedOrigins, Spelling::One),
        ("any_origin", Setting::AllowedOrigins, Spelling::Any),
        ("any_method", Setting::AllowedMethods, Spelling::Any),
        ("any_header", Setting::AllowedHeaders, Spelling::Any),
        ("expose_any", Setting::ExposedHeaders, Spelling::Any),
    ]
    .map(|(name, setting, spelling)| Argument { name, setting, spelling });
    let presets = Preset::ALL.map(|p| Argument {
        name: p.name(),
        setting: Setting::Preset,
        spelling: Spelling::Preset(p),
    });
    own.chain(shorthands).chain(presets).collect()
}

/// One argument as written, before it is understood.
struct RawArg {
    name: Ident,
    value: RawValue,
}

enum RawValue {
    /// `credentials`
    Flag,
    /// `max_age = 600`, or `policy = Type`
    Assign(Box<Expr>),
    /// `policy = Type`
    Type(Box<Type>),
    /// `origins("..", "..")`
    List(Punctuated<Expr, Token![,]>),
}

impl RawArg {
    fn tokens(&self) -> TokenStream {
        let mut tokens = self.name.to_token_stream();
        match &self.value {
            RawValue::Flag => {}
            RawValue::Assign(expr) => expr.to_tokens(&mut tokens),
            RawValue::Type(ty) => ty.to_tokens(&mut tokens),
            RawValue::List(items) => {
                // Only the name and the last item: enough for the span to cover the argument.
                if let Some(last) = items.last() {
                    last.to_tokens(&mut tokens);
                }
            }
        }
        tokens
    }

    fn value_tokens(&self) -> TokenStream {
        match &self.value {
            RawValue::Assign(expr) => expr.to_token_stream(),
            RawValue::Type(ty) => ty.to_token_stream(),
            RawValue::Flag | RawValue::List(_) => self.name.to_token_stream(),
        }
    }
}

impl Parse for RawArg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "expected a CORS argument, such as `origins(\"https://myapp.com\")`")
        })?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            if name == "policy" {
                RawValue::Type(input.parse()?)
            } else {
                RawValue::Assign(input.parse()?)
            }
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            RawValue::List(content.parse_terminated(Expr::parse, Token![,])?)
        } else {
            RawValue::Flag
        };
        Ok(RawArg { name, value })
    }
}

struct RawArgs(Punctuated<RawArg, Token![,]>);

impl Parse for RawArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(RawArgs(input.parse_terminated(RawArg::parse, Token![,])?))
    }
}

/// Collects errors so that every problem is reported at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The argument of this name, if there is one.
fn argument(name: &str) -> Option<Argument> {
    arguments().into_iter().find(|a| a.name == name)
}

/// The closest known argument to a misspelt one.
fn suggestion(name: &str, context: Context) -> Option<&'static str> {
    known(context)
        .into_iter()
        .map(|known| (known, strsim::jaro_winkler(name, known)))
        .filter(|(_, score)| *score > 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(known, _)| known)
}

/// Parses the arguments of `#[cors(..)]` (for `context`) into the model.
pub(crate) fn parse(tokens: TokenStream, context: Context) -> syn::Result<PolicyArgs> {
    let raw: RawArgs = syn::parse2(tokens)?;
    let mut errors = Errors::default();
    let mut args = PolicyArgs {
        config: PolicyConfig::default(),
        source: Source::Inline,
        spans: Spans::default(),
        methods_written: false,
    };
    // The first argument that wrote each setting, for duplicate detection.
    let mut seen: HashMap<Setting, Ident> = HashMap::new();
    let mut policy_or_disable: Option<&RawArg> = None;
    let mut others: Vec<&RawArg> = Vec::new();

    for arg in &raw.0 {
        let name = arg.name.to_string();
        if name == "policy" || name == "disable" {
            if context == Context::Derive {
                errors.at(
                    &arg.name,
                    format!("`{name}` belongs on a handler's #[cors(..)], not on #[derive(CorsPolicy)], which defines a policy; remove it"),
                );
                continue;
            }
            if let Some(previous) = policy_or_disable {
                errors.at(
                    &arg.name,
                    format!("`{name}` cannot be combined with `{}`: a handler either names a policy or disables CORS; keep one", previous.name),
                );
                continue;
            }
            policy_or_disable = Some(arg);
            match (name.as_str(), &arg.value) {
                ("policy", RawValue::Type(ty)) => args.source = Source::Named(ty.clone()),
                ("disable", RawValue::Flag) => args.source = Source::Disabled,
                ("policy", _) => errors.at(
                    arg.tokens(),
                    "write `policy = PolicyType`, naming a type with #[derive(CorsPolicy)]",
                ),
                _ => errors.at(arg.tokens(), "write `disable` alone, without a value"),
            }
            continue;
        }
        let Some(argument) = argument(&name) else {
            let hint = match suggestion(&name, context) {
                Some(known) => format!("; did you mean `{known}`?"),
                None => format!("; the arguments are: {}", known_list(context)),
            };
            errors.at(&arg.name, format!("unknown CORS argument `{name}`{hint}"));
            continue;
        };
        others.push(arg);
        let setting = argument.setting;
        if let Some(previous) = seen.get(&setting) {
            let message = if *previous == name {
                format!("`{name}` is given twice; remove one")
            } else {
                format!(
                    "`{name}` and `{previous}` both set {}; keep one, with every item in one list",
                    setting.what()
                )
            };
            errors.at(&arg.name, message);
            continue;
        }
        seen.insert(setting, arg.name.clone());
        args.spans.set_arg(setting, arg.value_tokens());
        if let Err(e) = apply(&mut args, argument, arg) {
            errors.push(e);
        }
    }

    if let Some(alone) = policy_or_disable {
        let what = if alone.name == "policy" {
            "`policy` names a complete policy, so nothing else may accompany it; move this setting into the #[cors(..)] of that policy's #[derive(CorsPolicy)], or write the whole policy inline"
        } else {
            "`disable` turns CORS off for this handler, so nothing else may accompany it; remove this argument, or remove `disable`"
        };
        for other in others {
            errors.at(&other.name, what);
        }
    }
    errors.finish()?;
    Ok(args)
}

/// Every argument name in `context`.
fn known(context: Context) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = arguments().iter().map(|a| a.name).collect();
    if context == Context::Handler {
        names.extend(HANDLER_ONLY);
    }
    names
}

fn known_list(context: Context) -> String {
    known(context).iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
}

/// An example of one item of a list setting, for messages.
fn example(setting: Setting) -> &'static str {
    if setting == Setting::AllowedOrigins {
        "an origin such as \"https://myapp.com\""
    } else if setting == Setting::AllowedMethods {
        "a method such as PATCH or \"PATCH\""
    } else if setting == Setting::AllowedHeaders {
        "a header name such as \"content-type\""
    } else {
        "a header name such as \"x-request-id\""
    }
}

/// Writes one argument into the configuration, by the form of its setting: cors-core's setters
/// name the fields, so a new setting needs nothing here.
fn apply(args: &mut PolicyArgs, argument: Argument, arg: &RawArg) -> syn::Result<()> {
    let name = argument.name;
    let setting = argument.setting;
    let methods = setting == Setting::AllowedMethods;
    match (argument.spelling, setting.form()) {
        (Spelling::One, SettingForm::List) => {
            let RawValue::Assign(expr) = &arg.value else {
                return Err(form(arg, format!("write `{name} = ..` with one string, {}", example(setting))));
            };
            args.config.push(setting, string(expr, example(setting))?);
            args.spans.push_item(setting, expr.to_token_stream());
        }
        (Spelling::Any, SettingForm::List) => {
            if !matches!(arg.value, RawValue::Flag) {
                return Err(form(arg, format!("write `{name}` alone, without a value")));
            }
            args.methods_written |= methods;
            args.config.push(setting, "*");
            args.spans.push_item(setting, arg.name.to_token_stream());
        }
        (_, SettingForm::List) => {
            let RawValue::List(items) = &arg.value else {
                return Err(form(arg, format!("write `{name}(..)` with a list, each {}", example(setting))));
            };
            if methods {
                args.methods_written = true;
                // Written, even empty: the list replaces the default methods.
                args.config.allowed_methods.get_or_insert_with(Vec::new);
            }
            let mut errors = Errors::default();
            for item in items {
                let value = match item {
                    // A method may be written as a bare word: `methods(GET, PATCH)`.
                    Expr::Path(p) if methods && p.qself.is_none() && p.path.get_ident().is_some() => {
                        p.path.get_ident().map(Ident::to_string).unwrap_or_default()
                    }
                    other => match string(other, example(setting)) {
                        Ok(v) => v,
                        Err(e) => {
                            errors.push(e);
                            continue;
                        }
                    },
                };
                args.config.push(setting, value);
                args.spans.push_item(setting, item.to_token_stream());
            }
            errors.finish()?;
        }
        (_, SettingForm::Flag) => {
            let on = match &arg.value {
                RawValue::Flag => true,
                RawValue::Assign(expr) => match &**expr {
                    Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. }) => b.value,
                    _ => {
                        return Err(form(
                            arg,
                            format!("write `{name}`, or `{name} = true` / `{name} = false`"),
                        ))
                    }
                },
                _ => return Err(form(arg, format!("write `{name}`, or `{name} = true` / `{name} = false`"))),
            };
            args.config.set_flag(setting, on);
        }
        (_, SettingForm::Seconds) => {
            let RawValue::Assign(expr) = &arg.value else {
                return Err(form(
                    arg,
                    format!("write `{name} = 600` (seconds, at most {})", cors_core::MAX_MAX_AGE),
                ));
            };
            args.config.set_seconds(setting, max_age(expr)?);
        }
        (_, SettingForm::Status) => {
            let RawValue::Assign(expr) = &arg.value else {
                return Err(form(arg, format!("write `{name} = 200` (or 204, the default)")));
            };
            let parsed = match &**expr {
                Expr::Lit(syn::ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse::<u16>().ok(),
                _ => None,
            };
            let status = match parsed {
                Some(status) => status,
                None => cors_core::parse_status(&expr.to_token_stream().to_string())
                    .map_err(|e| syn::Error::new_spanned(expr, e.named(&Naming::Macro)))?,
            };
            args.config.set_status(setting, status);
        }
        (Spelling::Preset(preset), SettingForm::Preset) => {
            if !matches!(arg.value, RawValue::Flag) {
                return Err(form(arg, format!("write `{name}` alone, without a value")));
            }
            args.config.set_preset(setting, preset);
        }
        (_, SettingForm::Preset) => {
            let RawValue::Assign(expr) = &arg.value else {
                return Err(form(arg, "write `preset = \"public\"`, or `public` alone"));
            };
            let value = string(expr, "a preset such as \"public\"")?;
            let Some(preset) = Preset::parse(&value) else {
                let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                return Err(syn::Error::new_spanned(
                    expr,
                    format!("`preset`: \"{value}\" is not a preset; the presets are: {}", names.join(", ")),
                ));
            };
            args.config.set_preset(setting, preset);
        }
        (_, SettingForm::Predicate) => {
            return Err(form(arg, format!("`{name}` is only for the builder (`Policy::builder()`)")));
        }
    }
    Ok(())
}

fn form(arg: &RawArg, message: impl std::fmt::Display) -> syn::Error {
    syn::Error::new_spanned(arg.tokens(), message)
}

/// A string literal's value.
fn string(expr: &Expr, example: &str) -> syn::Result<String> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Ok(s.value()),
        other => Err(syn::Error::new_spanned(other, format!("expected a string literal: {example}"))),
    }
}

/// A max age: a whole number, possibly negative (which the validator then refuses).
fn max_age(expr: &Expr) -> syn::Result<i64> {
    let (negative, inner) = match expr {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, &*u.expr),
        other => (false, other),
    };
    if let Expr::Lit(syn::ExprLit { lit: Lit::Int(int), .. }) = inner {
        if let Ok(n) = int.base10_parse::<i64>() {
            return Ok(if negative { -n } else { n });
        }
    }
    let text = match inner {
        Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => s.value(),
        _ => expr.to_token_stream().to_string(),
    };
    let error = match cors_core::parse_max_age(&text) {
        Err(e) => e.named(&Naming::Macro).to_string(),
        Ok(_) => format!("`max_age`: write the number without quotes: `max_age = {}`", text.trim()),
    };
    Err(syn::Error::new_spanned(expr, error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn config(tokens: TokenStream) -> PolicyConfig {
        match parse(tokens, Context::Handler) {
            Ok(args) => args.config,
            Err(e) => panic!("{e}"),
        }
    }

    fn error(tokens: TokenStream, context: Context) -> String {
        match parse(tokens, context) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        }
    }

    #[test]
    fn every_list_form() {
        let c = config(quote!(origin = "https://a.example"));
        assert_eq!(c.allowed_origins, ["https://a.example"]);
        let c = config(quote!(
            origins("https://a.example", "https://*.b.example"),
            methods(GET, put, "PATCH"),
            headers("content-type", "authorization"),
            expose("x-request-id"),
        ));
        assert_eq!(c.allowed_origins, ["https://a.example", "https://*.b.example"]);
        assert_eq!(c.allowed_methods, Some(vec!["GET".into(), "put".into(), "PATCH".into()]));
        assert_eq!(c.allowed_headers, ["content-type", "authorization"]);
        assert_eq!(c.exposed_headers, ["x-request-id"]);
        let c = config(quote!(any_origin, any_method, any_header, expose_any));
        assert_eq!(c.allowed_origins, ["*"]);
        assert_eq!(c.allowed_methods, Some(vec!["*".into()]));
        assert_eq!(c.allowed_headers, ["*"]);
        assert_eq!(c.exposed_headers, ["*"]);
    }

    #[test]
    fn every_flag_and_number() {
        let c = config(quote!(
            credentials,
            private_network,
            preflight_continue,
            block_disallowed,
            debug,
            allow_null_origin,
            dangerously_allow_insecure_origins,
            max_age = 600,
            preflight_status = 200
        ));
        assert!(c.allow_credentials && c.allow_private_network && c.preflight_continue);
        assert!(c.block_disallowed && c.debug && c.allow_null_origin);
        assert!(c.dangerously_allow_insecure_origins);
        assert_eq!((c.max_age, c.preflight_status), (Some(600), Some(200)));
        let c = config(quote!(credentials = false, debug = true, max_age = -5));
        assert!(!c.allow_credentials && c.debug);
        assert_eq!(c.max_age, Some(-5));
    }

    #[test]
    fn policy_and_disable() {
        let args = parse(quote!(policy = crate::Partner), Context::Handler).unwrap();
        assert!(matches!(args.source, Source::Named(_)));
        let args = parse(quote!(disable), Context::Handler).unwrap();
        assert!(matches!(args.source, Source::Disabled));
        assert!(error(quote!(disable), Context::Derive).contains("belongs on a handler"));
        assert!(error(quote!(disable, credentials), Context::Handler).contains("nothing else"));
        assert!(error(quote!(credentials, policy = P), Context::Handler).contains("nothing else"));
        assert!(error(quote!(policy = P, disable), Context::Handler).contains("cannot be combined"));
    }

    #[test]
    fn every_argument_is_in_the_crate_docs_table() {
        let docs = include_str!("lib.rs");
        for name in known(Context::Handler) {
            assert!(
                docs.contains(&format!("//! | `{name}")),
                "`{name}` is not in the arguments table of the crate docs"
            );
        }
    }

    #[test]
    fn misuse() {
        assert!(error(quote!(orgins("x")), Context::Handler).contains("did you mean `origins`?"));
        assert!(error(quote!(zzz), Context::Derive).contains("the arguments are"));
        assert!(error(quote!(credentials, credentials), Context::Handler).contains("given twice"));
        assert!(error(quote!(any_origin, origin = "https://a.example"), Context::Handler)
            .contains("both set the allowed origins"));
        assert!(error(quote!(origins(a)), Context::Handler).contains("expected a string literal"));
        assert!(error(quote!(origins = "x"), Context::Handler).contains("write `origins(..)`"));
        assert!(error(quote!(credentials = 1), Context::Handler).contains("credentials = true"));
        assert!(error(quote!(max_age = "ten"), Context::Handler).contains("not a number of seconds"));
        assert!(error(quote!(max_age = "10"), Context::Handler).contains("without quotes"));
        assert!(error(quote!(max_age = 99999999999999999999), Context::Handler).contains("0 to 86400"));
        assert!(error(quote!(preflight_status = 70000), Context::Handler).contains("204"));
    }
}
