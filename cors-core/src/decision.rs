//! The decision for one request: what kind of request it is, whether it is allowed, which
//! headers to write, and, for a refusal, the reason in words.

use std::fmt;

use bytes::Bytes;

use crate::escape::ClientValue;
use crate::headers::{is_token, HeaderRefusal};
use crate::origin_check::Checked;
use crate::policy::{OriginRule, Policy};
use crate::vary::Vary;

/// How many lines of one request header arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field<'r> {
    /// The header is absent.
    Absent,
    /// Exactly one line, with this value.
    One(&'r [u8]),
    /// Several lines: never trusted for `Origin` or `Access-Control-Request-Method`.
    Several,
}

/// The parts of a request that CORS looks at.
///
/// `request_headers` yields every `Access-Control-Request-Headers` line; it is iterated more
/// than once, so it must be cheap to clone (a slice iterator, or a header map's iterator).
#[derive(Clone, Debug)]
pub struct CorsRequest<'r, L> {
    /// The request method, e.g. `b"OPTIONS"`.
    pub method: &'r [u8],
    /// `Origin`.
    pub origin: Field<'r>,
    /// `Access-Control-Request-Method`.
    pub request_method: Field<'r>,
    /// Every line of `Access-Control-Request-Headers`.
    pub request_headers: L,
    /// Whether `Access-Control-Request-Private-Network: true` was sent.
    pub request_private_network: bool,
}

impl<L> CorsRequest<'_, L> {
    /// Whether this is a preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`
    /// (any number of lines of each, any bytes). The one test every adapter and guard uses.
    pub fn is_preflight(&self) -> bool {
        self.method == b"OPTIONS" && self.origin != Field::Absent && self.request_method != Field::Absent
    }
}

/// What kind of request this is, to CORS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// No `Origin`: not a CORS request; it passes through untouched (but see `Vary`).
    NotCors,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    Preflight,
    /// Any other request with `Origin`.
    Actual,
}

/// A CORS response header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorsHeader {
    /// `Access-Control-Allow-Origin`
    AllowOrigin,
    /// `Access-Control-Allow-Credentials`
    AllowCredentials,
    /// `Access-Control-Expose-Headers`
    ExposeHeaders,
    /// `Access-Control-Allow-Methods`
    AllowMethods,
    /// `Access-Control-Allow-Headers`
    AllowHeaders,
    /// `Access-Control-Max-Age`
    MaxAge,
    /// `Access-Control-Allow-Private-Network`
    AllowPrivateNetwork,
}

impl CorsHeader {
    /// Every CORS response header, in [`index`](Self::index) order (the order
    /// [`Decision::headers`] yields them in).
    pub const ALL: [CorsHeader; 7] = [
        CorsHeader::AllowOrigin,
        CorsHeader::AllowCredentials,
        CorsHeader::ExposeHeaders,
        CorsHeader::AllowMethods,
        CorsHeader::AllowHeaders,
        CorsHeader::MaxAge,
        CorsHeader::AllowPrivateNetwork,
    ];

    /// How many of [`ALL`](Self::ALL), from the start, an actual request's answer can carry:
    /// `Access-Control-Allow-Origin`, `-Allow-Credentials` and `-Expose-Headers`. The rest are a
    /// preflight's alone.
    pub const ON_ACTUAL: usize = 3;

    /// The position of this header in [`ALL`](Self::ALL), for adapters that keep one slot per
    /// header.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The header name in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            CorsHeader::AllowOrigin => "access-control-allow-origin",
            CorsHeader::AllowCredentials => "access-control-allow-credentials",
            CorsHeader::ExposeHeaders => "access-control-expose-headers",
            CorsHeader::AllowMethods => "access-control-allow-methods",
            CorsHeader::AllowHeaders => "access-control-allow-headers",
            CorsHeader::MaxAge => "access-control-max-age",
            CorsHeader::AllowPrivateNetwork => "access-control-allow-private-network",
        }
    }
}

