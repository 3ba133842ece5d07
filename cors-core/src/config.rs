//! [`PolicyConfig`]: a policy's settings as plain data, before validation.

use crate::error::{ConfigErrors, Naming, Setting};
use crate::policy::Policy;

/// Every setting of a policy as plain data: what the builder, the environment reader, serde
/// configuration and the macros fill in before the one validator turns it into a [`Policy`].
///
/// Lists hold entries as written; `"*"` in a list means "any". With the `serde` feature this
/// type deserializes from any serde format, refusing unknown fields:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// let config: cors_core::PolicyConfig = serde_json::from_str(r#"{
///     "allowed_origins": ["https://myapp.com", "https://*.myapp.com"],
///     "allow_credentials": true,
///     "max_age": 600
/// }"#).unwrap();
/// let policy = config.build().unwrap();
/// # let _ = policy;
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(default, deny_unknown_fields))]
pub struct PolicyConfig {
    /// Exact origins (`https://myapp.com`), patterns (`https://*.myapp.com`,
    /// `http://localhost:*`), `null` (with [`allow_null_origin`](Self::allow_null_origin)), or
    /// `*` for any origin. Empty: no cross-origin access.
    pub allowed_origins: Vec<String>,
    /// Methods a preflight may ask for, or `["*"]` for any. `None`: GET, HEAD and POST.
    pub allowed_methods: Option<Vec<String>>,
    /// Request headers a preflight may ask for, or `*` for any but `Authorization` (list
    /// `authorization` beside `*` to allow it too). Empty: only CORS-safelisted headers.
    pub allowed_headers: Vec<String>,
    /// Response headers scripts may read, or `*` for any (only without credentials).
    pub exposed_headers: Vec<String>,
    /// Whether cookies and HTTP authentication may accompany requests.
    pub allow_credentials: bool,
    /// Seconds a browser may cache a preflight's answer (0 to 86400).
    pub max_age: Option<i64>,
    /// Whether to grant Private Network Access preflights that ask for it.
    pub allow_private_network: bool,
    /// Whether preflights are passed on to the handler instead of being answered.
    pub preflight_continue: bool,
    /// The status of a granted preflight: 204 (default) or 200.
    pub preflight_status: Option<u16>,
    /// Whether an actual request from an origin that is not allowed gets 403 without running
    /// the handler.
    pub block_disallowed: bool,
    /// Whether a refused preflight carries the reason in its body (discloses the policy).
    pub debug: bool,
    /// The opt-in for the `null` origin (sandboxed iframes, `file://` pages, some redirects).
    pub allow_null_origin: bool,
    /// The opt-in for `http://` origins other than loopback together with credentials.
    pub dangerously_allow_insecure_origins: bool,
    /// The opt-in for an origin predicate that accepts unknown origins together with
    /// credentials (builder only).
    pub dangerously_trust_origin_predicate: bool,
    /// A preset: the values of the settings left unset ([`Preset`]). Explicit settings win.
    pub preset: Option<Preset>,
}

/// A set of defaults for the settings a configuration leaves unset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(rename_all = "lowercase"))]
pub enum Preset {
    /// The defaults of Express's `cors()` package, for a public API: any origin (`*`), the
    /// methods GET, HEAD, PUT, PATCH, POST and DELETE, any request header but `Authorization`,
    /// **no credentials**. Not for an API that reads cookies or `Authorization`: with
    /// credentials turned on, any origin is refused, as always.
    Public,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 1] = [Preset::Public];

    /// The preset's name, as the environment and the macros write it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Public => "public",
        }
    }

    /// The preset named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The origins the preset gives when none is configured.
    pub(crate) fn origins(self) -> Vec<String> {
        match self {
            Preset::Public => vec!["*".into()],
        }
    }

    /// The methods the preset gives when none is configured.
    pub(crate) fn methods(self) -> Vec<String> {
        match self {
            Preset::Public => ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"].map(String::from).to_vec(),
        }
    }

    /// The request headers the preset gives when none is configured.
    pub(crate) fn headers(self) -> Vec<String> {
        match self {
            Preset::Public => vec!["*".into()],
        }
    }
}

impl PolicyConfig {
    /// Appends `item` to a list setting ([`SettingForm::List`](crate::SettingForm::List)); `false`
    /// (and nothing changed) for a setting of another form. The one place each list setting's
    /// field is named, for the environment reader and the macros.
    pub fn push(&mut self, setting: Setting, item: impl Into<String>) -> bool {
        let list = match setting {
            Setting::AllowedOrigins => &mut self.allowed_origins,
            Setting::AllowedMethods => self.allowed_methods.get_or_insert_with(Vec::new),
            Setting::AllowedHeaders => &mut self.allowed_headers,
            Setting::ExposedHeaders => &mut self.exposed_headers,
            Setting::AllowCredentials
            | Setting::MaxAge
            | Setting::AllowPrivateNetwork
            | Setting::PreflightContinue
            | Setting::PreflightStatus
            | Setting::BlockDisallowed
            | Setting::Debug
            | Setting::AllowNullOrigin
            | Setting::DangerouslyAllowInsecureOrigins
            | Setting::Preset
            | Setting::OriginPredicate
            | Setting::DangerouslyTrustOriginPredicate
            | Setting::OriginCheck => return false,
        };
        list.push(item.into());
        true
    }

