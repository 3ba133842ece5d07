//! The one validator: every way of making a policy ends here.
//!
//! It checks every setting, collects every problem, and only then builds the [`Policy`], with
//! each header value that does not depend on the request built once.

use std::hash::{BuildHasher, RandomState};

use bytes::Bytes;

use crate::config::PolicyConfig;
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Naming, Setting};
use crate::headers::{self, HeaderRule};
use crate::methods::{self, MethodRule};
use crate::origin::{Origin, OriginSet, OriginSpec, Scheme};
use crate::origin_check::OriginCheck;
use crate::policy::{Callbacks, Inner, OriginRule, Policy};

/// The most a max age may be: no browser honours more (Chromium caps at 7200, WebKit at 600).
pub const MAX_MAX_AGE: i64 = 86_400;

/// Parses a max age written as text (environment, macros), for [`PolicyConfig::max_age`].
pub fn parse_max_age(text: &str) -> Result<i64, ConfigError> {
    text.trim().parse::<i64>().map_err(|_| {
        ConfigError::new(
            ErrorKind::InvalidMaxAge,
            Setting::MaxAge,
            format!("\"{text}\" is not a number of seconds; write a whole number from 0 to {MAX_MAX_AGE}, e.g. 600"),
        )
    })
}

/// Parses `true` or `false` (any case) for a boolean setting.
pub fn parse_bool(setting: Setting, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::new(
            ErrorKind::InvalidBoolean,
            setting,
            format!("\"{text}\" is not a boolean; write true or false"),
        )),
    }
}

/// Parses a preflight status written as text.
pub fn parse_status(text: &str) -> Result<u16, ConfigError> {
    text.trim().parse::<u16>().map_err(|_| status_error(text))
}

fn status_error(text: &str) -> ConfigError {
    ConfigError::new(
        ErrorKind::InvalidPreflightStatus,
        Setting::PreflightStatus,
        format!("\"{text}\" is not a preflight status this library sends; write 204 (the default) or 200 (for old clients)"),
    )
}

