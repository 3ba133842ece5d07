//! Methods: validation and normalisation of configured methods, and the allowed-method rule.

use crate::error::{ConfigError, ErrorKind, Setting};
use crate::headers::is_token;

/// The methods browsers upper-case themselves; configuration may write them in any case.
const NORMALISED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Methods a browser never preflights: always allowed, as in the Fetch standard.
pub(crate) const SAFELISTED: [&[u8]; 3] = [b"GET", b"HEAD", b"POST"];

/// The methods the Fetch standard forbids (`fetch()` refuses them, in any case).
pub const FORBIDDEN_METHODS: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];

/// Whether `method` is one the Fetch standard forbids, in any case.
pub fn is_forbidden_method(method: &[u8]) -> bool {
    FORBIDDEN_METHODS.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(method))
}

/// Validates one configured method. Returns the name to match against and, for a lower-case
/// method kept as written, a warning.
pub(crate) fn check_method(name: &str) -> Result<(String, Option<ConfigError>), ConfigError> {
    if !is_token(name.as_bytes()) {
        return Err(ConfigError::new(
            ErrorKind::InvalidMethod,
            Setting::AllowedMethods,
            format!("method \"{name}\" is not a valid HTTP token; write a method name such as \"PATCH\""),
        ));
    }
    let upper = name.to_ascii_uppercase();
    if is_forbidden_method(name.as_bytes()) {
        return Err(ConfigError::new(
            ErrorKind::ForbiddenMethod,
            Setting::AllowedMethods,
            format!(
                "method \"{name}\" is forbidden by the Fetch standard: browsers refuse to send it; remove it"
            ),
        ));
    }
    if NORMALISED.contains(&upper.as_str()) {
        return Ok((upper, None));
    }
    let warning = (name != upper).then(|| {
        ConfigError::new(
            ErrorKind::LowerCaseMethod,
            Setting::AllowedMethods,
            format!("method \"{name}\" is kept as written: browsers send it exactly as the page writes it, so it does not match a request for \"{upper}\"; write \"{upper}\" if that is what your pages send"),
        )
    });
    Ok((name.to_string(), warning))
}

/// Which methods a preflight may ask for.
#[derive(Debug)]
pub(crate) enum MethodRule {
    /// These methods (compared byte for byte), plus GET, HEAD and POST.
    List { methods: Vec<Box<[u8]>>, shown: String },
    /// Any method: the requested one is mirrored.
    Any,
}

impl MethodRule {
    pub(crate) fn list(methods: &[String]) -> MethodRule {
        let mut shown: Vec<&str> = SAFELISTED.iter().map(|m| std::str::from_utf8(m).unwrap_or("")).collect();
        for m in methods {
            if !shown.contains(&m.as_str()) {
                shown.push(m);
            }
        }
        MethodRule::List {
            methods: methods.iter().map(|m| m.as_bytes().into()).collect(),
            shown: shown.join(", "),
        }
    }

    /// Whether a preflight may ask for `method` (case-sensitive, as browsers send it).
    pub(crate) fn allows(&self, method: &[u8]) -> bool {
        if SAFELISTED.contains(&method) {
            return true;
        }
        match self {
            MethodRule::List { methods, .. } => methods.iter().any(|m| **m == *method),
            // A literal `*` is never mirrored: echoed back, a browser would read it as "any method".
            MethodRule::Any => !(method == b"*" || is_forbidden_method(method)),
        }
    }

    /// The allowed methods as a header value (`None` under "any").
    pub(crate) fn list_value(&self) -> Option<bytes::Bytes> {
        match self {
            MethodRule::List { shown, .. } => Some(bytes::Bytes::from(shown.clone())),
            MethodRule::Any => None,
        }
    }

    /// The allowed methods as shown in refusal reasons and the startup log.
    pub(crate) fn shown(&self) -> &str {
        match self {
            MethodRule::List { shown, .. } => shown,
            MethodRule::Any => "any",
        }
    }
}
