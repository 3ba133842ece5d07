//! Origin matching: exact origins, subdomain and port patterns, `null`, and request origins in
//! shapes a browser never sends.

mod common;

use common::{actual, build, headers};
use cors_core::{Origin, OriginSpec, Policy};

fn policy(origins: &[&str]) -> Policy {
    build(Policy::builder().allow_origins(origins.iter().copied()))
}

#[track_caller]
fn assert_allowed(policy: &Policy, origins: &[&str]) {
    for origin in origins {
        assert!(policy.allows_origin(origin.as_bytes()), "{origin} should be allowed by {policy}");
        // The decision agrees and echoes the origin.
        let request = actual(origin);
        let decision = policy.decide(&request);
        assert!(decision.is_allowed(), "{origin}");
        assert_eq!(headers(&decision)[0], ("access-control-allow-origin", origin.to_string()));
    }
}

#[track_caller]
fn assert_refused(policy: &Policy, origins: &[&str]) {
    for origin in origins {
        assert!(!policy.allows_origin(origin.as_bytes()), "{origin} should be refused by {policy}");
        let request = actual(origin);
        let decision = policy.decide(&request);
        assert!(!decision.is_allowed(), "{origin}");
        assert_eq!(headers(&decision), []);
    }
}

#[test]
fn exact_origins_match_byte_for_byte() {
    let p = policy(&["https://myapp.com", "https://admin.myapp.com:8443", "http://localhost:3000"]);
    assert_allowed(&p, &["https://myapp.com", "https://admin.myapp.com:8443", "http://localhost:3000"]);
    assert_refused(
        &p,
        &[
            "http://myapp.com",
            "https://myapp.co",
            "https://myapp.com:8443",
            "https://admin.myapp.com",
            "https://a.myapp.com",
            "https://myapp.com.evil.net",
            "https://evilmyapp.com",
            "http://localhost",
            "http://localhost:3001",
            "https://localhost:3000",
            "",
            "*",
        ],
    );
}

#[test]
fn request_origins_in_shapes_browsers_never_send_are_not_granted() {
    let p = policy(&["https://myapp.com", "https://*.example.com", "http://localhost:*"]);
    assert_refused(
        &p,
        &[
            // Upper case.
            "https://MYAPP.com",
            "HTTPS://myapp.com",
            "https://A.example.com",
            "HTTP://localhost:3000",
            "http://LOCALHOST:3000",
            // Trailing dot.
            "https://myapp.com.",
            "https://a.example.com.",
            "http://localhost.:3000",
            // Userinfo.
            "https://user@myapp.com",
            "https://user:pw@a.example.com",
            "http://user@localhost:3000",
            // Default port spelled out.
            "https://myapp.com:443",
            "https://a.example.com:443",
            "http://localhost:80",
            // Paths, slashes, spaces, leading zeros.
            "https://myapp.com/",
            "https://a.example.com/",
            "http://localhost:3000/",
            " https://myapp.com",
            "https://myapp.com ",
            "https://a.example.com:08443",
            "http://localhost:03000",
            "http://localhost:",
            "http://localhost:65536",
            "http://localhost:0",
        ],
    );
}

#[test]
fn subdomain_pattern_accepts_one_or_more_labels_never_the_apex() {
    let p = policy(&["https://*.example.com"]);
    assert_allowed(&p, &["https://a.example.com", "https://a.b.example.com", "https://x-1.y_2.example.com"]);
    assert_refused(
        &p,
        &[
            "https://example.com",
            "https://.example.com",
            "https://example.com.evil.net",
            "https://evilexample.com",
            "https://a.evilexample.com",
            "https://example.com_.evil.net",
            "https://example.com%60.evil.net",
            "https://a.example.com%60.evil.net",
            "https://a.example.com\u{0}.evil.net",
            "https://a.example.com.",
            "https://a..example.com",
            "http://a.example.com",
            "wss://a.example.com",
            "https://a.example.com:8443",
            "https://a.example.co",
            "https://a.example.comm",
            "https://aexample.com",
            "null",
        ],
    );
}

#[test]
fn subdomain_pattern_with_a_port() {
    let p = policy(&["https://*.example.com:8443"]);
    assert_allowed(&p, &["https://a.example.com:8443"]);
    assert_refused(&p, &["https://a.example.com", "https://a.example.com:8444", "https://example.com:8443"]);
}

#[test]
fn any_port_pattern_on_localhost() {
    let p = policy(&["http://localhost:*"]);
    assert_allowed(
        &p,
        &["http://localhost", "http://localhost:3000", "http://localhost:1", "http://localhost:65535"],
    );
    assert_refused(
        &p,
        &[
            "https://localhost:3000",
            "http://localhost.evil.net:3000",
            "http://evil.localhost:3000",
            "http://localhost.:3000",
            "http://127.0.0.1:3000",
            "http://localhostx:3000",
            "http://xlocalhost:3000",
        ],
    );
}

#[test]
fn subdomains_of_localhost_with_any_port() {
    let p = policy(&["http://*.localhost:*"]);
    assert_allowed(&p, &["http://app.localhost", "http://a.b.localhost:7401"]);
    assert_refused(
        &p,
        &["http://localhost:3000", "https://app.localhost:3000", "http://app.localhost.evil.net"],
    );
}