/// Which request header an echoed value comes from, so an adapter can reuse the request's own
/// header value instead of copying the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Echo {
    /// The `Origin` line.
    Origin,
    /// The `Access-Control-Request-Method` line.
    RequestMethod,
    /// The single `Access-Control-Request-Headers` line.
    RequestHeaders,
}

/// The value of one header to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A constant such as `true` or `*`.
    Static(&'static str),
    /// A value built once with the policy (exposed headers, max age).
    Shared(&'a Bytes),
    /// A request header's value, written back unchanged.
    Echo(Echo, &'a [u8]),
    /// Several request lines joined (a preflight whose header list came in several lines).
    Joined(&'a str),
}

impl<'a> Value<'a> {
    /// The bytes of the value (borrowed for as long as the value's source, not the `Value`).
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            Value::Static(s) => s.as_bytes(),
            Value::Shared(b) => b,
            Value::Echo(_, b) => b,
            Value::Joined(s) => s.as_bytes(),
        }
    }
}

/// What an adapter does with a request once it is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answer the request here, with this status, [`Decision::headers`], [`Decision::vary`]
    /// and [`Decision::body`]; the handler does not run.
    Respond {
        /// The status code.
        status: u16,
    },
    /// Pass the request on to the handler, and write [`Decision::headers`] and
    /// [`Decision::vary`] on whatever response comes back, error responses included.
    Forward,
}

/// The `Content-Type` of a [`Decision::body`]: plain text.
pub const BODY_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The status of a refused preflight, and of an actual request refused while blocking is on.
pub const REFUSED_STATUS: u16 = 403;