    /// Sets a flag ([`SettingForm::Flag`](crate::SettingForm::Flag)); `false` (and nothing
    /// changed) for a setting of another form.
    pub fn set_flag(&mut self, setting: Setting, on: bool) -> bool {
        let flag = match setting {
            Setting::AllowCredentials => &mut self.allow_credentials,
            Setting::AllowPrivateNetwork => &mut self.allow_private_network,
            Setting::PreflightContinue => &mut self.preflight_continue,
            Setting::BlockDisallowed => &mut self.block_disallowed,
            Setting::Debug => &mut self.debug,
            Setting::AllowNullOrigin => &mut self.allow_null_origin,
            Setting::DangerouslyAllowInsecureOrigins => &mut self.dangerously_allow_insecure_origins,
            Setting::DangerouslyTrustOriginPredicate => &mut self.dangerously_trust_origin_predicate,
            Setting::AllowedOrigins
            | Setting::AllowedMethods
            | Setting::AllowedHeaders
            | Setting::ExposedHeaders
            | Setting::MaxAge
            | Setting::PreflightStatus
            | Setting::Preset
            | Setting::OriginPredicate
            | Setting::OriginCheck => return false,
        };
        *flag = on;
        true
    }

    /// Sets a number of seconds ([`SettingForm::Seconds`](crate::SettingForm::Seconds)); `false`
    /// (and nothing changed) for a setting of another form.
    pub fn set_seconds(&mut self, setting: Setting, seconds: i64) -> bool {
        match setting {
            Setting::MaxAge => self.max_age = Some(seconds),
            Setting::AllowedOrigins
            | Setting::AllowedMethods
            | Setting::AllowedHeaders
            | Setting::ExposedHeaders
            | Setting::AllowCredentials
            | Setting::AllowPrivateNetwork
            | Setting::PreflightContinue
            | Setting::PreflightStatus
            | Setting::BlockDisallowed
            | Setting::Debug
            | Setting::AllowNullOrigin
            | Setting::DangerouslyAllowInsecureOrigins
            | Setting::Preset
            | Setting::OriginPredicate
            | Setting::DangerouslyTrustOriginPredicate
            | Setting::OriginCheck => return false,
        }
        true
    }

    /// Sets a status code ([`SettingForm::Status`](crate::SettingForm::Status)); `false` (and
    /// nothing changed) for a setting of another form.
    pub fn set_status(&mut self, setting: Setting, status: u16) -> bool {
        match setting {
            Setting::PreflightStatus => self.preflight_status = Some(status),
            Setting::AllowedOrigins
            | Setting::AllowedMethods
            | Setting::AllowedHeaders
            | Setting::ExposedHeaders
            | Setting::AllowCredentials
            | Setting::MaxAge
            | Setting::AllowPrivateNetwork
            | Setting::PreflightContinue
            | Setting::BlockDisallowed
            | Setting::Debug
            | Setting::AllowNullOrigin
            | Setting::DangerouslyAllowInsecureOrigins
            | Setting::Preset
            | Setting::OriginPredicate
            | Setting::DangerouslyTrustOriginPredicate
            | Setting::OriginCheck => return false,
        }
        true
    }

    /// Sets the preset ([`SettingForm::Preset`](crate::SettingForm::Preset)); `false` (and
    /// nothing changed) for a setting of another form.
    pub fn set_preset(&mut self, setting: Setting, preset: Preset) -> bool {
        match setting {
            Setting::Preset => self.preset = Some(preset),
            Setting::AllowedOrigins
            | Setting::AllowedMethods
            | Setting::AllowedHeaders
            | Setting::ExposedHeaders
            | Setting::AllowCredentials
            | Setting::MaxAge
            | Setting::AllowPrivateNetwork
            | Setting::PreflightContinue
            | Setting::PreflightStatus
            | Setting::BlockDisallowed
            | Setting::Debug
            | Setting::AllowNullOrigin
            | Setting::DangerouslyAllowInsecureOrigins
            | Setting::OriginPredicate
            | Setting::DangerouslyTrustOriginPredicate
            | Setting::OriginCheck => return false,
        }
        true
    }

    /// Validates the configuration and builds the policy; errors name settings by their field
    /// names.
    pub fn build(&self) -> Result<Policy, ConfigErrors> {
        self.build_named(Naming::Config)
    }

    /// Validates and builds, with errors naming settings in the given words.
    pub fn build_named(&self, naming: Naming) -> Result<Policy, ConfigErrors> {
        crate::validate::validate(self, crate::policy::Callbacks::default(), naming)
    }
}
