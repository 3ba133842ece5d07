//! Configuration errors as values: what is wrong, with which setting, and how to fix it.

use std::fmt;

/// A setting of a [`PolicyConfig`](crate::PolicyConfig).
///
/// Errors name settings through this type so that each way of configuring a policy can spell
/// them its own way (see [`Naming`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The allowed origins and origin patterns.
    AllowedOrigins,
    /// The allowed methods.
    AllowedMethods,
    /// The allowed request headers.
    AllowedHeaders,
    /// The response headers exposed to scripts.
    ExposedHeaders,
    /// Whether credentials are allowed.
    AllowCredentials,
    /// How long a browser may cache a preflight's answer.
    MaxAge,
    /// Whether Private Network Access preflights are granted.
    AllowPrivateNetwork,
    /// Whether preflights are passed on to the handler.
    PreflightContinue,
    /// The status of a granted preflight.
    PreflightStatus,
    /// Whether refused actual requests are answered with 403.
    BlockDisallowed,
    /// Whether refused preflights carry the reason in their body.
    Debug,
    /// The opt-in for the `null` origin.
    AllowNullOrigin,
    /// The opt-in for `http://` origins together with credentials.
    DangerouslyAllowInsecureOrigins,
    /// A preset filling the settings left unset ([`Preset`](crate::Preset)).
    Preset,
    /// The origin predicate (builder only).
    OriginPredicate,
    /// The opt-in for a predicate (or origin check) that accepts unknown origins together with
    /// credentials.
    DangerouslyTrustOriginPredicate,
    /// The asynchronous origin check, its cache and its timeout (builder only).
    OriginCheck,
}

impl Setting {
    /// Every setting, in the order the documentation lists them.
    pub const ALL: [Setting; 17] = [
        Setting::AllowedOrigins,
        Setting::AllowedMethods,
        Setting::AllowedHeaders,
        Setting::ExposedHeaders,
        Setting::AllowCredentials,
        Setting::MaxAge,
        Setting::AllowPrivateNetwork,
        Setting::PreflightContinue,
        Setting::BlockDisallowed,
        Setting::Debug,
        Setting::PreflightStatus,
        Setting::AllowNullOrigin,
        Setting::DangerouslyAllowInsecureOrigins,
        Setting::Preset,
        Setting::OriginPredicate,
        Setting::DangerouslyTrustOriginPredicate,
        Setting::OriginCheck,
    ];

