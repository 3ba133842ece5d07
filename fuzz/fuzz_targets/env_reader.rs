//! The environment reader (`Policy::from_vars`) on arbitrary `CORS_*` variables: known names,
//! near misses and other names, with values made of the words a configuration uses, arbitrary
//! text, or bytes that are not UTF-8.
//!
//! Invariants, besides not panicking:
//! - the variables are an environment (one value per name), so their order does not matter:
//!   reading them reversed gives the same policy, or the same errors;
//! - a policy read never has credentials together with any origin or with `*` exposed headers;
//! - an error list is not empty, and every error has a message and names a variable that is
//!   set (for an unknown variable, that one; for a combination, each setting involved).

#![no_main]

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use arbitrary::Arbitrary;
use cors_core::{Policy, Setting};
use libfuzzer_sys::fuzz_target;

/// Words a configuration is made of: valid and invalid origins, methods, header names, flags,
/// numbers, a preset.
const WORDS: &[&str] = &[
    "*",
    "https://app.example",
    "https://*.app.example",
    "http://localhost:*",
    "http://insecure.example",
    "https://app.example/",
    "https://*.com",
    "HTTPS://App.Example:443",
    "null",
    "GET",
    "put",
    "PATCH",
    "patch",
    "TRACE",
    "content-type",
    "authorization",
    "cookie",
    "x-request-id",
    "set-cookie",
    "true",
    "false",
    "TRUE",
    "yes",
    "600",
    "86401",
    "-1",
    "200",
    "204",
    "public",
    " ",
    "",
];

#[derive(Arbitrary, Debug)]
enum Key {
    /// A known setting's variable.
    Known(u8),
    /// A known name with one byte changed (a typo).
    Typo(u8, u8, u8),
    /// `CORS_` and anything.
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Item {
    Word(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum Value {
    /// Items joined by commas, with or without spaces.
    List(Vec<Item>, bool),
    Text(String),
    /// Possibly not UTF-8.
    Bytes(Vec<u8>),
}

fn known() -> Vec<String> {
    Setting::ALL.iter().filter_map(|s| s.env_suffix()).map(|s| format!("CORS_{s}")).collect()
}

fn key(k: &Key, known: &[String]) -> String {
    match k {
        Key::Known(i) => known[usize::from(*i) % known.len()].clone(),
        Key::Typo(i, at, b) => {
            let mut name = known[usize::from(*i) % known.len()].clone().into_bytes();
            let at = "CORS_".len() + usize::from(*at) % (name.len() - "CORS_".len());
            name[at] = b'A' + b % 26;
            String::from_utf8(name).expect("ASCII")
        }
        Key::Other(rest) => format!("CORS_{rest}"),
    }
}

fn value(v: &Value) -> OsString {
    match v {
        Value::List(items, spaced) => {
            let items: Vec<&str> = items
                .iter()
                .map(|item| match item {
                    Item::Word(i) => WORDS[usize::from(*i) % WORDS.len()],
                    Item::Text(t) => t.as_str(),
                })
                .collect();
            OsString::from(items.join(if *spaced { ", " } else { "," }))
        }
        Value::Text(t) => OsString::from(t),
        Value::Bytes(b) => OsString::from_vec(b.clone()),
    }
}

fuzz_target!(|input: Vec<(Key, Value)>| {
    let known = known();
    // An environment holds one value per name: the last one given wins.
    let vars: BTreeMap<String, OsString> = input.iter().map(|(k, v)| (key(k, &known), value(v))).collect();
    let forward = Policy::from_vars("CORS", vars.clone());
    let reversed = Policy::from_vars("CORS", vars.iter().rev().map(|(k, v)| (k.clone(), v.clone())));
    match (&forward, &reversed) {
        (Ok(a), Ok(b)) => assert_eq!(a.to_string(), b.to_string(), "the order of variables changed the policy"),
        (Err(a), Err(b)) => assert_eq!(a, b, "the order of variables changed the errors"),
        _ => panic!("the order of variables changed the outcome: {forward:?} / {reversed:?}"),
    }
    match forward {
        Ok(policy) => {
            assert!(!policy.to_string().is_empty());
            if policy.allows_credentials() {
                assert!(!policy.allows_any_origin(), "any origin with credentials: {policy}");
                assert_ne!(
                    policy.exposed_headers_value().map(|v| &v[..]),
                    Some(&b"*"[..]),
                    "`*` exposed with credentials: {policy}"
                );
            }
            for warning in policy.warnings() {
                assert!(!warning.message().is_empty());
            }
        }
        Err(errors) => {
            assert!(!errors.errors().is_empty(), "an error list with no error");
            for error in errors.errors() {
                let shown = error.to_string();
                assert!(!error.message().is_empty(), "an error without a message: {shown:?}");
                // A setting the environment cannot express is never what an error blames.
                let names: Vec<String> = error
                    .settings()
                    .iter()
                    .map(|s| format!("CORS_{}", s.env_suffix().unwrap_or_else(|| panic!("{shown:?} names {s:?}"))))
                    .collect();
                let set = |name: &str| vars.contains_key(name);
                let names_one = if names.is_empty() {
                    // About a variable, not a setting (an unknown name): it leads, as it was given.
                    vars.keys().any(|k| shown.starts_with(&format!("{k}: ")))
                } else {
                    names.iter().all(|n| shown.contains(n.as_str())) && names.iter().any(|n| set(n))
                };
                assert!(
                    names_one,
                    "the error names no variable that is set: {shown:?} (set: {:?})",
                    vars.keys().collect::<Vec<_>>()
                );
            }
        }
    }
});
