//! [`PolicyBuilder`]: the Rust API for making a policy, the only one that takes a predicate.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{PolicyConfig, Preset};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Naming, Setting};
use crate::origin::{Origin, OriginBuf};
use crate::origin_check::CheckSpec;
use crate::policy::{Callbacks, Policy};

/// Collects settings; [`build`](Self::build) validates them all at once.
///
/// ```
/// use cors_core::Policy;
///
/// let policy = Policy::builder()
///     .allow_origins(["https://myapp.com", "https://*.myapp.com"])
///     .allow_methods(["GET", "POST", "DELETE"])
///     .allow_headers(["content-type", "authorization"])
///     .expose_headers(["x-request-id"])
///     .allow_credentials(true)
///     .max_age(600)
///     .build()?;
/// # let _ = policy;
/// # Ok::<(), cors_core::ConfigErrors>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct PolicyBuilder {
    config: PolicyConfig,
    callbacks: Callbacks,
    /// `origin_check_cache` and `origin_check_timeout`, applied to the check at build.
    check_cache: Option<(u64, Duration)>,
    check_timeout: Option<Duration>,
}

impl PolicyBuilder {
    /// Starts from a configuration (e.g. one read from a file), to adjust before building.
    pub fn from_config(config: PolicyConfig) -> Self {
        PolicyBuilder { config, ..PolicyBuilder::default() }
    }