    /// The field name in [`PolicyConfig`](crate::PolicyConfig) and in serde configuration.
    pub fn field_name(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "allowed_origins",
            Setting::AllowedMethods => "allowed_methods",
            Setting::AllowedHeaders => "allowed_headers",
            Setting::ExposedHeaders => "exposed_headers",
            Setting::AllowCredentials => "allow_credentials",
            Setting::MaxAge => "max_age",
            Setting::AllowPrivateNetwork => "allow_private_network",
            Setting::PreflightContinue => "preflight_continue",
            Setting::PreflightStatus => "preflight_status",
            Setting::BlockDisallowed => "block_disallowed",
            Setting::Debug => "debug",
            Setting::AllowNullOrigin => "allow_null_origin",
            Setting::DangerouslyAllowInsecureOrigins => "dangerously_allow_insecure_origins",
            Setting::Preset => "preset",
            Setting::OriginPredicate => "origin_predicate",
            Setting::DangerouslyTrustOriginPredicate => "dangerously_trust_origin_predicate",
            Setting::OriginCheck => "origin_check",
        }
    }

    /// The environment variable name without its prefix, e.g. `ALLOWED_ORIGINS`.
    ///
    /// `None` for settings the environment cannot express (the predicate).
    pub fn env_suffix(self) -> Option<&'static str> {
        Some(match self {
            Setting::AllowedOrigins => "ALLOWED_ORIGINS",
            Setting::AllowedMethods => "ALLOWED_METHODS",
            Setting::AllowedHeaders => "ALLOWED_HEADERS",
            Setting::ExposedHeaders => "EXPOSED_HEADERS",
            Setting::AllowCredentials => "ALLOW_CREDENTIALS",
            Setting::MaxAge => "MAX_AGE",
            Setting::AllowPrivateNetwork => "ALLOW_PRIVATE_NETWORK",
            Setting::PreflightContinue => "PREFLIGHT_CONTINUE",
            Setting::PreflightStatus => "PREFLIGHT_STATUS",
            Setting::BlockDisallowed => "BLOCK_DISALLOWED",
            Setting::Debug => "DEBUG",
            Setting::AllowNullOrigin => "ALLOW_NULL_ORIGIN",
            Setting::DangerouslyAllowInsecureOrigins => "DANGEROUSLY_ALLOW_INSECURE_ORIGINS",
            Setting::Preset => "PRESET",
            Setting::OriginPredicate | Setting::DangerouslyTrustOriginPredicate | Setting::OriginCheck => {
                return None
            }
        })
    }

    /// How the setting's value is written, in every way of configuring a policy.
    pub fn form(self) -> SettingForm {
        match self {
            Setting::AllowedOrigins
            | Setting::AllowedMethods
            | Setting::AllowedHeaders
            | Setting::ExposedHeaders => SettingForm::List,
            Setting::AllowCredentials
            | Setting::AllowPrivateNetwork
            | Setting::PreflightContinue
            | Setting::BlockDisallowed
            | Setting::Debug
            | Setting::AllowNullOrigin
            | Setting::DangerouslyAllowInsecureOrigins
            | Setting::DangerouslyTrustOriginPredicate => SettingForm::Flag,
            Setting::MaxAge => SettingForm::Seconds,
            Setting::PreflightStatus => SettingForm::Status,
            Setting::Preset => SettingForm::Preset,
            Setting::OriginPredicate | Setting::OriginCheck => SettingForm::Predicate,
        }
    }

    /// Whether the macros (`#[cors(..)]`, `#[derive(CorsPolicy)]`) can express the setting: not
    /// the predicate, nor its opt-in, which only the builder has.
    pub fn in_macros(self) -> bool {
        !matches!(
            self,
            Setting::OriginPredicate | Setting::DangerouslyTrustOriginPredicate | Setting::OriginCheck
        )
    }

    /// What the setting holds, in words, e.g. "the allowed origins".
    pub fn what(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "the allowed origins",
            Setting::AllowedMethods => "the allowed methods",
            Setting::AllowedHeaders => "the allowed request headers",
            Setting::ExposedHeaders => "the exposed headers",
            Setting::AllowCredentials => "whether credentials are allowed",
            Setting::MaxAge => "the max age",
            Setting::AllowPrivateNetwork => "whether Private Network Access is granted",
            Setting::PreflightContinue => "whether preflights are passed on",
            Setting::PreflightStatus => "the preflight status",
            Setting::BlockDisallowed => "whether refused actual requests are blocked",
            Setting::Debug => "whether refusals carry their reason",
            Setting::AllowNullOrigin => "the opt-in for the null origin",
            Setting::DangerouslyAllowInsecureOrigins => "the opt-in for insecure origins with credentials",
            Setting::Preset => "the preset",
            Setting::OriginPredicate => "the origin predicate",
            Setting::DangerouslyTrustOriginPredicate => "the opt-in for a permissive predicate",
            Setting::OriginCheck => "the asynchronous origin check",
        }
    }

    /// The argument name in `#[cors(..)]` and `#[derive(CorsPolicy)]`.
    pub fn macro_argument(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "origins",
            Setting::AllowedMethods => "methods",
            Setting::AllowedHeaders => "headers",
            Setting::ExposedHeaders => "expose",
            Setting::AllowCredentials => "credentials",
            Setting::MaxAge => "max_age",
            Setting::AllowPrivateNetwork => "private_network",
            Setting::PreflightContinue => "preflight_continue",
            Setting::PreflightStatus => "preflight_status",
            Setting::BlockDisallowed => "block_disallowed",
            Setting::Debug => "debug",
            Setting::AllowNullOrigin => "allow_null_origin",
            Setting::DangerouslyAllowInsecureOrigins => "dangerously_allow_insecure_origins",
            Setting::Preset => "preset",
            Setting::OriginPredicate => "origin predicate",
            Setting::DangerouslyTrustOriginPredicate => "dangerously_trust_origin_predicate",
            Setting::OriginCheck => "origin check",
        }
    }

    /// The builder method that sets this setting, e.g. `allow_origins`.
    pub fn builder_method(self) -> &'static str {
        match self {
            Setting::AllowedOrigins => "allow_origins",
            Setting::AllowedMethods => "allow_methods",
            Setting::AllowedHeaders => "allow_headers",
            Setting::ExposedHeaders => "expose_headers",
            Setting::AllowCredentials => "allow_credentials",
            Setting::MaxAge => "max_age",
            Setting::AllowPrivateNetwork => "allow_private_network",
            Setting::PreflightContinue => "preflight_continue",
            Setting::PreflightStatus => "preflight_status",
            Setting::BlockDisallowed => "block_disallowed",
            Setting::Debug => "debug",
            Setting::AllowNullOrigin => "allow_null_origin",
            Setting::DangerouslyAllowInsecureOrigins => "dangerously_allow_insecure_origins",
            Setting::Preset => "preset",
            Setting::OriginPredicate => "allow_origin_fn",
            Setting::DangerouslyTrustOriginPredicate => "dangerously_trust_origin_fn",
            Setting::OriginCheck => "allow_origin_async",
        }
    }
}

