//! Reading a policy from `CORS_*` environment variables (or any key/value source).
//!
//! | variable | meaning |
//! |---|---|
//! | `CORS_ALLOWED_ORIGINS` | comma-separated origins and patterns, or `*` |
//! | `CORS_ALLOWED_METHODS` | comma-separated, or `*` |
//! | `CORS_ALLOWED_HEADERS` | comma-separated, or `*` |
//! | `CORS_EXPOSED_HEADERS` | comma-separated, or `*` |
//! | `CORS_ALLOW_CREDENTIALS` | `true` / `false` |
//! | `CORS_MAX_AGE` | seconds |
//! | `CORS_ALLOW_PRIVATE_NETWORK` | `true` / `false` |
//! | `CORS_PREFLIGHT_CONTINUE` | `true` / `false` |
//! | `CORS_BLOCK_DISALLOWED` | `true` / `false` |
//! | `CORS_DEBUG` | `true` / `false` |
//! | `CORS_PREFLIGHT_STATUS` | `204` / `200` |
//! | `CORS_ALLOW_NULL_ORIGIN` | `true` / `false` |
//! | `CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS` | `true` / `false` |
//! | `CORS_PRESET` | `public`: Express's `cors()` defaults for the settings left unset |
//!
//! Lists tolerate spaces, empty items and repeated commas. An empty value counts as unset.
//! A variable with the prefix that names no setting is an error, with the closest name.

use std::ffi::OsString;

use crate::config::{PolicyConfig, Preset};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Naming, Setting, SettingForm};
use crate::policy::{Callbacks, Policy};
use crate::validate::{parse_bool, parse_max_age, parse_status, validate};

/// The prefix of [`Policy::from_env`]: `CORS`, giving `CORS_ALLOWED_ORIGINS` and so on.
pub const DEFAULT_PREFIX: &str = "CORS";

/// Splits a comma-separated list, dropping spaces and empty items.
fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

impl Policy {
    /// Reads `CORS_*` variables from the process environment.
    pub fn from_env() -> Result<Policy, ConfigErrors> {
        Policy::from_env_prefixed(DEFAULT_PREFIX)
    }

    /// Reads `{prefix}_*` variables from the process environment, e.g. `MYAPP_CORS`.
    pub fn from_env_prefixed(prefix: &str) -> Result<Policy, ConfigErrors> {
        Policy::from_vars(prefix, std::env::vars_os())
    }

    /// Reads `{prefix}_*` variables from any key/value source (tests, files, secrets stores).
    ///
    /// ```
    /// use cors_core::Policy;
    ///
    /// let vars = [("CORS_ALLOWED_ORIGINS", "https://myapp.com, https://*.myapp.com"),
    ///             ("CORS_ALLOW_CREDENTIALS", "true")];
    /// let policy = Policy::from_vars("CORS", vars).unwrap();
    /// assert!(policy.allows_origin(b"https://api.myapp.com"));
    ///
    /// let err = Policy::from_vars("CORS", [("CORS_ALLOWED_ORIGIN", "https://myapp.com")]).unwrap_err();
    /// assert!(err.to_string().contains("did you mean CORS_ALLOWED_ORIGINS"));
    /// ```
    pub fn from_vars<I, K, V>(prefix: &str, vars: I) -> Result<Policy, ConfigErrors>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        from_vars_with(prefix, vars, Callbacks::default())
    }
}

/// [`Policy::from_vars`], keeping the builder-only parts given.
pub(crate) fn from_vars_with<I, K, V>(
    prefix: &str,
    vars: I,
    callbacks: Callbacks,
) -> Result<Policy, ConfigErrors>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<OsString>,
    V: Into<OsString>,
{
    let naming = Naming::Env(prefix.to_string());
    let (config, mut errors) = read_vars(prefix, vars);
    match validate(&config, callbacks, naming.clone()) {
        Ok(policy) if errors.is_empty() => Ok(policy),
        Ok(_) => Err(ConfigErrors::new(errors.into_iter().map(|e| e.named(&naming)).collect())),
        Err(more) => {
            errors.extend(more);
            Err(ConfigErrors::new(errors.into_iter().map(|e| e.named(&naming)).collect()))
        }
    }
}

/// The error for a preset name that names none.
pub(crate) fn unknown_preset(setting: Setting, value: &str) -> ConfigError {
    let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
    ConfigError::new(
        ErrorKind::UnknownPreset,
        setting,
        format!("\"{value}\" is not a preset; the presets are: {}", names.join(", ")),
    )
}

/// Fills a configuration from the variables; problems with values or names are returned beside.
fn read_vars<I, K, V>(prefix: &str, vars: I) -> (PolicyConfig, Vec<ConfigError>)
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<OsString>,
    V: Into<OsString>,
{
    let mut config = PolicyConfig::default();
    let mut errors = Vec::new();
    let head = format!("{prefix}_");
    // Every setting the environment can express (those with a variable name).
    let known: Vec<(Setting, String)> = Setting::ALL
        .iter()
        .filter_map(|s| s.env_suffix().map(|suffix| (*s, format!("{head}{suffix}"))))
        .collect();
    let mut pairs: Vec<(String, OsString)> = vars
        .into_iter()
        .filter_map(|(k, v)| Some((k.into().into_string().ok()?, v.into())))
        .filter(|(k, _)| k.starts_with(&head))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));

    for (name, value) in pairs {
        let Some((setting, _)) = known.iter().find(|(_, n)| *n == name) else {
            let closest = known
                .iter()
                .map(|(_, n)| (strsim::levenshtein(n, &name), n))
                .min()
                .filter(|(d, _)| *d <= 4)
                .map(|(_, n)| format!("; did you mean {n}?"))
                .unwrap_or_default();
            let all: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
            errors.push(ConfigError::about(
                ErrorKind::UnknownVariable,
                name.clone(),
                format!("is not a CORS setting{closest} (known: {})", all.join(", ")),
            ));
            continue;
        };
        let Ok(value) = value.into_string() else {
            errors.push(ConfigError::new(
                ErrorKind::NotUnicode,
                *setting,
                "the value is not valid UTF-8; write plain ASCII",
            ));
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        match setting.form() {
            SettingForm::List => {
                if *setting == Setting::AllowedMethods {
                    // Set, even to an empty list: the variable replaces the default methods.
                    config.allowed_methods.get_or_insert_with(Vec::new);
                }
                for item in list(&value) {
                    config.push(*setting, item);
                }
            }
            SettingForm::Flag => match parse_bool(*setting, &value) {
                Ok(on) => {
                    config.set_flag(*setting, on);
                }
                Err(e) => errors.push(e),
            },
            SettingForm::Seconds => match parse_max_age(&value) {
                Ok(n) => {
                    config.set_seconds(*setting, n);
                }
                Err(e) => errors.push(e),
            },
            SettingForm::Status => match parse_status(&value) {
                Ok(n) => {
                    config.set_status(*setting, n);
                }
                Err(e) => errors.push(e),
            },
            SettingForm::Preset => match Preset::parse(&value) {
                Some(preset) => {
                    config.set_preset(*setting, preset);
                }
                None => errors.push(unknown_preset(*setting, &value)),
            },
            // No variable names the predicate.
            SettingForm::Predicate => {}
        }
    }
    (config, errors)
}
