//! The asynchronous origin check: a function from an origin to a future verdict, for origins
//! kept in a database or a service, with a bounded cache of verdicts that expire.
//!
//! The adapter asks [`OriginCheck::cached`] first, synchronously; on a miss it awaits
//! [`OriginCheck::verdict`] under its runtime's timer ([`OriginCheck::timeout`]); then it calls
//! [`Policy::decide_checked`](crate::Policy::decide_checked). Nothing here blocks a thread or
//! needs a particular runtime.
//!
//! Two levels of cache: the shared one (moka's: bounded, expiring, one call for concurrent first
//! lookups, on any thread) holds each verdict with the moment it was obtained; each thread keeps
//! the verdicts it has seen in a small table of its own, read without atomics or locks, which
//! honours the same moment, so a verdict never outlives its time to live on any thread.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hashbrown::HashMap;

use crate::error::{ConfigError, ConfigErrors, ErrorKind, Naming, Setting};
use crate::origin::{Origin, OriginBuf};

/// The boxed form of the user's function.
pub(crate) type Ask = dyn Fn(OriginBuf) -> Pin<Box<dyn Future<Output = Result<bool, String>>>> + Send + Sync;

/// How many verdicts the cache keeps unless told otherwise.
pub const DEFAULT_CACHE_CAPACITY: u64 = 10_000;
/// How long a verdict is kept unless told otherwise.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);
/// How long a lookup may take unless told otherwise; a slower one refuses the request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest time to live accepted: a verdict kept longer outlives most changes it reflects.
pub const MAX_CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest timeout accepted: a browser gives up on a preflight well before.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// The builder's description of the check, before validation.
#[derive(Clone)]
pub(crate) struct CheckSpec {
    pub(crate) ask: Arc<Ask>,
    pub(crate) capacity: u64,
    pub(crate) ttl: Duration,
    pub(crate) timeout: Duration,
    /// What the credentials probe found, shared by every policy built from this spec.
    probed: Arc<OnceLock<Option<String>>>,
}

impl CheckSpec {
    pub(crate) fn new(ask: Arc<Ask>) -> CheckSpec {
        CheckSpec {
            ask,
            capacity: DEFAULT_CACHE_CAPACITY,
            ttl: DEFAULT_CACHE_TTL,
            timeout: DEFAULT_TIMEOUT,
            probed: Arc::default(),
        }
    }

    /// The errors in the cache and timeout settings.
    pub(crate) fn errors(&self) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            errors.push(ConfigError::new(
                ErrorKind::InvalidOriginCheck,
                Setting::OriginCheck,
                format!(
                    "the origin check's timeout is {:?}; give it more than zero and at most {} s with `origin_check_timeout`, e.g. 2 s",
                    self.timeout,
                    MAX_TIMEOUT.as_secs()
                ),
            ));
        }
        if self.ttl > MAX_CACHE_TTL {
            errors.push(ConfigError::new(
                ErrorKind::InvalidOriginCheck,
                Setting::OriginCheck,
                format!(
                    "the origin check's verdicts are kept for {:?}, longer than a day, so a revoked origin would stay allowed that long; keep them at most {} s with `origin_check_cache`",
                    self.ttl,
                    MAX_CACHE_TTL.as_secs()
                ),
            ));
        }
        errors
    }
}

/// The verdict of the asynchronous origin check for one origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// The check allows the origin.
    Allowed,
    /// The check does not allow the origin.
    Denied,
    /// The check failed or took too long: the request is refused, with this reason.
    Failed(Arc<String>),
}

impl Checked {
    /// The verdict of a lookup that did not answer within `timeout`.
    pub fn timed_out(timeout: Duration) -> Checked {
        Checked::Failed(Arc::new(format!("the origin check did not answer within {timeout:?}")))
    }
}

/// An asynchronous origin check with its cache, as a policy holds it ([`Policy::origin_check`](crate::Policy::origin_check)).
///
/// Cloning shares the cache.
#[derive(Clone)]
pub struct OriginCheck {
    spec: CheckSpec,
    /// Each verdict with the moment it was obtained.
    cache: moka::future::Cache<Vec<u8>, (bool, Instant)>,
    /// Whether the credentials probe must pass before the check grants anything.
    needs_probe: bool,
    /// Which per-thread table is this check's.
    id: u64,
    /// Bumped by [`invalidate_all`](Self::invalidate_all): per-thread entries of an older
    /// generation are stale.
    generation: Arc<AtomicU64>,
}

/// The most verdicts one thread keeps for one check; a full table is emptied and refilled from
/// the shared cache.
const THREAD_CAPACITY: usize = 1024;

/// One thread's verdicts for one check.
#[derive(Default)]
struct ThreadTable {
    generation: u64,
    verdicts: HashMap<Box<[u8]>, (bool, Instant)>,
}

thread_local! {
    /// Per check (by id), this thread's verdicts and when each expires.
    static THREAD_VERDICTS: RefCell<HashMap<u64, ThreadTable>> = RefCell::new(HashMap::new());
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl fmt::Debug for OriginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginCheck")
            .field("capacity", &self.spec.capacity)
            .field("ttl", &self.spec.ttl)
            .field("timeout", &self.spec.timeout)
            .field("needs_probe", &self.needs_probe)
            .finish_non_exhaustive()
    }
}

impl OriginCheck {
    pub(crate) fn new(spec: CheckSpec, needs_probe: bool) -> OriginCheck {
        let cache = moka::future::Cache::builder().max_capacity(spec.capacity).time_to_live(spec.ttl).build();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        OriginCheck { spec, cache, needs_probe, id, generation: Arc::default() }
    }