/// How a setting's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingForm {
    /// A list of strings (`"*"` among them meaning "any"): origins, methods, headers.
    List,
    /// `true` or `false`.
    Flag,
    /// A number of seconds (the max age).
    Seconds,
    /// A status code (the preflight status).
    Status,
    /// A preset's name.
    Preset,
    /// A function (builder only).
    Predicate,
}

/// How errors spell setting names: each way of configuring a policy uses its own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Naming {
    /// Builder methods, e.g. `allow_origins`.
    Builder,
    /// Fields of [`PolicyConfig`](crate::PolicyConfig) and serde configuration.
    Config,
    /// Environment variables with this prefix, e.g. `CORS` gives `CORS_ALLOWED_ORIGINS`.
    Env(String),
    /// Arguments of the `#[cors]` attribute and `#[derive(CorsPolicy)]`.
    Macro,
}

impl Naming {
    /// The name of `setting` in these words.
    pub fn name(&self, setting: Setting) -> String {
        match self {
            Naming::Builder => format!("`{}`", setting.builder_method()),
            Naming::Config => format!("`{}`", setting.field_name()),
            Naming::Macro => format!("`{}`", setting.macro_argument()),
            Naming::Env(prefix) => match setting.env_suffix() {
                Some(suffix) => format!("{prefix}_{suffix}"),
                None => format!("`{}` (builder only)", setting.builder_method()),
            },
        }
    }
}

impl Naming {
    /// How to turn a boolean `setting` on, in these words: `.allow_null_origin(true)`,
    /// `CORS_ALLOW_NULL_ORIGIN=true`, `allow_null_origin = true`, or the argument `allow_null_origin`.
    pub fn turn_on(&self, setting: Setting) -> String {
        match self {
            Naming::Builder => format!("`.{}(true)`", setting.builder_method()),
            Naming::Config => format!("`{} = true`", setting.field_name()),
            Naming::Macro => format!("the argument `{}`", setting.macro_argument()),
            Naming::Env(_) => format!("{}=true", self.name(setting)),
        }
    }
}

