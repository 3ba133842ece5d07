//! Helpers shared by the integration tests: building requests and reading decisions.
#![allow(dead_code)]

use cors_core::{CorsRequest, Decision, Field, Policy};

pub type Lines<'a> = std::iter::Copied<std::slice::Iter<'a, &'a [u8]>>;

/// A request with every part given.
pub fn request<'a>(
    method: &'a [u8],
    origin: Field<'a>,
    request_method: Field<'a>,
    request_headers: &'a [&'a [u8]],
    request_private_network: bool,
) -> CorsRequest<'a, Lines<'a>> {
    CorsRequest {
        method,
        origin,
        request_method,
        request_headers: request_headers.iter().copied(),
        request_private_network,
    }
}

/// An actual request (GET) from `origin`.
pub fn actual(origin: &str) -> CorsRequest<'_, Lines<'_>> {
    request(b"GET", Field::One(origin.as_bytes()), Field::Absent, &[], false)
}

/// A preflight from `origin` asking for `method` and the given `Access-Control-Request-Headers` lines.
pub fn preflight<'a>(
    origin: &'a str,
    method: &'a str,
    header_lines: &'a [&'a [u8]],
) -> CorsRequest<'a, Lines<'a>> {
    request(b"OPTIONS", Field::One(origin.as_bytes()), Field::One(method.as_bytes()), header_lines, false)
}

/// The headers a decision writes, as (name, value) text pairs, in order.
pub fn headers(decision: &Decision<'_>) -> Vec<(&'static str, String)> {
    decision
        .headers()
        .map(|(name, value)| (name.as_str(), String::from_utf8(value.as_bytes().to_vec()).unwrap()))
        .collect()
}

/// The `Vary` tokens of a decision.
pub fn vary(decision: &Decision<'_>) -> Vec<&'static str> {
    decision.vary().tokens().collect()
}

/// The reason of a refusal, in words.
pub fn reason(decision: &Decision<'_>) -> String {
    decision.reason().expect("the request should have been refused").to_string()
}

/// A policy built from a builder that must be valid.
pub fn build(builder: cors_core::PolicyBuilder) -> Policy {
    match builder.build() {
        Ok(policy) => policy,
        Err(errors) => panic!("expected a valid policy, got: {errors}"),
    }
}