/// Why a request was refused: data for logs and for debug mode, shown in words by `Display`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal<'a> {
    /// CORS is turned off for the handler (`#[cors(disable)]`): its preflights are refused.
    Disabled,
    /// The origin is not allowed.
    OriginNotAllowed(&'a [u8]),
    /// The asynchronous origin check failed or did not answer in time for this origin.
    OriginCheckFailed {
        /// The origin.
        origin: &'a [u8],
        /// What went wrong, as the check (or the timer) said.
        reason: &'a str,
    },
    /// Several `Origin` lines: never granted.
    SeveralOrigins,
    /// The requested method is not allowed.
    MethodNotAllowed(&'a [u8]),
    /// The requested method is not an HTTP token.
    InvalidMethod(&'a [u8]),
    /// Several `Access-Control-Request-Method` lines.
    SeveralRequestMethods,
    /// A requested header is not allowed.
    HeaderNotAllowed(&'a [u8]),
    /// A requested header name is not an HTTP token.
    InvalidHeader(&'a [u8]),
    /// More names than the bound.
    TooManyHeaders {
        /// The bound.
        limit: usize,
    },
    /// A header list longer than the bound.
    HeadersTooLong {
        /// The length of every line together.
        len: usize,
        /// The bound.
        limit: usize,
    },
}

/// A refusal together with the policy it was measured against, for `Display`.
pub struct Reason<'a> {
    refusal: Refusal<'a>,
    policy: Option<&'a Policy>,
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(policy) = self.policy else {
            return f.write_str("CORS is disabled for this handler");
        };
        let inner = &policy.inner;
        match self.refusal {
            Refusal::Disabled => f.write_str("CORS is disabled for this handler"),
            Refusal::OriginNotAllowed(o) if o == b"null" => {
                f.write_str("origin \"null\" is not allowed (it needs the allow-null-origin setting)")
            }
            Refusal::OriginNotAllowed(o) => {
                write!(f, "origin \"{}\" is not allowed (allowed: ", ClientValue(o))?;
                let shown = &inner.shown_origins;
                let predicate = matches!(&inner.origin_rule, OriginRule::Set { predicate: Some(_), .. });
                let check = policy.origin_check().is_some();
                if shown.is_empty() && !predicate && !check {
                    f.write_str("none")?;
                } else if shown.len() <= 5 {
                    f.write_str(&shown.join(", "))?;
                } else {
                    write!(f, "{}, {} and {} more", shown[0], shown[1], shown.len() - 2)?;
                }
                let mut also = !shown.is_empty();
                for (on, what) in [(predicate, "origins the predicate accepts"), (check, "origins the origin check allows")] {
                    if on {
                        f.write_str(if also { ", and " } else { "" })?;
                        f.write_str(what)?;
                        also = true;
                    }
                }
                f.write_str(")")
            }
            Refusal::OriginCheckFailed { origin, reason } => write!(
                f,
                "origin \"{}\" could not be checked: {reason}; it is refused until the origin check answers",
                ClientValue(origin)
            ),
            Refusal::SeveralOrigins => f.write_str("the request has several Origin header lines"),
            Refusal::MethodNotAllowed(m) => write!(
                f,
                "method \"{}\" is not allowed (allowed: {}; methods are case-sensitive)",
                ClientValue(m),
                inner.methods.shown()
            ),
            Refusal::InvalidMethod(m) => {
                write!(f, "Access-Control-Request-Method \"{}\" is not a method name", ClientValue(m))
            }
            Refusal::SeveralRequestMethods => {
                f.write_str("the request has several Access-Control-Request-Method header lines")
            }
            Refusal::HeaderNotAllowed(h) => {
                write!(f, "request header \"{}\" is not allowed (allowed: {})", ClientValue(h), inner.headers.shown())?;
                if h.eq_ignore_ascii_case(b"content-type") {
                    write!(
                        f,
                        "; Content-Type is CORS-safelisted only for {}, so a page sending application/json asks for \"content-type\", which must be listed",
                        crate::headers::SAFELISTED_CONTENT_TYPES.join(", ")
                    )?;
                }
                Ok(())
            }
            Refusal::InvalidHeader(h) => write!(
                f,
                "Access-Control-Request-Headers lists \"{}\", which is not a header name",
                ClientValue(h)
            ),
            Refusal::TooManyHeaders { limit } => {
                write!(f, "Access-Control-Request-Headers lists more than {limit} names")
            }
            Refusal::HeadersTooLong { len, limit } => write!(
                f,
                "Access-Control-Request-Headers is {len} bytes long, over the {limit}-byte limit for this policy"
            ),
        }
    }
}

/// The decision for one request: everything the wire needs.
///
/// [`action`](Self::action) says whether to answer here (and with which status) or to pass the
/// request on; [`headers`](Self::headers) and [`vary`](Self::vary) are written either way, and
/// [`body`](Self::body) is the body of an answer made here. An adapter translates these into
/// its framework's types and decides nothing itself.
#[derive(Debug)]
pub struct Decision<'a> {
    /// `None` when CORS is disabled for the handler.
    policy: Option<&'a Policy>,
    kind: RequestKind,
    refusal: Option<Refusal<'a>>,
    /// The origin granted: `Access-Control-Allow-Origin` echoes it, or is `*` under a policy
    /// that allows any origin.
    granted_origin: Option<&'a [u8]>,
    allow_methods: Option<Value<'a>>,
    allow_headers: Option<Value<'a>>,
    private_network: bool,
    /// `Access-Control-Allow-Headers` built from several request lines, or for a refusal naming
    /// its culprit under "any" header. Rare, so behind a thin pointer: the decision stays within
    /// 128 bytes, which the compiler moves in registers rather than with a `memcpy` call (a test
    /// pins the size).
    #[allow(clippy::box_collection)]
    joined: Option<Box<String>>,
    /// A preflight from an allowed origin refused for its method or a request header: answered
    /// so that the browser names the culprit (SPEC section 3).
    names_culprit: bool,
    vary: Vary,
}

impl<'a> Decision<'a> {
    /// The decision for a handler whose CORS is disabled (`#[cors(disable)]`): its preflights are
    /// refused with no CORS header at all, and every other request passes untouched (no `Vary`
    /// either: the response does not depend on the origin).
    pub fn disabled<L>(req: &CorsRequest<'a, L>) -> Decision<'a> {
        let kind = match req.origin {
            Field::Absent => RequestKind::NotCors,
            _ if req.is_preflight() => RequestKind::Preflight,
            _ => RequestKind::Actual,
        };
        Decision {
            policy: None,
            kind,
            refusal: (kind == RequestKind::Preflight).then_some(Refusal::Disabled),
            granted_origin: None,
            allow_methods: None,
            allow_headers: None,
            private_network: false,
            joined: None,
            names_culprit: false,
            vary: Vary::NONE,
        }
    }

    /// What kind of request this is.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// Whether the request is a CORS request that is allowed. Never for a handler whose CORS is
    /// disabled ([`disabled`](Self::disabled)): its answers carry no CORS header, so a browser
    /// lets no other origin's page read them.
    pub fn is_allowed(&self) -> bool {
        self.policy.is_some() && self.kind != RequestKind::NotCors && self.refusal.is_none()
    }

    /// Why the request was refused, if it was.
    pub fn refusal(&self) -> Option<Refusal<'a>> {
        self.refusal
    }

    /// The reason in words, for logs and debug mode.
    pub fn reason(&self) -> Option<Reason<'a>> {
        self.refusal.map(|refusal| Reason { refusal, policy: self.policy })
    }

    /// The tokens to append to `Vary`.
    pub fn vary(&self) -> Vary {
        self.vary
    }

    /// The policy that decided (`None` when CORS is disabled for the handler).
    pub fn policy(&self) -> Option<&'a Policy> {
        self.policy
    }

    /// Whether the adapter answers here or passes the request on.
    ///
    /// * A preflight is answered here (the handler does not run), unless the policy passes
    ///   preflights on (`preflight_continue`): granted with the policy's preflight status;
    ///   refused for its method or a request header from an allowed origin with that status too,
    ///   so that the browser reads the lists and names the culprit; refused for its origin (or as
    ///   hostile) with [`REFUSED_STATUS`].
    /// * An actual request from an origin that is not allowed is answered here with
    ///   [`REFUSED_STATUS`] when the policy blocks such requests.
    /// * Everything else is passed on.
    pub fn action(&self) -> Action {
        let Some(policy) = self.policy else {
            return match self.kind {
                RequestKind::Preflight => Action::Respond { status: REFUSED_STATUS },
                _ => Action::Forward,
            };
        };
        match self.kind {
            RequestKind::Preflight if policy.preflight_continue() => Action::Forward,
            RequestKind::Preflight if self.refusal.is_none() || self.names_culprit => {
                Action::Respond { status: policy.preflight_status() }
            }
            RequestKind::Preflight => Action::Respond { status: REFUSED_STATUS },
            RequestKind::Actual if self.refusal.is_some() && policy.blocks_disallowed() => {
                Action::Respond { status: REFUSED_STATUS }
            }
            RequestKind::Actual | RequestKind::NotCors => Action::Forward,
        }
    }

    /// The body of an answer made here: in debug mode, the reason a preflight was refused, as
    /// plain text ([`BODY_CONTENT_TYPE`]); otherwise none (an empty body).
    pub fn body(&self) -> Option<String> {
        let policy = self.policy?;
        if self.kind != RequestKind::Preflight || !policy.debug() {
            return None;
        }
        let status = match self.action() {
            Action::Respond { status } => status,
            Action::Forward => return None,
        };
        // 204 and 304 responses have no body.
        if status == 204 || status == 304 {
            return None;
        }
        self.reason().map(|reason| format!("CORS preflight refused: {reason}\n"))
    }

    /// The headers to write: a grant's; for a preflight from an allowed origin refused for its
    /// method or a request header, the origin's grant and what the policy allows
    /// (`Access-Control-Allow-Methods` and `-Allow-Headers`, never the refused item, no max
    /// age), so that the browser names the culprit; none for any other refusal or a request that
    /// is not CORS.
    pub fn headers(&self) -> impl Iterator<Item = (CorsHeader, Value<'_>)> + '_ {
        // Nothing is looked at for a request that gets no header, and an actual request's answer
        // never carries the preflight's headers.
        let n = match self.kind {
            _ if !self.writes() => 0,
            RequestKind::Preflight => CorsHeader::ALL.len(),
            _ => CorsHeader::ON_ACTUAL,
        };
        CorsHeader::ALL[..n].iter().filter_map(move |&h| self.value_of(h).map(|v| (h, v)))
    }

    /// The value of header `h`, if the answer carries it: what [`headers`](Self::headers) yields
    /// for `h`, for an adapter that keeps one field per header.
    #[inline]
    pub fn header(&self, h: CorsHeader) -> Option<Value<'_>> {
        if self.writes() {
            self.value_of(h)
        } else {
            None
        }
    }

    /// Whether the answer carries any header: a grant's, or a refusal's that names its culprit.
    fn writes(&self) -> bool {
        self.policy.is_some()
            && self.kind != RequestKind::NotCors
            && (self.refusal.is_none() || self.names_culprit)
    }

    /// The value of header `h` on an answer that [`writes`](Self::writes) headers.
    #[inline]
    fn value_of(&self, h: CorsHeader) -> Option<Value<'_>> {
        let inner = &self.policy?.inner;
        let preflight = self.kind == RequestKind::Preflight;
        let granted = self.refusal.is_none();
        match h {
            CorsHeader::AllowOrigin => self.granted_origin.map(|origin| {
                if matches!(inner.origin_rule, OriginRule::Any) {
                    Value::Static("*")
                } else {
                    Value::Echo(Echo::Origin, origin)
                }
            }),
            CorsHeader::AllowCredentials => inner.credentials.then_some(Value::Static("true")),
            CorsHeader::ExposeHeaders if !preflight => inner.expose.as_ref().map(Value::Shared),
            CorsHeader::AllowMethods => self.allow_methods,
            CorsHeader::AllowHeaders => {
                self.joined.as_deref().map(|j| Value::Joined(j.as_str())).or(self.allow_headers)
            }
            CorsHeader::MaxAge if preflight && granted => inner.max_age.as_ref().map(Value::Shared),
            CorsHeader::AllowPrivateNetwork => self.private_network.then_some(Value::Static("true")),
            CorsHeader::ExposeHeaders | CorsHeader::MaxAge => None,
        }
    }
}