/// What kind of mistake a [`ConfigError`] reports; stable for tests and tooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `*` (any origin) together with credentials.
    AnyOriginWithCredentials,
    /// `*` listed beside explicit origins.
    AnyOriginInList,
    /// An origin without `scheme://`.
    OriginWithoutScheme,
    /// A scheme other than `http` or `https`.
    UnsupportedScheme,
    /// A path, or a trailing slash, after the host.
    OriginWithPath,
    /// A query or a fragment after the host.
    OriginWithQuery,
    /// `user@` or `user:password@` before the host.
    OriginWithUserinfo,
    /// A default port written out (`:443` for https, `:80` for http).
    DefaultPort,
    /// A port that is not a number from 1 to 65535.
    InvalidPort,
    /// Upper-case letters in the scheme or host.
    NotLowerCase,
    /// A non-ASCII host; the message gives its ASCII (punycode) form.
    UnicodeHost,
    /// A host a browser cannot send: empty labels, invalid characters, a malformed address.
    InvalidHost,
    /// `*` anywhere but the leading label or the port.
    MisplacedWildcard,
    /// A subdomain wildcard directly on a public suffix (`https://*.co.uk`).
    PublicSuffixWildcard,
    /// The `null` origin without its opt-in.
    NullOrigin,
    /// An `http://` origin (not loopback) together with credentials, without its opt-in.
    InsecureOriginWithCredentials,
    /// A header name that is not an HTTP token.
    InvalidHeaderName,
    /// A forbidden request header in the allowed list: scripts can never send it.
    ForbiddenRequestHeader,
    /// `Set-Cookie` in the exposed list: browsers never expose it.
    ExposedSetCookie,
    /// `*` in the exposed headers together with credentials.
    ExposeAnyWithCredentials,
    /// A method name that is not an HTTP token.
    InvalidMethod,
    /// `CONNECT`, `TRACE` or `TRACK`: browsers refuse to send them.
    ForbiddenMethod,
    /// A lower-case method other than the six browsers upper-case (a warning).
    LowerCaseMethod,
    /// A max age that is negative or not a number.
    InvalidMaxAge,
    /// A max age above 86400 seconds.
    MaxAgeTooLarge,
    /// A preflight status other than 200 or 204.
    InvalidPreflightStatus,
    /// An origin predicate (or asynchronous origin check) that accepts origins no deployment
    /// allows, with credentials on.
    PermissivePredicate,
    /// An asynchronous origin check's cache or timeout out of bounds.
    InvalidOriginCheck,
    /// A value that is not `true` or `false`.
    InvalidBoolean,
    /// An environment variable with the prefix that names no setting (likely a typo).
    UnknownVariable,
    /// An environment value that is not valid UTF-8.
    NotUnicode,
    /// A preset name that is not one of the presets.
    UnknownPreset,
    /// No origin is allowed: every cross-origin request will be refused (a warning).
    NoOrigins,
}

/// One configuration problem: the setting(s), the offending value, and the fix, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: ErrorKind,
    settings: Vec<Setting>,
    item: Option<usize>,
    subject: Option<String>,
    message: String,
    naming: Naming,
}