#[test]
fn several_patterns_on_the_same_host_keep_their_own_scheme_and_port() {
    let p = policy(&["https://*.example.com", "http://*.example.com:8080", "https://api.example.net:*"]);
    assert_allowed(
        &p,
        &[
            "https://a.example.com",
            "http://a.example.com:8080",
            "https://api.example.net",
            "https://api.example.net:1",
        ],
    );
    assert_refused(
        &p,
        &[
            "http://a.example.com",
            "https://a.example.com:8080",
            "http://api.example.net",
            "https://x.api.example.net",
        ],
    );
}

#[test]
fn ip_origins() {
    let p = policy(&["http://127.0.0.1:8080", "http://[::1]:8080", "https://[2001:db8::1]"]);
    assert_allowed(&p, &["http://127.0.0.1:8080", "http://[::1]:8080", "https://[2001:db8::1]"]);
    assert_refused(
        &p,
        &[
            "http://127.0.0.1",
            "http://127.0.0.01:8080",
            "http://[0:0::1]:8080",
            "http://[::1]",
            "https://[2001:DB8::1]",
        ],
    );
}

#[test]
fn exact_origins_scale_to_a_hundred_thousand_entries() {
    let origins: Vec<String> = (0..100_000).map(|i| format!("https://app{i}.example.com")).collect();
    let p = build(Policy::builder().allow_origins(origins.iter().cloned()));
    for i in [0, 1, 49_999, 99_999] {
        assert!(p.allows_origin(format!("https://app{i}.example.com").as_bytes()), "{i}");
    }
    assert!(!p.allows_origin(b"https://app100000.example.com"));
    assert!(!p.allows_origin(b"https://app1.example.com.evil.net"));
    assert!(!p.allows_origin(b"https://example.com"));
    // The refusal reason stays short however many origins there are.
    let request = actual("https://evil.example");
    let decision = p.decide(&request);
    assert_eq!(
        decision.reason().unwrap().to_string(),
        "origin \"https://evil.example\" is not allowed (allowed: https://app0.example.com, \
         https://app1.example.com and 99998 more)"
    );
}

#[test]
fn null_only_with_allow_null_origin() {
    assert_refused(&policy(&["https://a.example"]), &["null"]);
    let with_null = build(Policy::builder().allow_origins(["https://a.example"]).allow_null_origin(true));
    assert_allowed(&with_null, &["null", "https://a.example"]);
    assert_refused(&with_null, &["Null", "NULL", "null ", "nul"]);
    // The opt-in alone allows `null`, and only `null`.
    let only_null = build(Policy::builder().allow_null_origin(true));
    assert!(only_null.warnings().is_empty());
    assert_allowed(&only_null, &["null"]);
    assert_refused(&only_null, &["https://a.example"]);
}

#[test]
fn predicates_never_see_null_unless_allowed_and_see_only_browser_shaped_origins() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let p = build(Policy::builder().allow_origin_fn(move |o| {
        log.lock().unwrap().push(o.as_str().to_string());
        o.host() == "partner.example"
    }));
    assert_allowed(&p, &["https://partner.example", "http://partner.example:81"]);
    assert_refused(
        &p,
        &["null", "https://PARTNER.example", "https://partner.example/", "https://partner.example:443"],
    );
    // Each origin is seen twice: once by `allows_origin`, once by `decide`.
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "https://partner.example",
            "https://partner.example",
            "http://partner.example:81",
            "http://partner.example:81"
        ]
    );
}

