//! Framework-agnostic CORS policy engine: validated policies and the decision for one request.
//!
//! A [`Policy`] is made once — by the [`builder`](Policy::builder), the
//! [environment](Policy::from_env), a serde [`PolicyConfig`], or the `cors-macros` crate at
//! compile time — and every way goes through the same validator, which reports every problem
//! at once with the setting, the value and the fix. Then [`Policy::decide`] turns the parts of
//! one request into a [`Decision`]: not CORS, an allowed or refused preflight, or an allowed or
//! refused actual request, with the headers to write, the `Vary` tokens, and the reason for a
//! refusal in words.
//!
//! ```
//! use cors_core::{CorsHeader, CorsRequest, Field, Policy, RequestKind};
//!
//! let policy = Policy::builder()
//!     .allow_origins(["https://myapp.com", "https://*.myapp.com"])
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .max_age(600)
//!     .build()
//!     .expect("valid policy");
//!
//! // A preflight from a subdomain asking for PUT with a JSON body.
//! let lines = [&b"content-type"[..]];
//! let request = CorsRequest {
//!     method: b"OPTIONS",
//!     origin: Field::One(b"https://admin.myapp.com"),
//!     request_method: Field::One(b"PUT"),
//!     request_headers: lines.iter().copied(),
//!     request_private_network: false,
//! };
//! let decision = policy.decide(&request);
//! assert_eq!(decision.kind(), RequestKind::Preflight);
//! let headers: Vec<(&str, &[u8])> =
//!     decision.headers().map(|(name, value)| (name.as_str(), value.as_bytes())).collect();
//! assert_eq!(headers, [
//!     ("access-control-allow-origin", &b"https://admin.myapp.com"[..]),
//!     ("access-control-allow-credentials", b"true"),
//!     ("access-control-allow-methods", b"PUT"),
//!     ("access-control-allow-headers", b"content-type"),
//!     ("access-control-max-age", b"600"),
//! ]);
//!
//! // Configuration mistakes are found before the first request, all at once.
//! let errors = Policy::builder()
//!     .allow_origins(["https://myapp.com/", "https://*.co.uk"])
//!     .build()
//!     .unwrap_err();
//! assert_eq!(errors.errors().len(), 2);
//! assert!(errors.to_string().contains(r#"browsers send "https://myapp.com""#));
//! # let _ = CorsHeader::AllowOrigin;
//! ```
//!
//! The crate reads top-down: [`origin`] (parsing and matching), [`headers`](mod@headers) and
//! methods (rules), [`PolicyConfig`] and [`PolicyBuilder`] (settings), the validator, the
//! [`Decision`], `Vary`, and the [environment](Policy::from_vars).

#![warn(missing_docs)]

mod builder;
pub mod client;
mod config;
mod decision;
mod env;
mod error;
mod escape;
pub mod headers;
mod methods;
pub mod origin;
pub mod origin_check;
mod policy;
mod validate;
mod vary;

pub use builder::PolicyBuilder;
pub use config::{PolicyConfig, Preset};
pub use decision::{
    Action, CorsHeader, CorsRequest, Decision, Echo, Field, Reason, Refusal, RequestKind, Value,
    BODY_CONTENT_TYPE, REFUSED_STATUS,
};
pub use env::DEFAULT_PREFIX;
pub use error::{ConfigError, ConfigErrors, ErrorKind, Naming, Setting, SettingForm};
pub use escape::{ClientValue, MAX_SHOWN};
pub use methods::{is_forbidden_method, FORBIDDEN_METHODS};
pub use origin::{Origin, OriginBuf, OriginSpec};
pub use origin_check::{Checked, OriginCheck};
pub use policy::Policy;
pub use validate::{parse_bool, parse_max_age, parse_status, MAX_MAX_AGE};
pub use vary::Vary;