    /// Allows one origin or pattern: `https://myapp.com`, `https://*.myapp.com`,
    /// `http://localhost:*`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.config.allowed_origins.push(origin.into());
        self
    }

    /// Allows several origins or patterns.
    pub fn allow_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.allowed_origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Allows every origin: `Access-Control-Allow-Origin: *` (not with credentials).
    pub fn allow_any_origin(self) -> Self {
        self.allow_origin("*")
    }

    /// Allows the origins this predicate accepts, beside the listed ones. It sees the parsed
    /// origin only, so a grant never depends on other request headers. With credentials, the
    /// predicate is tried on origins no deployment allows when the policy is built; if it
    /// accepts one, building fails unless [`dangerously_trust_origin_fn`](Self::dangerously_trust_origin_fn).
    pub fn allow_origin_fn<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&Origin<'_>) -> bool + Send + Sync + 'static,
    {
        self.callbacks.predicate = Some(Arc::new(predicate));
        self
    }

    /// Allows the origins this asynchronous check allows, beside the listed ones and the
    /// predicate's: for origins kept in a database or a service. Like the predicate, it sees the
    /// origin only, so `Vary: Origin` stays sufficient.
    ///
    /// The middleware asks it only about origins nothing else allows, caches each verdict
    /// ([`origin_check_cache`](Self::origin_check_cache); failures are not cached), lets
    /// concurrent requests for an unseen origin share one call, and refuses a request whose
    /// call fails or outlasts [`origin_check_timeout`](Self::origin_check_timeout), logging why.
    /// With credentials on, it asks the check about origins no deployment allows when the
    /// server starts, and refuses to start if it allows one, unless
    /// [`dangerously_trust_origin_fn`](Self::dangerously_trust_origin_fn).
    ///
    /// ```
    /// use std::time::Duration;
    /// use cors_core::Policy;
    ///
    /// async fn tenant_allows(origin: &str) -> Result<bool, std::io::Error> {
    ///     // e.g. SELECT 1 FROM tenants WHERE origin = $1
    ///     Ok(origin == "https://acme.example")
    /// }
    ///
    /// let policy = Policy::builder()
    ///     .allow_origin("https://app.example")
    ///     .allow_origin_async(|origin| async move { tenant_allows(origin.as_str()).await })
    ///     .origin_check_cache(50_000, Duration::from_secs(300))
    ///     .allow_credentials(true)
    ///     .build()
    ///     .unwrap();
    /// assert!(policy.origin_check().is_some());
    /// ```
    pub fn allow_origin_async<F, Fut, E>(mut self, check: F) -> Self
    where
        F: Fn(OriginBuf) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, E>> + 'static,
        E: std::fmt::Display + 'static,
    {
        let ask = move |origin: OriginBuf| {
            let fut = check(origin);
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
                as std::pin::Pin<Box<dyn Future<Output = Result<bool, String>>>>
        };
        self.callbacks.check = Some(CheckSpec::new(Arc::new(ask)));
        self
    }

    /// How many verdicts of the origin check are kept (default 10 000) and for how long
    /// (default 60 s, at most a day): a new tenant's origin, or a revoked one, takes effect
    /// within `ttl`. Building fails if there is no [`allow_origin_async`](Self::allow_origin_async).
    pub fn origin_check_cache(mut self, capacity: u64, ttl: Duration) -> Self {
        self.check_cache = Some((capacity, ttl));
        self
    }

    /// How long one call of the origin check may take (default 2 s, at most 60 s); a slower
    /// one refuses the request. Building fails if there is no
    /// [`allow_origin_async`](Self::allow_origin_async).
    pub fn origin_check_timeout(mut self, timeout: Duration) -> Self {
        self.check_timeout = Some(timeout);
        self
    }

    /// Allows these methods besides GET, HEAD and POST (always allowed).
    pub fn allow_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.allowed_methods.get_or_insert_with(Vec::new).extend(methods.into_iter().map(Into::into));
        self
    }

    /// Allows any method: the requested one is mirrored.
    pub fn allow_any_method(self) -> Self {
        self.allow_methods(["*"])
    }

    /// Allows these request headers (case-insensitive).
    pub fn allow_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.allowed_headers.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Allows any request header except `Authorization` (allow it by name to add it).
    pub fn allow_any_header(self) -> Self {
        self.allow_headers(["*"])
    }

    /// Lets scripts read these response headers.
    pub fn expose_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.exposed_headers.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Lets scripts read every response header (not with credentials).
    pub fn expose_any_header(self) -> Self {
        self.expose_headers(["*"])
    }

    /// Allows cookies and HTTP authentication.
    pub fn allow_credentials(mut self, on: bool) -> Self {
        self.config.allow_credentials = on;
        self
    }

    /// Lets browsers cache a preflight's answer this many seconds (at most 86400; Chromium
    /// caps at 7200 and WebKit at 600).
    pub fn max_age(mut self, seconds: u32) -> Self {
        self.config.max_age = Some(i64::from(seconds));
        self
    }

    /// Grants Private Network Access preflights that ask for it.
    pub fn allow_private_network(mut self, on: bool) -> Self {
        self.config.allow_private_network = on;
        self
    }

    /// Passes preflights on to the handler instead of answering them.
    pub fn preflight_continue(mut self, on: bool) -> Self {
        self.config.preflight_continue = on;
        self
    }

    /// The status of a granted preflight: 204 (default) or 200.
    pub fn preflight_status(mut self, status: u16) -> Self {
        self.config.preflight_status = Some(status);
        self
    }

    /// Answers actual requests from origins that are not allowed with 403, without running the
    /// handler. Browsers send `Origin` on same-origin POSTs too: list your own origin.
    pub fn block_disallowed(mut self, on: bool) -> Self {
        self.config.block_disallowed = on;
        self
    }

    /// Puts the reason in the body of refused preflights (discloses the policy).
    pub fn debug(mut self, on: bool) -> Self {
        self.config.debug = on;
        self
    }

    /// Allows the `null` origin.
    pub fn allow_null_origin(mut self, on: bool) -> Self {
        self.config.allow_null_origin = on;
        self
    }

    /// Allows plain `http://` origins other than loopback together with credentials.
    /// Anyone on the network path can impersonate such an origin.
    pub fn dangerously_allow_insecure_origins(mut self, on: bool) -> Self {
        self.config.dangerously_allow_insecure_origins = on;
        self
    }

    /// Accepts an origin predicate that grants unknown origins together with credentials.
    pub fn dangerously_trust_origin_fn(mut self, on: bool) -> Self {
        self.config.dangerously_trust_origin_predicate = on;
        self
    }

    /// Fills the settings this builder leaves unset from `preset`; explicit settings win.
    ///
    /// ```
    /// use cors_core::{Policy, Preset};
    ///
    /// // Express's `app.use(cors())`: any origin, GET/HEAD/PUT/PATCH/POST/DELETE, any header
    /// // but Authorization, no credentials.
    /// let public = Policy::builder().preset(Preset::Public).build().unwrap();
    /// assert!(public.allows_any_origin());
    /// assert!(public.allows_method(b"DELETE"));
    /// // With credentials it is the usual any-origin error, naming both settings.
    /// let err = Policy::builder().preset(Preset::Public).allow_credentials(true).build().unwrap_err();
    /// assert!(err.to_string().contains("`preset` and `allow_credentials`"));
    /// ```
    pub fn preset(mut self, preset: Preset) -> Self {
        self.config.preset = Some(preset);
        self
    }

    /// Validates every setting and builds the policy, or reports every problem at once.
    pub fn build(mut self) -> Result<Policy, ConfigErrors> {
        let mut unused = None;
        match &mut self.callbacks.check {
            Some(spec) => {
                if let Some((capacity, ttl)) = self.check_cache {
                    (spec.capacity, spec.ttl) = (capacity, ttl);
                }
                if let Some(timeout) = self.check_timeout {
                    spec.timeout = timeout;
                }
            }
            None if self.check_cache.is_some() || self.check_timeout.is_some() => {
                let set =
                    if self.check_cache.is_some() { "origin_check_cache" } else { "origin_check_timeout" };
                unused = Some(ConfigError::new(
                    ErrorKind::InvalidOriginCheck,
                    Setting::OriginCheck,
                    format!("`{set}` is set but there is no origin check to apply it to; add `allow_origin_async(..)` or remove `{set}`"),
                ).named(&Naming::Builder));
            }
            None => {}
        }
        let built = crate::validate::validate(&self.config, self.callbacks, Naming::Builder);
        match (unused, built) {
            (None, built) => built,
            (Some(e), Ok(_)) => Err(ConfigErrors::new(vec![e])),
            (Some(e), Err(more)) => {
                Err(ConfigErrors::new(std::iter::once(e).chain(more.errors().iter().cloned()).collect()))
            }
        }
    }
}