#[test]
fn origin_parse_gives_the_parts() {
    let o = Origin::parse(b"https://app.example.com:8443").unwrap();
    assert_eq!(
        (o.scheme(), o.host(), o.port(), o.as_str()),
        ("https", "app.example.com", Some(8443), "https://app.example.com:8443")
    );
    assert!(!o.is_null());
    assert!(!o.is_loopback());
    assert_eq!(o.to_string(), "https://app.example.com:8443");

    assert_eq!(Origin::parse(b"http://[2001:db8::abcd]").unwrap().host(), "[2001:db8::abcd]");
    assert_eq!(Origin::parse(b"http://10.0.0.255:81").unwrap().host(), "10.0.0.255");
    assert_eq!(Origin::parse(b"http://1a.example").unwrap().host(), "1a.example");
    let v6 = Origin::parse(b"http://[::1]:3000").unwrap();
    assert_eq!((v6.host(), v6.port()), ("[::1]", Some(3000)));
    assert!(v6.is_loopback());
    for loopback in ["http://localhost", "http://a.localhost:1", "http://127.0.0.1", "http://127.255.0.9:2"] {
        assert!(Origin::parse(loopback.as_bytes()).unwrap().is_loopback(), "{loopback}");
    }
    assert!(!Origin::parse(b"http://128.0.0.1").unwrap().is_loopback());
    assert!(!Origin::parse(b"http://localhost.evil.net").unwrap().is_loopback());

    let null = Origin::parse(b"null").unwrap();
    assert!(null.is_null());
    assert_eq!((null.scheme(), null.host(), null.port(), null.as_str()), ("", "", None, "null"));

    for bad in [
        &b"https://A.com"[..],
        b"HTTPS://a.com",
        b"https://a.com:443",
        b"http://a.com:80",
        b"https://a.com/",
        b"https://u@a.com",
        b"https://a.com..",
        b"https://.",
        b"https://a.com:",
        b"https://a.com:0",
        b"https://a.com:01",
        b"a.com",
        b"://a.com",
        b"https://",
        b"https://\xffa.com",
        b"https://[::1",
        b"Null",
        // Hosts a browser's URL parser would never produce.
        b"http://[]",
        b"http://[fff]",
        b"http://[::g]",
        b"http://[::ABCD]",
        // IPv6 forms the URL Standard's serialiser never writes (found by fuzz/origin_parse).
        b"http://[::0]",
        b"http://[0::1]",
        b"http://[::0001]",
        b"http://[::ffff:127.0.0.1]",
        b"http://[1::1:0:0:0:0]:8080",
        b"http://127.1",
        b"http://127.0.0.01",
        b"http://1.2.3.4.5",
        b"http://a.1",
        b"http://256.0.0.1",
        // Found by fuzz/origin_parse: hosts IDNA refuses, and a hex last label (an IPv4 address
        // to a browser, which sends it dotted-decimal).
        b"http://xn--f",
        b"http://xn--a-0hc.example",
        b"http://xn--4db.1a",
        b"http://a.0x1f",
        b"http://0x7f.0.0.1",
    ] {
        assert_eq!(Origin::parse(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    let long_host = format!("https://{}.com", "a".repeat(250));
    assert_eq!(Origin::parse(long_host.as_bytes()), None);
}

/// Found by `fuzz/origin_parse`: the server wrote IPv6 addresses with Rust's `Display`, which
/// puts an IPv4-mapped address in dotted form (`::ffff:127.0.0.1`); browsers write the URL
/// Standard's form (`::ffff:7f00:1`). The form a browser sends was refused, with a fix naming a
/// form no browser sends, and a request `Origin` in a form no browser sends was parsed.
#[test]
fn ipv6_hosts_are_the_url_standards_form() {
    // What a page at http://[::ffff:127.0.0.1]:8080/ sends, as the client computes it.
    let page = cors_core::client::Url::parse("http://[::ffff:127.0.0.1]:8080/").unwrap();
    assert_eq!(page.origin(), "http://[::ffff:7f00:1]:8080");
    let sent = page.origin();
    assert_eq!(Origin::parse(sent.as_bytes()).unwrap().host(), "[::ffff:7f00:1]");
    assert_eq!(OriginSpec::parse(&sent).unwrap().to_string(), sent);
    let p = policy(&[&sent]);
    assert_allowed(&p, &[&sent]);
    assert_refused(&p, &["http://[::ffff:127.0.0.1]:8080"]);
    let error = OriginSpec::parse("http://[::ffff:127.0.0.1]:8080").unwrap_err();
    assert_eq!(
        error.message(),
        "origin \"http://[::ffff:127.0.0.1]:8080\" writes the IPv6 address in a form browsers do not send; \
         browsers send \"http://[::ffff:7f00:1]:8080\""
    );
    // The first longest run of zero pieces is the one compressed, and a single zero piece never.
    for (written, browsers) in [
        ("https://[1:0:0:1:0:0:0:1]", "https://[1:0:0:1::1]"),
        ("https://[1:0:0:2:0:0:3:4]", "https://[1::2:0:0:3:4]"),
        ("https://[1::2:3:4:5:6:7]", "https://[1:0:2:3:4:5:6:7]"),
        ("https://[0:0:0:0:0:0:0:0]", "https://[::]"),
    ] {
        let message = OriginSpec::parse(written).unwrap_err().message().to_string();
        assert!(message.ends_with(&format!("browsers send \"{browsers}\"")), "{written}: {message}");
        assert_eq!(OriginSpec::parse(browsers).unwrap().to_string(), browsers);
        assert!(Origin::parse(browsers.as_bytes()).is_some(), "{browsers}");
        let url = cors_core::client::Url::parse(&format!("{written}/")).unwrap();
        assert_eq!(url.origin(), browsers, "the client agrees");
    }
}

#[test]
fn origin_spec_parse_and_display() {
    assert_eq!(OriginSpec::parse("null").unwrap(), OriginSpec::Null);
    for written in [
        "https://myapp.com",
        "https://*.myapp.com",
        "http://localhost:*",
        "http://*.localhost:*",
        "http://[::1]:8080",
    ] {
        assert_eq!(OriginSpec::parse(written).unwrap().to_string(), written);
    }
    assert!(OriginSpec::parse("http://*.localhost:*").unwrap().is_loopback());
    assert!(OriginSpec::parse("http://127.0.0.1:1").unwrap().is_loopback());
    assert!(!OriginSpec::parse("https://*.example.com").unwrap().is_loopback());
    assert!(!OriginSpec::Null.is_loopback());
    assert_eq!(OriginSpec::Null.scheme(), None);
}
