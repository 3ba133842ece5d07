//! Property tests: hostile origins built around the allowed ones are never granted unless an
//! independent, deliberately simple oracle says they are exactly allowed; and `decide` on
//! arbitrary bytes never panics and never writes headers it should not.

mod common;

use common::request;
use cors_core::{CorsHeader, Field, Policy, Refusal};
use proptest::prelude::*;
use proptest::sample::Index;

// ---------------------------------------------------------------------------------------------
// Oracles: written from the SPEC, sharing no code with the crate.

/// A host label as a browser sends it.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `scheme://<one or more labels>.<suffix>`, no port.
fn oracle_subdomain(candidate: &str, scheme: &str, suffix: &str) -> bool {
    let Some(host) = candidate.strip_prefix(scheme).and_then(|r| r.strip_prefix("://")) else {
        return false;
    };
    let Some(sub) = host.strip_suffix(suffix).and_then(|s| s.strip_suffix('.')) else {
        return false;
    };
    host.len() <= 253 && sub.split('.').all(is_label)
}

/// `http://localhost` or `http://localhost:<port>` with a port a browser writes (1..=65535, no
/// leading zero, not the default 80).
fn oracle_localhost_any_port(candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix("http://localhost") else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(port) = rest.strip_prefix(':') else {
        return false;
    };
    !port.is_empty()
        && port.len() <= 5
        && !port.starts_with('0')
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p) && p != 80)
}

// ---------------------------------------------------------------------------------------------
// Hostile origin generator

#[derive(Clone, Debug)]
enum Mutation {
    Insert(Index, char),
    Delete(Index),
    Upper(Index),
    Append(String),
    Prefix(String),
    Scheme(&'static str),
    Port(String),
    Bypass(&'static str),
}

const INTERESTING: &[char] = &[
    'a', 'z', 'A', 'Z', '0', '9', '.', '-', '_', ':', '/', '@', '%', '`', '*', ' ', '\t', '\0', '\n', '#',
    '?', '[', ']', '\\', 'é', 'ı', '\u{ff0e}', '\u{200b}', ',', ';', '"',
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), proptest::sample::select(INTERESTING)).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Upper),
        "[a-z0-9.:/@%_`*-]{1,12}".prop_map(Mutation::Append),
        "[a-z0-9.:/@%_`*-]{1,12}".prop_map(Mutation::Prefix),
        proptest::sample::select(vec![
            "http", "https", "HTTPS", "ws", "wss", "", "https:", "ftp", "file", "httpss"
        ])
        .prop_map(Mutation::Scheme),
        prop_oneof![
            any::<u16>().prop_map(|p| p.to_string()),
            Just("80".to_string()),
            Just("443".to_string()),
            Just("3000".to_string()),
            Just("03000".to_string()),
            Just("".to_string()),
            Just("*".to_string()),
            Just("65536".to_string()),
            "[0-9]{1,7}",
        ]
        .prop_map(Mutation::Port),
        proptest::sample::select(vec![
            ".evil.net",
            "_.evil.net",
            "%60.evil.net",
            "`.evil.net",
            ".",
            "/",
            "/.evil.net",
            "@evil.net",
            ":443",
            ":80",
            "#.example.com",
            "?.example.com",
            "\\.evil.net",
            "%2eevil.net",
        ])
        .prop_map(Mutation::Bypass),
    ]
}