impl Policy {
    /// Decides one request.
    ///
    /// ```
    /// use cors_core::{CorsRequest, Field, Policy, RequestKind};
    ///
    /// let policy = Policy::builder().allow_origin("https://myapp.com").build().unwrap();
    /// let request = CorsRequest {
    ///     method: b"GET",
    ///     origin: Field::One(b"https://myapp.com"),
    ///     request_method: Field::Absent,
    ///     request_headers: [].iter().copied(),
    ///     request_private_network: false,
    /// };
    /// let decision = policy.decide(&request);
    /// assert_eq!(decision.kind(), RequestKind::Actual);
    /// assert!(decision.is_allowed());
    /// ```
    ///
    /// An origin only the asynchronous origin check could allow is refused here: with a check,
    /// await its verdict for [`origin_to_check`](Self::origin_to_check) and call
    /// [`decide_checked`](Self::decide_checked).
    pub fn decide<'a, L>(&'a self, req: &CorsRequest<'a, L>) -> Decision<'a>
    where
        L: IntoIterator<Item = &'a [u8]> + Clone,
    {
        self.decide_checked(req, None)
    }

    /// Decides one request given the asynchronous origin check's verdict for its origin
    /// (`None` when [`origin_to_check`](Self::origin_to_check) named none).
    ///
    /// ```
    /// use cors_core::{Checked, CorsRequest, Field, Policy};
    ///
    /// let policy = Policy::builder()
    ///     .allow_origin_async(|o| async move { Ok::<_, String>(o.host().ends_with(".tenant.example")) })
    ///     .build()
    ///     .unwrap();
    /// let request = CorsRequest {
    ///     method: b"GET",
    ///     origin: Field::One(b"https://acme.tenant.example"),
    ///     request_method: Field::Absent,
    ///     request_headers: [].iter().copied(),
    ///     request_private_network: false,
    /// };
    /// assert!(policy.origin_to_check(&request).is_some());
    /// // The adapter awaits `check.verdict(origin)`; here, the outcomes it can have:
    /// assert!(policy.decide_checked(&request, Some(&Checked::Allowed)).is_allowed());
    /// assert!(!policy.decide_checked(&request, Some(&Checked::Denied)).is_allowed());
    /// let timed_out = Checked::timed_out(std::time::Duration::from_secs(2));
    /// let refused = policy.decide_checked(&request, Some(&timed_out));
    /// assert!(refused.reason().unwrap().to_string().contains("did not answer within 2s"));
    /// ```
    pub fn decide_checked<'a, L>(
        &'a self,
        req: &CorsRequest<'a, L>,
        checked: Option<&'a Checked>,
    ) -> Decision<'a>
    where
        L: IntoIterator<Item = &'a [u8]> + Clone,
    {
        let mut decision = Decision {
            policy: Some(self),
            kind: RequestKind::NotCors,
            refusal: None,
            granted_origin: None,
            allow_methods: None,
            allow_headers: None,
            private_network: false,
            joined: None,
            names_culprit: false,
            vary: self.vary_not_cors(),
        };
        // One decision, filled in place and returned from one place.
        self.fill(&mut decision, req, checked);
        decision
    }

    /// Fills in `decision` for `req`, its refusal included (and, for a refusal that names its
    /// culprit, what it lists).
    fn fill<'a, L>(
        &'a self,
        decision: &mut Decision<'a>,
        req: &CorsRequest<'a, L>,
        checked: Option<&'a Checked>,
    ) where
        L: IntoIterator<Item = &'a [u8]> + Clone,
    {
        let inner = &self.inner;
        let origin = match req.origin {
            Field::Absent => return,
            Field::One(o) => Some(o),
            Field::Several => None,
        };
        let preflight = req.is_preflight();
        decision.kind = if preflight { RequestKind::Preflight } else { RequestKind::Actual };
        if preflight {
            decision.vary = decision.vary
                | Vary::REQUEST_METHOD
                | Vary::REQUEST_HEADERS
                | if inner.private_network { Vary::REQUEST_PRIVATE_NETWORK } else { Vary::NONE };
        }
        let origin = match origin {
            None => return decision.refuse(Refusal::SeveralOrigins),
            Some(o) if !self.allows_origin(o) => match checked {
                Some(Checked::Allowed) => o,
                Some(Checked::Failed(reason)) => {
                    return decision.refuse(Refusal::OriginCheckFailed { origin: o, reason })
                }
                Some(Checked::Denied) | None => return decision.refuse(Refusal::OriginNotAllowed(o)),
            },
            Some(o) => o,
        };
        decision.granted_origin = Some(origin);
        if !preflight {
            return;
        }

        let method = match req.request_method {
            Field::One(m) if !is_token(m) => return decision.refuse(Refusal::InvalidMethod(m)),
            Field::One(m) if !inner.methods.allows(m) => {
                decision.allow_methods = inner.methods_list.as_ref().map(Value::Shared);
                decision.list_allowed_headers(req.request_headers.clone());
                decision.names_culprit = true;
                return decision.refuse(Refusal::MethodNotAllowed(m));
            }
            Field::One(m) => m,
            _ => return decision.refuse(Refusal::SeveralRequestMethods),
        };
        decision.allow_methods = Some(Value::Echo(Echo::RequestMethod, method));

        match inner.headers.check(req.request_headers.clone()) {
            Err(HeaderRefusal::NotAllowed(h)) => {
                if let Some(list) = &inner.methods_list {
                    decision.allow_methods = Some(Value::Shared(list));
                }
                decision.list_allowed_headers(req.request_headers.clone());
                decision.names_culprit = true;
                return decision.refuse(Refusal::HeaderNotAllowed(h));
            }
            Err(HeaderRefusal::Invalid(h)) => return decision.refuse(Refusal::InvalidHeader(h)),
            Err(HeaderRefusal::TooMany { limit }) => {
                return decision.refuse(Refusal::TooManyHeaders { limit })
            }
            Err(HeaderRefusal::TooLong { len, limit }) => {
                return decision.refuse(Refusal::HeadersTooLong { len, limit })
            }
            Ok(false) => {}
            Ok(true) => {
                let mut lines = req.request_headers.clone().into_iter().filter(|l| !l.is_empty());
                match (lines.next(), lines.next()) {
                    (Some(line), None) => {
                        decision.allow_headers = Some(Value::Echo(Echo::RequestHeaders, line))
                    }
                    _ => {
                        let parts: Vec<&str> = req
                            .request_headers
                            .clone()
                            .into_iter()
                            .filter(|l| !l.is_empty())
                            .filter_map(|l| std::str::from_utf8(l).ok())
                            .collect();
                        decision.joined = Some(Box::new(parts.join(", ")));
                    }
                }
            }
        }
        decision.private_network = inner.private_network && req.request_private_network;
    }
}