impl ConfigError {
    /// A problem with `setting`; `message` says what is wrong and how to fix it.
    pub fn new(kind: ErrorKind, setting: Setting, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            settings: vec![setting],
            item: None,
            subject: None,
            message: message.into(),
            naming: Naming::Config,
        }
    }

    /// A problem with a combination of settings; every one of them is named.
    pub fn combination(kind: ErrorKind, settings: &[Setting], message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            settings: settings.to_vec(),
            item: None,
            subject: None,
            message: message.into(),
            naming: Naming::Config,
        }
    }

    /// A problem that is not about a setting (e.g. an unknown environment variable named `subject`).
    pub fn about(kind: ErrorKind, subject: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            kind,
            settings: Vec::new(),
            item: None,
            subject: Some(subject.into()),
            message: message.into(),
            naming: Naming::Config,
        }
    }

    /// Marks the error as being about the `index`-th item of a list setting.
    pub fn at(mut self, index: usize) -> Self {
        self.item = Some(index);
        self
    }

    /// Spells setting names in these words.
    pub fn named(mut self, naming: &Naming) -> Self {
        self.naming = naming.clone();
        self
    }

    /// What kind of mistake this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Every setting involved; a combination names all of them.
    pub fn settings(&self) -> &[Setting] {
        &self.settings
    }

    /// The position of the offending item in a list setting, when there is one.
    pub fn item(&self) -> Option<usize> {
        self.item
    }

    /// The problem and its fix, without the setting names.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(subject) = &self.subject {
            write!(f, "{subject}: ")?;
        }
        for (i, setting) in self.settings.iter().enumerate() {
            if i > 0 {
                f.write_str(if i + 1 == self.settings.len() { " and " } else { ", " })?;
            }
            f.write_str(&self.naming.name(*setting))?;
        }
        if !self.settings.is_empty() {
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in one configuration, reported together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub(crate) fn new(errors: Vec<ConfigError>) -> Self {
        debug_assert!(!errors.is_empty());
        ConfigErrors { errors }
    }

    /// The problems, in the order the settings are checked.
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// The kinds of the problems, for quick assertions.
    pub fn kinds(&self) -> Vec<ErrorKind> {
        self.errors.iter().map(ConfigError::kind).collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(f, "invalid CORS configuration ({n} problem{}):", if n == 1 { "" } else { "s" })?;
        for error in &self.errors {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::{Setting, SettingForm};
    use crate::PolicyConfig;

    /// A position per setting, written as an exhaustive match: a new setting does not compile
    /// until it has one, and then fails below until `Setting::ALL` lists it.
    fn position(setting: Setting) -> usize {
        match setting {
            Setting::AllowedOrigins => 0,
            Setting::AllowedMethods => 1,
            Setting::AllowedHeaders => 2,
            Setting::ExposedHeaders => 3,
            Setting::AllowCredentials => 4,
            Setting::MaxAge => 5,
            Setting::AllowPrivateNetwork => 6,
            Setting::PreflightContinue => 7,
            Setting::BlockDisallowed => 8,
            Setting::Debug => 9,
            Setting::PreflightStatus => 10,
            Setting::AllowNullOrigin => 11,
            Setting::DangerouslyAllowInsecureOrigins => 12,
            Setting::Preset => 13,
            Setting::OriginPredicate => 14,
            Setting::DangerouslyTrustOriginPredicate => 15,
            Setting::OriginCheck => 16,
        }
    }

    #[test]
    fn all_lists_every_setting_once_in_order() {
        let positions: Vec<usize> = Setting::ALL.iter().map(|s| position(*s)).collect();
        assert_eq!(positions, (0..Setting::ALL.len()).collect::<Vec<_>>());
    }

    #[test]
    fn each_setting_has_the_one_setter_of_its_form() {
        for setting in Setting::ALL {
            let mut c = PolicyConfig::default();
            let accepted = [
                c.push(setting, "x"),
                c.set_flag(setting, true),
                c.set_seconds(setting, 1),
                c.set_status(setting, 200),
                c.set_preset(setting, crate::Preset::Public),
            ];
            let expected = match setting.form() {
                SettingForm::List => [true, false, false, false, false],
                SettingForm::Flag => [false, true, false, false, false],
                SettingForm::Seconds => [false, false, true, false, false],
                SettingForm::Status => [false, false, false, true, false],
                SettingForm::Preset => [false, false, false, false, true],
                SettingForm::Predicate => [false; 5],
            };
            assert_eq!(accepted, expected, "{setting:?}");
            if accepted.contains(&true) {
                assert_ne!(c, PolicyConfig::default(), "{setting:?}: the setter changed nothing");
            }
        }
    }
}