fn apply(base: &str, mutations: &[Mutation]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for m in mutations {
        match m {
            Mutation::Insert(i, c) => {
                let at = i.index(s.len() + 1);
                s.insert(at, *c);
            }
            Mutation::Delete(i) if !s.is_empty() => {
                let at = i.index(s.len());
                s.remove(at);
            }
            Mutation::Delete(_) => {}
            Mutation::Upper(i) if !s.is_empty() => {
                let at = i.index(s.len());
                s[at] = s[at].to_ascii_uppercase();
            }
            Mutation::Upper(_) => {}
            Mutation::Append(t) => s.extend(t.chars()),
            Mutation::Bypass(t) => s.extend(t.chars()),
            Mutation::Prefix(t) => {
                let mut new: Vec<char> = t.chars().collect();
                new.extend(s.iter());
                s = new;
            }
            Mutation::Scheme(scheme) => {
                let text: String = s.iter().collect();
                let rest = text.split_once("://").map_or(text.as_str(), |(_, r)| r);
                s = format!("{scheme}://{rest}").chars().collect();
            }
            Mutation::Port(port) => {
                let text: String = s.iter().collect();
                // Replace an existing port (after the authority's last ':'), or add one.
                let (head, authority) = text.split_once("://").unwrap_or(("", &text));
                let host = match authority.rfind(':') {
                    Some(i) if !authority[..i].is_empty() => &authority[..i],
                    _ => authority,
                };
                s = format!("{head}://{host}:{port}").chars().collect();
            }
        }
    }
    s.into_iter().collect()
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,8}",
        "[a-z0-9_-]{1,8}",
        Just("example".to_string()),
        Just("com".to_string()),
        Just("www".to_string()),
    ]
}

