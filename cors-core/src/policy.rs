//! [`Policy`]: an immutable, validated CORS policy, cheap to clone and share between threads.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::builder::PolicyBuilder;
use crate::config::PolicyConfig;
use crate::decision::CorsHeader;
use crate::decision::{CorsRequest, Field};
use crate::error::ConfigError;
use crate::error::{ConfigErrors, Naming};
use crate::headers::HeaderRule;
use crate::methods::MethodRule;
use crate::origin::{Origin, OriginSet};
use crate::origin_check::{CheckSpec, OriginCheck};
use crate::vary::Vary;

/// An origin predicate: given the parsed origin only.
pub(crate) type Predicate = Arc<dyn Fn(&Origin<'_>) -> bool + Send + Sync>;

/// What only the builder can give a policy: the functions that grant origins.
#[derive(Clone, Default)]
pub(crate) struct Callbacks {
    pub(crate) predicate: Option<Predicate>,
    pub(crate) check: Option<CheckSpec>,
}

pub(crate) enum OriginRule {
    Any,
    Set { origins: OriginSet, predicate: Option<Predicate>, check: Option<Box<OriginCheck>> },
}

pub(crate) struct Inner {
    pub(crate) origin_rule: OriginRule,
    pub(crate) shown_origins: Vec<String>,
    pub(crate) methods: MethodRule,
    pub(crate) headers: HeaderRule,
    pub(crate) expose: Option<Bytes>,
    /// `Access-Control-Allow-Methods` and `-Allow-Headers` of a refusal that names its culprit:
    /// the configured lists (`None` under "any", or for no configured header).
    pub(crate) methods_list: Option<Bytes>,
    pub(crate) headers_list: Option<Bytes>,
    pub(crate) credentials: bool,
    pub(crate) max_age: Option<Bytes>,
    pub(crate) private_network: bool,
    pub(crate) preflight_continue: bool,
    pub(crate) preflight_status: u16,
    pub(crate) block_disallowed: bool,
    pub(crate) debug: bool,
    pub(crate) warnings: Vec<ConfigError>,
    pub(crate) config: PolicyConfig,
}

/// A validated CORS policy.
///
/// Made only through the one validator, by [`Policy::builder`], [`PolicyConfig::build`],
/// [`Policy::from_env`] and the macros. Cloning shares the inside.
///
/// ```
/// use cors_core::Policy;
///
/// let policy = Policy::builder()
///     .allow_origin("https://myapp.com")
///     .allow_credentials(true)
///     .build()
///     .expect("valid policy");
/// assert!(policy.allows_credentials());
/// ```
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<Inner>,
}

impl Policy {
    pub(crate) fn from_inner(inner: Inner) -> Policy {
        Policy { inner: Arc::new(inner) }
    }

    /// Starts a builder; nothing is checked until [`PolicyBuilder::build`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Whether every origin is allowed (`Access-Control-Allow-Origin: *`).
    pub fn allows_any_origin(&self) -> bool {
        matches!(self.inner.origin_rule, OriginRule::Any)
    }

    /// Whether credentials are allowed.
    pub fn allows_credentials(&self) -> bool {
        self.inner.credentials
    }

    /// Whether preflights are passed on to the handler.
    pub fn preflight_continue(&self) -> bool {
        self.inner.preflight_continue
    }

    /// The status of a granted preflight: 204 or 200.
    pub fn preflight_status(&self) -> u16 {
        self.inner.preflight_status
    }

    /// Whether refused actual requests get 403 without running the handler.
    pub fn blocks_disallowed(&self) -> bool {
        self.inner.block_disallowed
    }

    /// Whether refused preflights carry the reason in their body.
    pub fn debug(&self) -> bool {
        self.inner.debug
    }

    /// Whether Private Network Access preflights are granted.
    pub fn allows_private_network(&self) -> bool {
        self.inner.private_network
    }

    /// Whether responses depend on the request's `Origin` (and so need `Vary: Origin`).
    pub fn varies_by_origin(&self) -> bool {
        !self.allows_any_origin()
    }

    /// The `Vary` of a response to a request without `Origin`: all [`decide`](Self::decide)
    /// gives such a request (`Vary: Origin` unless any origin gets `*`). For adapters that skip
    /// the decision when there is no `Origin`.
    pub fn vary_not_cors(&self) -> Vary {
        if self.varies_by_origin() {
            Vary::ORIGIN
        } else {
            Vary::NONE
        }
    }

    /// Things worth saying at startup that are not errors: lower-case methods kept as written,
    /// no origin allowed at all.
    pub fn warnings(&self) -> &[ConfigError] {
        &self.inner.warnings
    }

    /// The configuration this policy was built from (the predicate and origin check aside).
    pub fn config(&self) -> &PolicyConfig {
        &self.inner.config
    }

    /// A policy built from `config` that keeps this one's origin predicate and origin check
    /// (which a configuration cannot hold), through the same validator; for replacing a
    /// running policy with settings re-read from a file or a table.
    ///
    /// ```
    /// use cors_core::Policy;
    ///
    /// let policy = Policy::builder()
    ///     .allow_origin("https://a.example")
    ///     .allow_origin_fn(|o| o.host().ends_with(".tenants.example"))
    ///     .build()
    ///     .unwrap();
    /// let mut config = policy.config().clone();
    /// config.allowed_origins.push("https://b.example".into());
    /// let next = policy.with_config(&config).unwrap();
    /// assert!(next.allows_origin(b"https://b.example"));
    /// assert!(next.allows_origin(b"https://x.tenants.example"), "the predicate stays");
    /// ```
    pub fn with_config(&self, config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        crate::validate::validate(config, self.callbacks(), Naming::Config)
    }