impl<'a> Decision<'a> {
    /// Records why the request is refused; what was granted before stays for a refusal that
    /// names its culprit, and is not written for any other (see [`header`](Self::header)).
    fn refuse(&mut self, refusal: Refusal<'a>) {
        self.refusal = Some(refusal);
    }

    /// What a refusal that names its culprit lists in `Access-Control-Allow-Headers`: the
    /// configured names, or under "any", the requested names less the refused ones.
    fn list_allowed_headers<L>(&mut self, lines: L)
    where
        L: IntoIterator<Item = &'a [u8]> + Clone,
    {
        let Some(policy) = self.policy else { return };
        let rule = &policy.inner.headers;
        if rule.is_any() {
            self.joined = rule.allowed_names(lines).map(Box::new);
        } else {
            self.allow_headers = policy.inner.headers_list.as_ref().map(Value::Shared);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listed policy granting every header there is, and an "any" policy with a max age.
    fn every_grant_policies() -> [Policy; 2] {
        [
            Policy::builder()
                .allow_origin("https://a.example")
                .allow_methods(["GET", "PUT"])
                .allow_headers(["x-api-key"])
                .expose_headers(["x-request-id"])
                .allow_credentials(true)
                .max_age(600)
                .allow_private_network(true)
                .build()
                .unwrap(),
            Policy::builder()
                .allow_any_origin()
                .allow_any_method()
                .allow_any_header()
                .max_age(60)
                .build()
                .unwrap(),
        ]
    }

    /// `headers` looks at the first `ON_ACTUAL` headers only for an actual request: the others
    /// are never set on one, whatever the policy grants and whatever preflight fields the request
    /// carries.
    #[test]
    fn an_actual_request_never_carries_a_preflight_header() {
        let policies = every_grant_policies();
        let lines = [&b"x-api-key"[..]];
        for policy in &policies {
            for method in [&b"GET"[..], b"PUT", b"OPTIONS"] {
                let req = CorsRequest {
                    method,
                    origin: Field::One(b"https://a.example"),
                    // OPTIONS without Access-Control-Request-Method is an actual request.
                    request_method: if method == b"OPTIONS" { Field::Absent } else { Field::One(b"PUT") },
                    request_headers: lines.iter().copied(),
                    request_private_network: true,
                };
                let d = policy.decide(&req);
                assert_eq!(d.kind(), RequestKind::Actual);
                assert!(d.is_allowed());
                for &h in &CorsHeader::ALL[CorsHeader::ON_ACTUAL..] {
                    assert!(d.value_of(h).is_none(), "{h:?} on an actual request");
                }
                assert!(d.headers().any(|(h, _)| h == CorsHeader::AllowOrigin));
            }
        }
    }

    /// `header(h)`, which adapters that keep a field per header use, is what `headers()` yields
    /// for `h`, for every kind of answer: granted, refused, refused naming the culprit, not CORS,
    /// disabled.
    #[test]
    fn header_is_what_headers_yields() {
        let policies = every_grant_policies();
        let origins = [
            Field::Absent,
            Field::One(b"https://a.example"),
            Field::One(b"https://b.example"),
            Field::Several,
        ];
        let methods: [(&[u8], Field<'_>); 5] = [
            (b"GET", Field::Absent),
            (b"OPTIONS", Field::One(b"PUT")),
            (b"OPTIONS", Field::One(b"DELETE")),
            (b"OPTIONS", Field::Several),
            (b"OPTIONS", Field::Absent),
        ];
        let header_lists: [&[&[u8]]; 4] = [&[], &[b"x-api-key"], &[b"x-other"], &[b"x-api-key", b"x-more"]];
        let mut seen = 0;
        for policy in &policies {
            for origin in origins {
                for (method, request_method) in methods {
                    for lines in header_lists {
                        let req = CorsRequest {
                            method,
                            origin,
                            request_method,
                            request_headers: lines.iter().copied(),
                            request_private_network: true,
                        };
                        let disabled = Decision::disabled(&req);
                        for d in [policy.decide(&req), disabled] {
                            let all: Vec<_> = d.headers().collect();
                            for h in CorsHeader::ALL {
                                let listed = all.iter().find(|(x, _)| *x == h).map(|(_, v)| *v);
                                assert_eq!(d.header(h), listed, "{h:?} for {req:?}");
                                seen += usize::from(listed.is_some());
                            }
                        }
                    }
                }
            }
        }
        // Grants and culprit-naming refusals were among them.
        assert!(seen > 100, "{seen}");
    }

    /// A decision is returned by value on every request: within 128 bytes it is moved in
    /// registers, beyond it with a `memcpy` call (measured with callgrind: about 30 instructions
    /// a request).
    #[test]
    fn a_decision_fits_in_128_bytes() {
        assert!(
            std::mem::size_of::<Decision<'static>>() <= 128,
            "{}",
            std::mem::size_of::<Decision<'static>>()
        );
    }

    /// What an adapter that skips the decision without `Origin` writes is what `decide` gives.
    #[test]
    fn vary_not_cors_is_the_decisions_vary_without_origin() {
        let listed = Policy::builder().allow_origin("https://a.example").build().unwrap();
        let any = Policy::builder().allow_any_origin().build().unwrap();
        for policy in [&listed, &any] {
            let req = CorsRequest {
                method: b"GET",
                origin: Field::Absent,
                request_method: Field::Absent,
                request_headers: [].iter().copied(),
                request_private_network: false,
            };
            let d = policy.decide(&req);
            assert_eq!(d.kind(), RequestKind::NotCors);
            assert_eq!(d.headers().count(), 0);
            assert_eq!(d.vary(), policy.vary_not_cors());
        }
        assert_eq!(listed.vary_not_cors(), Vary::ORIGIN);
        assert_eq!(any.vary_not_cors(), Vary::NONE);
    }
}