    /// The verdict for `origin` if this thread has a live one, without waiting or locking:
    /// `Some(true)` allowed, `Some(false)` denied, `None` to ask [`verdict`](Self::verdict).
    /// Always `None` while the credentials probe has yet to run or has failed.
    pub fn cached(&self, origin: &[u8]) -> Option<bool> {
        if self.needs_probe && self.spec.probed.get().is_none_or(|p| p.is_some()) {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        THREAD_VERDICTS.with(|tables| {
            let tables = tables.try_borrow().ok()?;
            let table = tables.get(&self.id).filter(|t| t.generation == generation)?;
            let &(allowed, expires) = table.verdicts.get(origin)?;
            (Instant::now() < expires).then_some(allowed)
        })
    }

    /// Remembers on this thread a verdict obtained at `at`.
    fn remember(&self, origin: &[u8], allowed: bool, at: Instant) {
        let Some(expires) = at.checked_add(self.spec.ttl) else { return };
        let generation = self.generation.load(Ordering::Acquire);
        THREAD_VERDICTS.with(|tables| {
            let Ok(mut tables) = tables.try_borrow_mut() else { return };
            let table = tables.entry(self.id).or_default();
            if table.generation != generation
                || table.verdicts.len() >= THREAD_CAPACITY.min(self.spec.capacity as usize)
            {
                table.verdicts.clear();
                table.generation = generation;
            }
            if self.spec.capacity > 0 {
                table.verdicts.insert(origin.into(), (allowed, expires));
            }
        });
    }

    /// Forgets every verdict, on every thread: the next request of each origin asks the check
    /// again (e.g. after a tenant is removed). Lookups under way finish and are kept.
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
    }

    pub(crate) fn spec(&self) -> &CheckSpec {
        &self.spec
    }

    /// How long a lookup may take before the request is refused: the adapter's timer applies it
    /// around [`verdict`](Self::verdict).
    pub fn timeout(&self) -> Duration {
        self.spec.timeout
    }

    /// How long a verdict is kept.
    pub fn ttl(&self) -> Duration {
        self.spec.ttl
    }

    /// How many verdicts are kept at most.
    pub fn capacity(&self) -> u64 {
        self.spec.capacity
    }

    /// The verdict for `origin` (an `Origin` header's bytes): the cached one while it lives, else
    /// one call of the check, which concurrent callers for the same origin share, on any thread.
    /// Failures are not cached. A value that is not an origin a browser sends is denied without
    /// a call.
    ///
    /// Dropping the future that runs the call hands it to a waiting caller, which calls again.
    pub async fn verdict(&self, origin: &[u8]) -> Checked {
        let Some(parsed) = Origin::parse(origin).filter(|o| !o.is_null()) else {
            return Checked::Denied;
        };
        if let Some(accepted) = self.probe_failure() {
            return Checked::Failed(Arc::new(format!(
                "with credentials on, the origin check allowed \"{accepted}\", an origin no deployment allows, when it was probed, so it grants nothing; see the error logged at startup"
            )));
        }
        let ask = &self.spec.ask;
        let lookup = async { ask(parsed.to_buf()).await.map(|allowed| (allowed, Instant::now())) };
        match self.cache.try_get_with_by_ref(origin, lookup).await {
            Ok((allowed, at)) => {
                self.remember(origin, allowed, at);
                if allowed {
                    Checked::Allowed
                } else {
                    Checked::Denied
                }
            }
            Err(reason) => Checked::Failed(reason),
        }
    }

    /// Whether the credentials probe has yet to run (credentials are on and the check is not
    /// trusted with `dangerously_trust_origin_fn`): the adapter runs [`probe`](Self::probe) when
    /// the server starts, and before the first lookup of a policy installed later.
    pub fn needs_probe(&self) -> bool {
        self.needs_probe && self.spec.probed.get().is_none()
    }

    /// With credentials on, asks the check about origins no deployment allows (each under
    /// `timeout`, given by the adapter's timer) and fails if it allows one, with the error that
    /// says how to fix it. Runs once per check; later calls return the first result.
    ///
    /// A probe the check fails to answer, or answers late, counts as a refusal.
    pub async fn probe<T, F>(&self, mut timeout: T) -> Result<(), ConfigErrors>
    where
        T: FnMut(Pin<Box<dyn Future<Output = Result<bool, String>>>>) -> F,
        F: Future<Output = Option<Result<bool, String>>>,
    {
        if !self.needs_probe {
            return Ok(());
        }
        if self.spec.probed.get().is_none() {
            let mut accepted = None;
            for probe in crate::validate::probe_origins(false) {
                let Some(origin) = Origin::parse(probe.as_bytes()) else { continue };
                if let Some(Ok(true)) = timeout((self.spec.ask)(origin.to_buf())).await {
                    accepted = Some(probe);
                    break;
                }
            }
            let _ = self.spec.probed.set(accepted);
        }
        match self.spec.probed.get() {
            Some(Some(accepted)) => {
                Err(ConfigErrors::new(vec![permissive(accepted).named(&Naming::Builder)]))
            }
            _ => Ok(()),
        }
    }

    /// The probe's finding, once it ran: `Some(origin)` when the check allowed one no deployment
    /// allows, so the check must not grant anything.
    pub fn probe_failure(&self) -> Option<&str> {
        if !self.needs_probe {
            return None;
        }
        self.spec.probed.get().and_then(|p| p.as_deref())
    }
}

/// The error of a check that allowed a probe origin with credentials on.
fn permissive(accepted: &str) -> ConfigError {
    ConfigError::combination(
        ErrorKind::PermissivePredicate,
        &[Setting::OriginCheck, Setting::AllowCredentials],
        format!("the origin check allowed \"{accepted}\", an origin no real deployment allows, so with credentials any site could read your users' responses; make the check compare the origin with what you trust, or opt in with `dangerously_trust_origin_fn(true)`"),
    )
}