    /// Like [`with_config`](Self::with_config), with the settings read from `{prefix}_*`
    /// variables.
    pub fn with_env_prefixed(&self, prefix: &str) -> Result<Policy, ConfigErrors> {
        crate::env::from_vars_with(prefix, std::env::vars_os(), self.callbacks())
    }

    fn callbacks(&self) -> Callbacks {
        match &self.inner.origin_rule {
            OriginRule::Any => Callbacks::default(),
            OriginRule::Set { predicate, check, .. } => {
                Callbacks { predicate: predicate.clone(), check: check.as_ref().map(|c| c.spec().clone()) }
            }
        }
    }

    /// The asynchronous origin check, when the builder was given one
    /// ([`PolicyBuilder::allow_origin_async`](crate::PolicyBuilder::allow_origin_async)).
    pub fn origin_check(&self) -> Option<&OriginCheck> {
        match &self.inner.origin_rule {
            OriginRule::Set { check, .. } => check.as_deref(),
            OriginRule::Any => None,
        }
    }

    /// The origin to put to the asynchronous origin check before deciding `req`, if any: a
    /// single `Origin` the lists, patterns and predicate do not allow, of the shape a browser
    /// sends, not `null`. `None` when the policy has no check, or when [`decide`](Self::decide)
    /// can answer alone.
    pub fn origin_to_check<'r, L>(&self, req: &CorsRequest<'r, L>) -> Option<(&OriginCheck, &'r [u8])> {
        let check = self.origin_check()?;
        match req.origin {
            Field::One(origin) if origin != b"null" && !self.allows_origin(origin) => {
                Origin::parse(origin).is_some().then_some((check, origin))
            }
            _ => None,
        }
    }

    /// The `Access-Control-Expose-Headers` value, built once with the policy, for adapters that
    /// convert it into their own header type once too.
    pub fn exposed_headers_value(&self) -> Option<&Bytes> {
        self.inner.expose.as_ref()
    }

    /// Every header value built once with the policy, by the header it is written in: what a
    /// decision yields as [`Value::Shared`](crate::Value::Shared) for that header, for adapters
    /// that convert each into their own header type once.
    pub fn shared_values(&self) -> impl Iterator<Item = (CorsHeader, &Bytes)> {
        let i = &self.inner;
        [
            (CorsHeader::ExposeHeaders, i.expose.as_ref()),
            (CorsHeader::MaxAge, i.max_age.as_ref()),
            (CorsHeader::AllowMethods, i.methods_list.as_ref()),
            (CorsHeader::AllowHeaders, i.headers_list.as_ref()),
        ]
        .into_iter()
        .filter_map(|(h, v)| v.map(|v| (h, v)))
    }

    /// Whether a preflight may ask for `method` (compared as browsers send it: case-sensitive,
    /// GET, HEAD and POST always allowed).
    pub fn allows_method(&self, method: &[u8]) -> bool {
        self.inner.methods.allows(method)
    }

    /// Whether `origin` (the bytes of an `Origin` header) is allowed.
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        match &self.inner.origin_rule {
            OriginRule::Any => true,
            OriginRule::Set { origins, predicate, .. } => {
                if origins.contains_exact(origin) {
                    return true;
                }
                if origin == b"null" {
                    return origins.allows_null();
                }
                if !origins.has_patterns() && predicate.is_none() {
                    return false;
                }
                let Some(parsed) = Origin::parse(origin) else {
                    return false;
                };
                origins.matches_pattern(&parsed) || predicate.as_ref().is_some_and(|p| p(&parsed))
            }
        }
    }
}

impl fmt::Display for Policy {
    /// One line describing the effective policy, for the startup log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        match &i.origin_rule {
            OriginRule::Any => f.write_str("origins: any (*)")?,
            OriginRule::Set { predicate, check, .. } => {
                f.write_str("origins: ")?;
                let mut parts: Vec<String> = i.shown_origins.clone();
                if predicate.is_some() {
                    parts.push("predicate".into());
                }
                if let Some(check) = check {
                    parts.push(format!(
                        "origin check (cache {} for {:?}, timeout {:?})",
                        check.capacity(),
                        check.ttl(),
                        check.timeout()
                    ));
                }
                f.write_str(if parts.is_empty() { "none" } else { "" })?;
                f.write_str(&parts.join(", "))?;
            }
        }
        write!(f, "; methods: {}; request headers: {}", i.methods.shown(), i.headers.shown())?;
        let expose = i.expose.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        write!(f, "; exposed headers: {}", expose.as_deref().unwrap_or("none"))?;
        write!(f, "; credentials: {}", if i.credentials { "on" } else { "off" })?;
        match &i.max_age {
            Some(a) => write!(f, "; max age: {} s", String::from_utf8_lossy(a))?,
            None => f.write_str("; max age: unset")?,
        }
        let flags = [
            (i.private_network, "private network access"),
            (i.preflight_continue, "preflight continue"),
            (i.block_disallowed, "block disallowed"),
            (i.debug, "debug"),
        ];
        for (on, name) in flags {
            if on {
                write!(f, "; {name}: on")?;
            }
        }
        if i.preflight_status != 204 {
            write!(f, "; preflight status: {}", i.preflight_status)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Policy({self})")
    }
}