/// A genuine subdomain host prefix: 1 to 3 labels.
fn subdomain() -> impl Strategy<Value = String> {
    proptest::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

/// Origins around `bases` and around genuine subdomains of `suffix`, with 0 to 3 mutations.
fn hostile(
    bases: Vec<&'static str>,
    scheme: &'static str,
    suffix: &'static str,
) -> impl Strategy<Value = String> {
    let base = prop_oneof![
        3 => proptest::sample::select(bases).prop_map(String::from),
        2 => subdomain().prop_map(move |sub| format!("{scheme}://{sub}.{suffix}")),
        1 => Just(format!("{scheme}://{suffix}")),
    ];
    (base, proptest::collection::vec(mutation(), 0..4)).prop_map(|(base, mutations)| apply(&base, &mutations))
}

fn granted(policy: &Policy, origin: &str) -> bool {
    let by_lookup = policy.allows_origin(origin.as_bytes());
    let req = common::actual(origin);
    let decision = policy.decide(&req);
    assert_eq!(decision.is_allowed(), by_lookup, "decide and allows_origin disagree on {origin:?}");
    by_lookup
}

const EXACT: [&str; 4] = [
    "https://app.example.com",
    "http://localhost:3000",
    "https://api.example.co.uk:8443",
    "http://[::1]:8080",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn exact_origin_policy_grants_only_exact_matches(candidate in hostile(EXACT.to_vec(), "https", "example.com")) {
        let policy = Policy::builder().allow_origins(EXACT).build().unwrap();
        prop_assert_eq!(granted(&policy, &candidate), EXACT.contains(&candidate.as_str()), "{:?}", candidate);
    }

    #[test]
    fn subdomain_pattern_grants_only_genuine_subdomains(
        candidate in hostile(vec!["https://example.com", "https://a.example.com", "https://example.net"], "https", "example.com"),
    ) {
        let policy = Policy::builder().allow_origins(["https://*.example.com", "https://example.net"]).build().unwrap();
        let expected = oracle_subdomain(&candidate, "https", "example.com") || candidate == "https://example.net";
        prop_assert_eq!(granted(&policy, &candidate), expected, "{:?}", candidate);
    }

    #[test]
    fn subdomain_pattern_with_credentials_on_a_deeper_suffix(
        candidate in hostile(vec!["https://app.example.co.uk", "https://example.co.uk"], "https", "app.example.co.uk"),
    ) {
        let policy = Policy::builder()
            .allow_origin("https://*.app.example.co.uk")
            .allow_credentials(true)
            .build()
            .unwrap();
        let expected = oracle_subdomain(&candidate, "https", "app.example.co.uk");
        prop_assert_eq!(granted(&policy, &candidate), expected, "{:?}", candidate);
    }

    #[test]
    fn port_pattern_grants_only_localhost_ports(
        candidate in hostile(vec!["http://localhost", "http://localhost:3000", "https://localhost:3000"], "http", "localhost"),
    ) {
        let policy = Policy::builder().allow_origin("http://localhost:*").allow_credentials(true).build().unwrap();
        prop_assert_eq!(granted(&policy, &candidate), oracle_localhost_any_port(&candidate), "{:?}", candidate);
    }
}

// ---------------------------------------------------------------------------------------------
// decide on arbitrary request bytes

fn policies() -> Vec<Policy> {
    vec![
        Policy::builder()
            .allow_origins(["https://app.example", "https://*.app.example", "http://localhost:*"])
            .allow_methods(["PUT", "patch"])
            .allow_headers(["content-type", "x-api-key"])
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
            .expose_any_header()
            .build()
            .unwrap(),
        Policy::builder()
            .allow_origin_fn(|o| o.host().ends_with(".partner.example"))
            .allow_null_origin(true)
            .allow_headers(["*", "authorization"])
            .build()
            .unwrap(),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        "[ -~]{0,40}".prop_map(String::into_bytes),
        proptest::sample::select(vec![
            "https://app.example",
            "https://a.app.example",
            "http://localhost:3000",
            "https://x.partner.example",
            "null",
            "https://evil.example",
            "GET",
            "PUT",
            "patch",
            "content-type, x-api-key",
            "authorization",
            "*",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn field() -> impl Strategy<Value = Option<Option<Vec<u8>>>> {
    // None: absent; Some(None): several lines; Some(Some(v)): one line.
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(None)),
        6 => bytes().prop_map(|b| Some(Some(b))),
    ]
}

fn as_field(f: &Option<Option<Vec<u8>>>) -> Field<'_> {
    match f {
        None => Field::Absent,
        Some(None) => Field::Several,
        Some(Some(v)) => Field::One(v),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decide_never_panics_and_never_over_grants(
        which in 0usize..3,
        method in prop_oneof![Just(b"OPTIONS".to_vec()), Just(b"GET".to_vec()), bytes()],
        origin in field(),
        request_method in field(),
        header_lines in proptest::collection::vec(bytes(), 0..4),
        private_network in any::<bool>(),
    ) {
        let policy = &policies()[which];
        let lines: Vec<&[u8]> = header_lines.iter().map(Vec::as_slice).collect();
        let req = request(&method, as_field(&origin), as_field(&request_method), &lines, private_network);
        let decision = policy.decide(&req);
        // The reason, if any, can always be shown.
        let _ = decision.reason().map(|r| r.to_string());

        let written: Vec<(CorsHeader, Vec<u8>)> =
            decision.headers().map(|(h, v)| (h, v.as_bytes().to_vec())).collect();
        let acao: Vec<&Vec<u8>> =
            written.iter().filter(|(h, _)| *h == CorsHeader::AllowOrigin).map(|(_, v)| v).collect();
        prop_assert!(acao.len() <= 1);
        // A preflight from an allowed origin refused for its method or a header is answered so
        // the browser names the culprit; no other refusal writes a header.
        let culprit = match decision.refusal() {
            Some(Refusal::MethodNotAllowed(m)) => Some((CorsHeader::AllowMethods, m)),
            Some(Refusal::HeaderNotAllowed(h)) => Some((CorsHeader::AllowHeaders, h)),
            _ => None,
        };
        prop_assert_eq!(written.is_empty(), !decision.is_allowed() && culprit.is_none());
        if let Some((header, refused)) = culprit {
            // Never the refused item, never a max age.
            for (h, v) in &written {
                prop_assert!(*h != CorsHeader::MaxAge && *h != CorsHeader::AllowPrivateNetwork);
                if *h == header {
                    prop_assert!(
                        !v.split(|&b| b == b',').any(|item| item.trim_ascii().eq_ignore_ascii_case(refused)),
                        "{:?} lists the refused {:?}", written, refused
                    );
                }
            }
        }
        if let Some(value) = acao.first() {
            let Field::One(sent) = as_field(&origin) else {
                return Err(TestCaseError::fail("ACAO without exactly one Origin line"));
            };
            prop_assert!(policy.allows_origin(sent));
            if policy.allows_any_origin() {
                prop_assert_eq!(value.as_slice(), b"*");
            } else {
                prop_assert_eq!(value.as_slice(), sent);
            }
        } else {
            prop_assert!(written.is_empty(), "headers without ACAO: {:?}", written);
        }
        let credentials = written.iter().any(|(h, _)| *h == CorsHeader::AllowCredentials);
        prop_assert!(!(credentials && acao.first().is_some_and(|v| v.as_slice() == b"*")));
        // No header value ever carries a line break (header injection).
        for (_, v) in &written {
            prop_assert!(!v.contains(&b'\n') && !v.contains(&b'\r'), "{:?}", written);
        }
        // `*` is never an item of the methods or headers written, with or without credentials:
        // echoed, a browser would read it as a wildcard.
        for (h, v) in &written {
            if matches!(h, CorsHeader::AllowMethods | CorsHeader::AllowHeaders) {
                prop_assert!(v.split(|&b| b == b',').all(|item| item.trim_ascii() != b"*"), "{:?}", written);
            }
        }
    }
}

#[test]
fn oracles_agree_with_the_spec_examples() {
    assert!(oracle_subdomain("https://a.example.com", "https", "example.com"));
    assert!(oracle_subdomain("https://a.b.example.com", "https", "example.com"));
    assert!(!oracle_subdomain("https://example.com", "https", "example.com"));
    assert!(!oracle_subdomain("https://evilexample.com", "https", "example.com"));
    assert!(!oracle_subdomain("https://example.com.evil.net", "https", "example.com"));
    assert!(!oracle_subdomain("https://a.example.com:8443", "https", "example.com"));
    assert!(!oracle_subdomain("http://a.example.com", "https", "example.com"));
    assert!(oracle_localhost_any_port("http://localhost"));
    assert!(oracle_localhost_any_port("http://localhost:3000"));
    assert!(!oracle_localhost_any_port("http://localhost:80"));
    assert!(!oracle_localhost_any_port("https://localhost:3000"));
    assert!(!oracle_localhost_any_port("http://localhost.evil.net:3000"));
    assert_eq!(apply("https://a.com", &[Mutation::Port("1".into())]), "https://a.com:1");
    assert_eq!(apply("https://a.com:2", &[Mutation::Port("1".into())]), "https://a.com:1");
    assert_eq!(apply("https://a.com", &[Mutation::Scheme("wss")]), "wss://a.com");
}

/// The generators reach both sides of each oracle, so the properties above are not vacuous.
#[test]
fn generators_produce_granted_and_refused_origins() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn sample(strategy: impl Strategy<Value = String>, oracle: impl Fn(&str) -> bool) -> (usize, usize) {
        let mut runner = TestRunner::deterministic();
        let mut yes = 0;
        for _ in 0..2000 {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            yes += usize::from(oracle(&value));
        }
        (yes, 2000 - yes)
    }
    let (yes, no) = sample(hostile(EXACT.to_vec(), "https", "example.com"), |c| EXACT.contains(&c));
    assert!(yes > 100 && no > 1000, "exact: {yes} granted, {no} refused");
    let (yes, no) = sample(hostile(vec!["https://example.com"], "https", "example.com"), |c| {
        oracle_subdomain(c, "https", "example.com")
    });
    assert!(yes > 100 && no > 1000, "subdomain: {yes} granted, {no} refused");
    let (yes, no) =
        sample(hostile(vec!["http://localhost:3000"], "http", "localhost"), oracle_localhost_any_port);
    assert!(yes > 100 && no > 1000, "port: {yes} granted, {no} refused");
}