/// Validates `config` (and the builder's predicate and origin check) and builds the policy.
pub(crate) fn validate(
    written: &PolicyConfig,
    callbacks: Callbacks,
    naming: Naming,
) -> Result<Policy, ConfigErrors> {
    let Callbacks { predicate, check } = callbacks;
    // A preset fills what is left unset; what it filled is named after it in errors.
    let (config, preset_origins) = with_preset(written);
    let config = &config;
    let origins_setting = if preset_origins { Setting::Preset } else { Setting::AllowedOrigins };
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let credentials = config.allow_credentials;

    // Origins.
    let any_origin = config.allowed_origins.iter().any(|o| o == "*");
    let mut origins = OriginSet::default();
    let mut shown_origins = Vec::new();
    let mut seen_origins = std::collections::HashSet::new();
    if any_origin {
        if config.allowed_origins.iter().any(|o| o != "*") {
            errors.push(ConfigError::new(
                ErrorKind::AnyOriginInList,
                Setting::AllowedOrigins,
                "\"*\" allows every origin, so the other entries beside it mean nothing; keep either \"*\" alone or only the origins you trust",
            ).at(config.allowed_origins.iter().position(|o| o != "*").unwrap_or(0)));
        }
        if credentials {
            errors.push(ConfigError::combination(
                ErrorKind::AnyOriginWithCredentials,
                &[origins_setting, Setting::AllowCredentials],
                "any origin (\"*\") together with credentials is refused by every browser; list the origins that may send credentials, or turn credentials off",
            ).at(config.allowed_origins.iter().position(|o| o == "*").unwrap_or(0)));
        }
        if predicate.is_some() {
            errors.push(ConfigError::combination(
                ErrorKind::AnyOriginInList,
                &[Setting::AllowedOrigins, Setting::OriginPredicate],
                "any origin (\"*\") makes the origin predicate pointless; remove one of them",
            ));
        }
        if check.is_some() {
            errors.push(ConfigError::combination(
                ErrorKind::AnyOriginInList,
                &[Setting::AllowedOrigins, Setting::OriginCheck],
                "any origin (\"*\") makes the origin check pointless; remove one of them",
            ));
        }
    } else {
        for (i, entry) in config.allowed_origins.iter().enumerate() {
            match OriginSpec::parse(entry) {
                Ok(spec) => {
                    if spec == OriginSpec::Null && !config.allow_null_origin {
                        errors.push(ConfigError::combination(
                            ErrorKind::NullOrigin,
                            &[Setting::AllowedOrigins, Setting::AllowNullOrigin],
                            format!("the \"null\" origin is shared by every sandboxed iframe and file:// page, so any site can send it; remove it, or opt in with {} if you really mean it", naming.turn_on(Setting::AllowNullOrigin)),
                        ).at(i));
                        continue;
                    }
                    if credentials
                        && spec.scheme() == Some(Scheme::Http)
                        && !spec.is_loopback()
                        && !config.dangerously_allow_insecure_origins
                    {
                        errors.push(ConfigError::combination(
                            ErrorKind::InsecureOriginWithCredentials,
                            &[Setting::AllowedOrigins, Setting::AllowCredentials],
                            format!("origin \"{entry}\" is plain http: anyone on the network can impersonate it and receive credentialed responses; use \"https://\", or opt in with {}", naming.turn_on(Setting::DangerouslyAllowInsecureOrigins)),
                        ).at(i));
                        continue;
                    }
                    origins.insert(&spec);
                    let shown = spec.to_string();
                    if seen_origins.insert(shown.clone()) {
                        shown_origins.push(shown);
                    }
                }
                Err(e) => errors.push(e.at(i)),
            }
        }
        if config.allow_null_origin && !origins.allows_null() {
            // The opt-in alone grants nothing; make it usable without listing "null" twice.
            origins.insert(&OriginSpec::Null);
            shown_origins.push("null".into());
        }
    }

    // Methods.
    let method_rule = match &config.allowed_methods {
        None => MethodRule::list(&[]),
        Some(list) => {
            let any = list.iter().any(|m| m == "*");
            let mut names: Vec<String> = Vec::new();
            // Entries beside "*" are still checked, so a forbidden method is reported either way.
            for (i, m) in list.iter().enumerate().filter(|(_, m)| *m != "*") {
                match methods::check_method(m) {
                    Ok((name, warning)) => {
                        // Under "*" the requested method is mirrored, so case cannot mismatch.
                        warnings.extend(warning.filter(|_| !any).map(|w| w.at(i)));
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    Err(e) => errors.push(e.at(i)),
                }
            }
            if any {
                MethodRule::Any
            } else {
                MethodRule::list(&names)
            }
        }
    };

    // Request headers.
    let any_header = config.allowed_headers.iter().any(|h| h == "*");
    let mut header_names = Vec::new();
    for (i, h) in config.allowed_headers.iter().enumerate().filter(|(_, h)| *h != "*") {
        match headers::check_name(Setting::AllowedHeaders, h) {
            Ok(lower) if !header_names.contains(&lower) => header_names.push(lower),
            Ok(_) => {}
            Err(e) => errors.push(e.at(i)),
        }
    }
    let header_rule = if any_header {
        HeaderRule::Any { authorization: header_names.iter().any(|h| h == "authorization") }
    } else {
        HeaderRule::list(&header_names)
    };

    // Exposed headers.
    let expose_any = config.exposed_headers.iter().any(|h| h == "*");
    if expose_any && credentials {
        errors.push(ConfigError::combination(
            ErrorKind::ExposeAnyWithCredentials,
            &[Setting::ExposedHeaders, Setting::AllowCredentials],
            "\"*\" in the exposed headers means the literal name \"*\" when credentials are on, so nothing would be exposed; list the headers scripts may read",
        ).at(config.exposed_headers.iter().position(|h| h == "*").unwrap_or(0)));
    }
    let mut exposed = Vec::new();
    for (i, h) in config.exposed_headers.iter().enumerate().filter(|(_, h)| *h != "*") {
        match headers::check_name(Setting::ExposedHeaders, h) {
            Ok(lower) if !exposed.contains(&lower) => exposed.push(lower),
            Ok(_) => {}
            Err(e) => errors.push(e.at(i)),
        }
    }

    // Max age and status.
    if let Some(age) = config.max_age {
        if age < 0 {
            errors.push(ConfigError::new(
                ErrorKind::InvalidMaxAge,
                Setting::MaxAge,
                format!(
                    "{age} is negative; write a number of seconds from 0 to {MAX_MAX_AGE}, or leave it unset"
                ),
            ));
        } else if age > MAX_MAX_AGE {
            errors.push(ConfigError::new(
                ErrorKind::MaxAgeTooLarge,
                Setting::MaxAge,
                format!("{age} seconds is more than any browser honours ({MAX_MAX_AGE}; Chromium caps at 7200 and WebKit at 600); write at most {MAX_MAX_AGE}"),
            ));
        }
    }
    let status = config.preflight_status.unwrap_or(204);
    if status != 204 && status != 200 {
        errors.push(status_error(&status.to_string()));
    }

    if let Some(check) = &check {
        errors.extend(check.errors());
    }

    // A predicate that grants origins nobody deploys, with credentials on. (An asynchronous
    // check is probed when the server starts: see `OriginCheck::probe`.)
    if let Some(pred) = &predicate {
        if credentials && !config.dangerously_trust_origin_predicate {
            if let Some(accepted) = permissive_probe(pred.as_ref(), config.allow_null_origin) {
                errors.push(ConfigError::combination(
                    ErrorKind::PermissivePredicate,
                    &[Setting::OriginPredicate, Setting::AllowCredentials],
                    format!("the origin predicate accepted \"{accepted}\", an origin no real deployment allows, so with credentials any site could read your users' responses; make the predicate check the origin against what you trust, or opt in with `dangerously_trust_origin_fn(true)`"),
                ));
            }
        }
    }

    if !errors.is_empty() {
        return Err(ConfigErrors::new(errors.into_iter().map(|e| e.named(&naming)).collect()));
    }

    if !any_origin && origins.len() == 0 && predicate.is_none() && check.is_none() {
        warnings.push(ConfigError::new(
            ErrorKind::NoOrigins,
            Setting::AllowedOrigins,
            "no origin is allowed, so every cross-origin request is refused; list the origins of your pages",
        ));
    }

    let probe = credentials && !config.dangerously_trust_origin_predicate;
    let check = check.map(|spec| Box::new(OriginCheck::new(spec, probe)));
    let origin_rule =
        if any_origin { OriginRule::Any } else { OriginRule::Set { origins, predicate, check } };
    let inner = Inner {
        origin_rule,
        shown_origins,
        methods_list: method_rule.list_value(),
        headers_list: header_rule.list_value(),
        methods: method_rule,
        headers: header_rule,
        expose: headers::expose_value(expose_any, &exposed),
        credentials,
        max_age: config.max_age.map(|a| Bytes::from(a.to_string())),
        private_network: config.allow_private_network,
        preflight_continue: config.preflight_continue,
        preflight_status: status,
        block_disallowed: config.block_disallowed,
        debug: config.debug,
        warnings: warnings.into_iter().map(|w| w.named(&naming)).collect(),
        config: written.clone(),
    };
    Ok(Policy::from_inner(inner))
}

/// The configuration with the preset's values in the settings left unset, and whether the
/// origins came from the preset.
fn with_preset(written: &PolicyConfig) -> (PolicyConfig, bool) {
    let mut config = written.clone();
    let Some(preset) = written.preset else {
        return (config, false);
    };
    let origins = config.allowed_origins.is_empty();
    if origins {
        config.allowed_origins = preset.origins();
    }
    if config.allowed_methods.is_none() {
        config.allowed_methods = Some(preset.methods());
    }
    if config.allowed_headers.is_empty() {
        config.allowed_headers = preset.headers();
    }
    (config, origins)
}

/// Tries the predicate on origins that no deployment allows; returns one it accepted.
fn permissive_probe(pred: &(dyn Fn(&Origin<'_>) -> bool + Send + Sync), null: bool) -> Option<String> {
    probe_origins(null).into_iter().find(|p| Origin::parse(p.as_bytes()).is_some_and(|o| pred(&o)))
}

/// Origins no deployment allows, with a label random per process: what a predicate or an
/// origin check is tried on when credentials are on.
pub(crate) fn probe_origins(null: bool) -> Vec<String> {
    let label = format!("cors-probe-{:016x}", RandomState::new().hash_one(0x5eed_u64));
    let mut probes = vec![
        format!("https://{label}.invalid"),
        format!("http://{label}.invalid"),
        format!("https://{label}.invalid:8443"),
        format!("http://{label}.example"),
        format!("https://{label}.invalid.evil-{label}.net"),
    ];
    if null {
        probes.push("null".into());
    }
    probes
}
