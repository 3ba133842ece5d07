//! SPEC section 2: every configuration mistake is rejected when the policy is built, with its
//! kind, the setting(s) it is about (in the builder's words), the value, and the fix.

mod common;

use common::build;
use cors_core::{ConfigError, ConfigErrors, ErrorKind, Naming, Policy, PolicyBuilder, PolicyConfig, Setting};

/// The errors of a builder that must fail.
fn errors(builder: PolicyBuilder) -> ConfigErrors {
    match builder.build() {
        Ok(policy) => panic!("expected configuration errors, got a policy: {policy}"),
        Err(errors) => errors,
    }
}

/// The single error of a builder that must fail with exactly one.
fn single(builder: PolicyBuilder) -> ConfigError {
    let errors = errors(builder);
    assert_eq!(errors.errors().len(), 1, "expected exactly one error, got: {errors}");
    errors.errors()[0].clone()
}

/// The single error of one origin entry (no other setting).
fn origin_error(origin: &str) -> ConfigError {
    single(Policy::builder().allow_origin(origin))
}

/// Asserts the kind, the item index and the full `Display` of a one-origin error.
fn assert_origin_error(origin: &str, kind: ErrorKind, display: &str) {
    let error = origin_error(origin);
    assert_eq!(error.kind(), kind, "{error}");
    assert_eq!(error.settings(), [Setting::AllowedOrigins]);
    assert_eq!(error.item(), Some(0));
    assert_eq!(error.to_string(), display);
}

// ---------------------------------------------------------------------------------------------
// Any origin

#[test]
fn any_origin_with_credentials_names_both_builder_methods() {
    let error = single(Policy::builder().allow_any_origin().allow_credentials(true));
    assert_eq!(error.kind(), ErrorKind::AnyOriginWithCredentials);
    assert_eq!(error.settings(), [Setting::AllowedOrigins, Setting::AllowCredentials]);
    assert_eq!(error.item(), Some(0));
    assert_eq!(
        error.to_string(),
        "`allow_origins` and `allow_credentials`: any origin (\"*\") together with credentials is refused \
         by every browser; list the origins that may send credentials, or turn credentials off"
    );
}

#[test]
fn any_origin_without_credentials_is_accepted() {
    let policy = build(Policy::builder().allow_any_origin());
    assert!(policy.allows_any_origin());
    assert!(!policy.varies_by_origin());
    assert!(policy.warnings().is_empty());
}

#[test]
fn any_origin_beside_explicit_origins_points_at_the_first_other_entry() {
    let error = single(Policy::builder().allow_origins(["*", "https://a.example", "https://b.example"]));
    assert_eq!(error.kind(), ErrorKind::AnyOriginInList);
    assert_eq!(error.item(), Some(1));
    assert_eq!(
        error.to_string(),
        "`allow_origins`: \"*\" allows every origin, so the other entries beside it mean nothing; keep \
         either \"*\" alone or only the origins you trust"
    );
}

#[test]
fn any_origin_with_a_predicate_is_an_error_naming_both() {
    let error = single(Policy::builder().allow_any_origin().allow_origin_fn(|_| true));
    assert_eq!(error.kind(), ErrorKind::AnyOriginInList);
    assert_eq!(error.settings(), [Setting::AllowedOrigins, Setting::OriginPredicate]);
    assert!(error.to_string().starts_with("`allow_origins` and `allow_origin_fn`: "), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Origins a browser can never send

#[test]
fn origin_with_trailing_slash() {
    assert_origin_error(
        "https://myapp.com/",
        ErrorKind::OriginWithPath,
        "`allow_origins`: origin \"https://myapp.com/\" has a trailing slash; browsers send \"https://myapp.com\"",
    );
}

#[test]
fn origin_with_path() {
    assert_origin_error(
        "https://myapp.com/app",
        ErrorKind::OriginWithPath,
        "`allow_origins`: origin \"https://myapp.com/app\" has a path (\"/app\"); browsers send \"https://myapp.com\"",
    );
}

#[test]
fn origin_with_query() {
    assert_origin_error(
        "https://myapp.com?x=1",
        ErrorKind::OriginWithQuery,
        "`allow_origins`: origin \"https://myapp.com?x=1\" has a query or fragment (\"?x=1\"); browsers send \"https://myapp.com\"",
    );
}

#[test]
fn origin_with_fragment() {
    assert_origin_error(
        "https://myapp.com#top",
        ErrorKind::OriginWithQuery,
        "`allow_origins`: origin \"https://myapp.com#top\" has a query or fragment (\"#top\"); browsers send \"https://myapp.com\"",
    );
}

#[test]
fn origin_with_userinfo() {
    assert_origin_error(
        "https://user:pw@myapp.com",
        ErrorKind::OriginWithUserinfo,
        "`allow_origins`: origin \"https://user:pw@myapp.com\" has user information before \"@\"; browsers send \"https://myapp.com\"",
    );
}

#[test]
fn origin_with_default_https_port() {
    assert_origin_error(
        "https://a.com:443",
        ErrorKind::DefaultPort,
        "`allow_origins`: origin \"https://a.com:443\" spells out the default port 443; browsers send \"https://a.com\"",
    );
}

#[test]
fn origin_with_default_http_port() {
    assert_origin_error(
        "http://a.com:80",
        ErrorKind::DefaultPort,
        "`allow_origins`: origin \"http://a.com:80\" spells out the default port 80; browsers send \"http://a.com\"",
    );
}

#[test]
fn origin_with_the_other_schemes_default_port_is_an_ordinary_port() {
    let policy = build(Policy::builder().allow_origins(["https://a.com:80", "http://a.com:443"]));
    assert!(policy.allows_origin(b"https://a.com:80"));
    assert!(policy.allows_origin(b"http://a.com:443"));
}

#[test]
fn origin_with_leading_zero_port_gives_the_port_browsers_send() {
    assert_origin_error(
        "https://a.com:08080",
        ErrorKind::InvalidPort,
        "`allow_origins`: origin \"https://a.com:08080\" writes the port as \"08080\"; browsers send \"https://a.com:8080\"",
    );
}

#[test]
fn origin_with_out_of_range_port() {
    for (origin, port) in
        [("https://a.com:0", "0"), ("https://a.com:65536", "65536"), ("https://a.com:x", "x")]
    {
        let error = origin_error(origin);
        assert_eq!(error.kind(), ErrorKind::InvalidPort, "{error}");
        assert_eq!(
            error.message(),
            format!("origin \"{origin}\" has the port \"{port}\", which is not a number from 1 to 65535")
        );
    }
}

#[test]
fn origin_without_scheme() {
    assert_origin_error(
        "myapp.com",
        ErrorKind::OriginWithoutScheme,
        "`allow_origins`: origin \"myapp.com\" has no scheme; write \"https://myapp.com\" (or \"http://myapp.com\" for a plain-HTTP page)",
    );
}

#[test]
fn origin_with_ftp_scheme() {
    assert_origin_error(
        "ftp://myapp.com",
        ErrorKind::UnsupportedScheme,
        "`allow_origins`: origin \"ftp://myapp.com\" uses the scheme \"ftp\"; browsers only make CORS requests from \
         http and https pages (for file:// or sandboxed pages, allow \"null\" with its own setting)",
    );
}

#[test]
fn misplaced_wildcards_in_the_host() {
    for origin in [
        "https://a.*.com",
        "https://*a.com",
        "https://*",
        "https://a*.example.com",
        "https://*.*.example.com",
    ] {
        assert_origin_error(
            origin,
            ErrorKind::MisplacedWildcard,
            &format!(
                "`allow_origins`: origin \"{origin}\" has \"*\" where browsers never put one; \"*\" may only be the \
                 whole leading label (\"https://*.example.com\") or the port (\"http://localhost:*\")"
            ),
        );
    }
}

#[test]
fn misplaced_wildcard_in_the_port() {
    assert_origin_error(
        "https://a.com:8*",
        ErrorKind::MisplacedWildcard,
        "`allow_origins`: origin \"https://a.com:8*\" has \"*\" inside the port; write \":*\" for any port",
    );
}

#[test]
fn wildcard_in_front_of_an_ip_address() {
    let error = origin_error("https://*.10.0.0.1");
    assert_eq!(error.kind(), ErrorKind::MisplacedWildcard, "{error}");
    assert_eq!(
        error.message(),
        "origin \"https://*.10.0.0.1\" puts \"*.\" in front of an IP address; list the address itself"
    );
}

#[test]
fn wildcard_on_a_public_suffix() {
    for (origin, suffix) in [
        ("https://*.com", "com"),
        ("https://*.co.uk", "co.uk"),
        ("https://*.github.io", "github.io"),
        ("http://*.herokuapp.com", "herokuapp.com"),
    ] {
        let scheme = origin.split(':').next().unwrap();
        assert_origin_error(
            origin,
            ErrorKind::PublicSuffixWildcard,
            &format!(
                "`allow_origins`: origin \"{origin}\" puts \"*.\" on the public suffix \"{suffix}\", which would \
                 allow every site registered under it; list your own domain, e.g. \"{scheme}://*.yourdomain.{suffix}\""
            ),
        );
    }
}

#[test]
fn wildcards_that_are_allowed() {
    let policy = build(Policy::builder().allow_origins([
        "https://*.example.com",
        "https://*.myapp.co.uk",
        "https://*.me.github.io",
        "http://*.localhost:*",
        "http://*.app.localhost:7401",
        "http://localhost:*",
        "http://127.0.0.1:*",
        "http://[::1]:*",
    ]));
    assert!(policy.warnings().is_empty());
    assert!(policy.allows_origin(b"https://a.myapp.co.uk"));
    assert!(policy.allows_origin(b"https://x.me.github.io"));
    assert!(policy.allows_origin(b"http://web.app.localhost:7401"));
    assert!(policy.allows_origin(b"http://127.0.0.1:9000"));
    assert!(policy.allows_origin(b"http://[::1]:9000"));
}

#[test]
fn unicode_host_gives_the_punycode_form() {
    assert_origin_error(
        "https://bücher.example",
        ErrorKind::UnicodeHost,
        "`allow_origins`: origin \"https://bücher.example\" has a Unicode host, which browsers send in its ASCII \
         (punycode) form; browsers send \"https://xn--bcher-kva.example\"",
    );
    // The form the error gives is accepted and matches what a browser sends.
    let policy = build(Policy::builder().allow_origin("https://xn--bcher-kva.example"));
    assert!(policy.allows_origin(b"https://xn--bcher-kva.example"));
}

#[test]
fn upper_case_scheme_and_host_give_the_lower_case_form() {
    assert_origin_error(
        "HTTPS://MyApp.COM",
        ErrorKind::NotLowerCase,
        "`allow_origins`: origin \"HTTPS://MyApp.COM\" has an upper-case scheme and has an upper-case host; \
         browsers send \"https://myapp.com\"",
    );
    assert_origin_error(
        "https://MyApp.com:8443",
        ErrorKind::NotLowerCase,
        "`allow_origins`: origin \"https://MyApp.com:8443\" has an upper-case host; browsers send \"https://myapp.com:8443\"",
    );
    // A pattern is written, not sent: the fix says "write".
    assert_origin_error(
        "https://*.MyApp.com",
        ErrorKind::NotLowerCase,
        "`allow_origins`: origin \"https://*.MyApp.com\" has an upper-case host; write \"https://*.myapp.com\"",
    );
}

#[test]
fn several_fixable_problems_in_one_origin_give_one_combined_fix() {
    let error = origin_error("HTTPS://user@MyApp.com:443/");
    // The first problem found gives the kind; the message lists them all and the whole fix.
    assert_eq!(error.kind(), ErrorKind::OriginWithPath);
    assert_eq!(
        error.message(),
        "origin \"HTTPS://user@MyApp.com:443/\" has a trailing slash and has user information before \"@\" and \
         has an upper-case scheme and spells out the default port 443 and has an upper-case host; browsers send \
         \"https://myapp.com\""
    );
}

#[test]
fn trailing_dot_and_malformed_hosts() {
    assert_eq!(origin_error("https://example.com..").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://a..com").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://a b.com").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://a.com ").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://a%2e.com").kind(), ErrorKind::InvalidHost);
    assert_eq!(origin_error("https://[::1").kind(), ErrorKind::InvalidHost);
    assert_eq!(
        origin_error("http://[0:0::1]:8080").message(),
        "origin \"http://[0:0::1]:8080\" writes the IPv6 address in a form browsers do not send; browsers send \
         \"http://[::1]:8080\""
    );
}

// ---------------------------------------------------------------------------------------------
// null and insecure origins

#[test]
fn null_origin_needs_its_own_setting() {
    let error = single(Policy::builder().allow_origins(["https://a.example", "null"]));
    assert_eq!(error.kind(), ErrorKind::NullOrigin);
    assert_eq!(error.settings(), [Setting::AllowedOrigins, Setting::AllowNullOrigin]);
    assert_eq!(error.item(), Some(1));
    assert_eq!(
        error.to_string(),
        "`allow_origins` and `allow_null_origin`: the \"null\" origin is shared by every sandboxed iframe and \
         file:// page, so any site can send it; remove it, or opt in with `.allow_null_origin(true)` if you \
         really mean it"
    );

    let policy =
        build(Policy::builder().allow_origins(["https://a.example", "null"]).allow_null_origin(true));
    assert!(policy.allows_origin(b"null"));
    assert!(policy.allows_origin(b"https://a.example"));
}

#[test]
fn insecure_origin_with_credentials_needs_the_dangerous_setting() {
    let error = single(
        Policy::builder().allow_origins(["https://a.example", "http://a.example"]).allow_credentials(true),
    );
    assert_eq!(error.kind(), ErrorKind::InsecureOriginWithCredentials);
    assert_eq!(error.settings(), [Setting::AllowedOrigins, Setting::AllowCredentials]);
    assert_eq!(error.item(), Some(1));
    assert_eq!(
        error.to_string(),
        "`allow_origins` and `allow_credentials`: origin \"http://a.example\" is plain http: anyone on the network \
         can impersonate it and receive credentialed responses; use \"https://\", or opt in with \
         `.dangerously_allow_insecure_origins(true)`"
    );
    // A pattern on http is just as insecure.
    assert_eq!(
        single(Policy::builder().allow_origin("http://*.example.com").allow_credentials(true)).kind(),
        ErrorKind::InsecureOriginWithCredentials
    );

    let policy = build(
        Policy::builder()
            .allow_origin("http://a.example")
            .allow_credentials(true)
            .dangerously_allow_insecure_origins(true),
    );
    assert!(policy.allows_origin(b"http://a.example"));
    // Without credentials plain http needs no opt-in.
    build(Policy::builder().allow_origin("http://a.example"));
}

#[test]
fn loopback_http_origins_with_credentials_are_accepted() {
    let policy = build(
        Policy::builder()
            .allow_origins([
                "http://localhost:3000",
                "http://127.0.0.1:8080",
                "http://[::1]:8080",
                "http://127.1.2.3",
                "http://app.localhost",
                "http://localhost:*",
                "http://*.localhost:*",
            ])
            .allow_credentials(true),
    );
    for origin in
        ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:8080", "http://a.b.localhost:1"]
    {
        assert!(policy.allows_origin(origin.as_bytes()), "{origin}");
    }
}

// ---------------------------------------------------------------------------------------------
// Headers

#[test]
fn invalid_header_names() {
    let errors = errors(
        Policy::builder()
            .allow_origin("https://a.example")
            .allow_headers(["x-ok", "x y", "", "x-a,x-b", "x:y"]),
    );
    assert_eq!(errors.kinds(), [ErrorKind::InvalidHeaderName; 4]);
    let items: Vec<_> = errors.errors().iter().map(ConfigError::item).collect();
    assert_eq!(items, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(
        errors.errors()[0].to_string(),
        "`allow_headers`: header name \"x y\" is not a valid HTTP token; use letters, digits and - (e.g. \
         \"x-api-key\"), one name per item"
    );
    let exposed =
        single(Policy::builder().allow_origin("https://a.example").expose_headers(["x-id", "bad header"]));
    assert_eq!(exposed.kind(), ErrorKind::InvalidHeaderName);
    assert_eq!(exposed.settings(), [Setting::ExposedHeaders]);
    assert_eq!(exposed.item(), Some(1));
}

#[test]
fn forbidden_request_headers_in_the_allowed_list() {
    let names =
        ["Cookie", "Host", "Origin", "Sec-Fetch-Mode", "Proxy-Authorization", "content-length", "sec-ch-ua"];
    let errors = errors(
        Policy::builder()
            .allow_origin("https://a.example")
            .allow_headers(["content-type"])
            .allow_headers(names),
    );
    assert_eq!(errors.kinds(), [ErrorKind::ForbiddenRequestHeader; 7]);
    for (i, (error, name)) in errors.errors().iter().zip(names).enumerate() {
        assert_eq!(error.item(), Some(i + 1));
        assert_eq!(
            error.to_string(),
            format!(
                "`allow_headers`: \"{name}\" is a forbidden request header: browsers never let a script send it, so \
                 allowing it has no effect; remove it"
            )
        );
    }
}

#[test]
fn forbidden_names_may_be_exposed_response_headers_but_set_cookie_may_not() {
    let error = single(
        Policy::builder().allow_origin("https://a.example").expose_headers(["x-request-id", "Set-Cookie"]),
    );
    assert_eq!(error.kind(), ErrorKind::ExposedSetCookie);
    assert_eq!(error.item(), Some(1));
    assert_eq!(
        error.to_string(),
        "`expose_headers`: \"Set-Cookie\" can never be exposed: browsers hide it from scripts whatever the server \
         says; remove it"
    );
    // "Date" is a forbidden *request* header, a fine response header to expose.
    build(Policy::builder().allow_origin("https://a.example").expose_headers(["date"]));
}

#[test]
fn expose_any_with_credentials() {
    let error = single(
        Policy::builder()
            .allow_origin("https://a.example")
            .expose_headers(["x-id", "*"])
            .allow_credentials(true),
    );
    assert_eq!(error.kind(), ErrorKind::ExposeAnyWithCredentials);
    assert_eq!(error.settings(), [Setting::ExposedHeaders, Setting::AllowCredentials]);
    assert_eq!(error.item(), Some(1));
    assert_eq!(
        error.to_string(),
        "`expose_headers` and `allow_credentials`: \"*\" in the exposed headers means the literal name \"*\" when \
         credentials are on, so nothing would be exposed; list the headers scripts may read"
    );
    build(Policy::builder().allow_origin("https://a.example").expose_any_header());
}

// ---------------------------------------------------------------------------------------------
// Methods

#[test]
fn invalid_method_tokens() {
    let errors =
        errors(Policy::builder().allow_origin("https://a.example").allow_methods(["PUT", "GE T", "", "(X)"]));
    assert_eq!(errors.kinds(), [ErrorKind::InvalidMethod; 3]);
    assert_eq!(errors.errors()[0].item(), Some(1));
    assert_eq!(
        errors.errors()[0].to_string(),
        "`allow_methods`: method \"GE T\" is not a valid HTTP token; write a method name such as \"PATCH\""
    );
}

#[test]
fn connect_trace_and_track_are_forbidden_in_any_case() {
    let errors = errors(
        Policy::builder()
            .allow_origin("https://a.example")
            .allow_methods(["CONNECT", "TRACE", "TRACK", "trace", "Connect"]),
    );
    assert_eq!(errors.kinds(), [ErrorKind::ForbiddenMethod; 5]);
    assert_eq!(
        errors.errors()[3].to_string(),
        "`allow_methods`: method \"trace\" is forbidden by the Fetch standard: browsers refuse to send it; remove it"
    );
    assert_eq!(errors.errors()[4].item(), Some(4));
}

#[test]
fn methods_beside_any_are_still_checked() {
    let errors =
        errors(Policy::builder().allow_origin("https://a.example").allow_methods(["*", "TRACE", "GE T"]));
    assert_eq!(errors.kinds(), [ErrorKind::ForbiddenMethod, ErrorKind::InvalidMethod]);
    assert_eq!(errors.errors()[0].item(), Some(1));
    assert_eq!(errors.errors()[1].item(), Some(2));
    let policy =
        build(Policy::builder().allow_origin("https://a.example").allow_methods(["*", "PUT", "patch"]));
    assert!(policy.to_string().contains("; methods: any;"), "{policy}");
    // Under "*" the requested method is mirrored: no lower-case warning.
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
}

#[test]
fn lower_case_patch_is_kept_as_written_with_a_warning() {
    let policy = build(Policy::builder().allow_origin("https://a.example").allow_methods(["put", "patch"]));
    assert_eq!(policy.warnings().len(), 1);
    let warning = &policy.warnings()[0];
    assert_eq!(warning.kind(), ErrorKind::LowerCaseMethod);
    assert_eq!(warning.item(), Some(1));
    assert_eq!(
        warning.to_string(),
        "`allow_methods`: method \"patch\" is kept as written: browsers send it exactly as the page writes it, so \
         it does not match a request for \"PATCH\"; write \"PATCH\" if that is what your pages send"
    );
    assert_eq!(
        policy.to_string(),
        "origins: https://a.example; methods: GET, HEAD, POST, PUT, patch; request headers: only CORS-safelisted \
         headers; exposed headers: none; credentials: off; max age: unset"
    );
}

#[test]
fn the_six_normalised_methods_are_upper_cased_without_warning() {
    let policy = build(
        Policy::builder()
            .allow_origin("https://a.example")
            .allow_methods(["get", "Delete", "put", "options", "head", "post", "PATCH"]),
    );
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    assert!(
        policy.to_string().contains("; methods: GET, HEAD, POST, DELETE, PUT, OPTIONS, PATCH;"),
        "{policy}"
    );
}

// ---------------------------------------------------------------------------------------------
// Max age and preflight status

#[test]
fn negative_max_age() {
    let config = PolicyConfig {
        allowed_origins: vec!["https://a.example".into()],
        max_age: Some(-1),
        ..PolicyConfig::default()
    };
    let errors = config.build().unwrap_err();
    assert_eq!(errors.kinds(), [ErrorKind::InvalidMaxAge]);
    assert_eq!(
        errors.errors()[0].to_string(),
        "`max_age`: -1 is negative; write a number of seconds from 0 to 86400, or leave it unset"
    );
}

#[test]
fn max_age_over_a_day() {
    let error = single(Policy::builder().allow_origin("https://a.example").max_age(86_401));
    assert_eq!(error.kind(), ErrorKind::MaxAgeTooLarge);
    assert_eq!(error.settings(), [Setting::MaxAge]);
    assert_eq!(
        error.to_string(),
        "`max_age`: 86401 seconds is more than any browser honours (86400; Chromium caps at 7200 and WebKit at \
         600); write at most 86400"
    );
    build(Policy::builder().allow_origin("https://a.example").max_age(86_400));
    build(Policy::builder().allow_origin("https://a.example").max_age(0));
}

#[test]
fn non_numeric_max_age_text() {
    let error = cors_core::parse_max_age("ten").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidMaxAge);
    assert_eq!(
        error.to_string(),
        "`max_age`: \"ten\" is not a number of seconds; write a whole number from 0 to 86400, e.g. 600"
    );
    assert_eq!(cors_core::parse_max_age(" 600 "), Ok(600));
    assert_eq!(cors_core::parse_max_age("-5"), Ok(-5));
}

#[test]
fn preflight_status_other_than_200_or_204() {
    let error = single(Policy::builder().allow_origin("https://a.example").preflight_status(201));
    assert_eq!(error.kind(), ErrorKind::InvalidPreflightStatus);
    assert_eq!(
        error.to_string(),
        "`preflight_status`: \"201\" is not a preflight status this library sends; write 204 (the default) or \
         200 (for old clients)"
    );
    assert_eq!(build(Policy::builder().allow_origin("https://a.example")).preflight_status(), 204);
    assert_eq!(
        build(Policy::builder().allow_origin("https://a.example").preflight_status(200)).preflight_status(),
        200
    );
}

// ---------------------------------------------------------------------------------------------
// Predicates

#[test]
fn predicate_accepting_everything_with_credentials_is_rejected() {
    let error = single(Policy::builder().allow_origin_fn(|_| true).allow_credentials(true));
    assert_eq!(error.kind(), ErrorKind::PermissivePredicate);
    assert_eq!(error.settings(), [Setting::OriginPredicate, Setting::AllowCredentials]);
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "`allow_origin_fn` and `allow_credentials`: the origin predicate accepted \"https://cors-probe-"
        ),
        "{shown}"
    );
    assert!(
        shown.ends_with(
            ".invalid\", an origin no real deployment allows, so with credentials any site could read your users' \
             responses; make the predicate check the origin against what you trust, or opt in with \
             `dangerously_trust_origin_fn(true)`"
        ),
        "{shown}"
    );
}

#[test]
fn predicates_that_accept_probe_shapes_are_rejected() {
    // Each of these is a real-world mistake: checking only the scheme, only "not null", only a suffix match
    // without the dot, only the port.
    let lax: [fn(&cors_core::Origin<'_>) -> bool; 4] =
        [|o| o.scheme() == "https", |o| !o.is_null(), |o| o.host().contains("."), |o| o.port().is_none()];
    for predicate in lax {
        let error = single(Policy::builder().allow_origin_fn(predicate).allow_credentials(true));
        assert_eq!(error.kind(), ErrorKind::PermissivePredicate);
    }
}

#[test]
fn predicate_accepting_everything_is_allowed_with_the_dangerous_setting_or_without_credentials() {
    let trusted = build(
        Policy::builder().allow_origin_fn(|_| true).allow_credentials(true).dangerously_trust_origin_fn(true),
    );
    assert!(trusted.allows_origin(b"https://anything.example"));
    let no_credentials = build(Policy::builder().allow_origin_fn(|_| true));
    assert!(no_credentials.allows_origin(b"https://anything.example"));
}

#[test]
fn strict_predicate_with_credentials_is_accepted() {
    let policy = build(
        Policy::builder()
            .allow_origin_fn(|o| {
                o.scheme() == "https"
                    && (o.host() == "partner.example" || o.host().ends_with(".partner.example"))
            })
            .allow_credentials(true),
    );
    assert!(policy.warnings().is_empty());
    assert!(policy.allows_origin(b"https://partner.example"));
    assert!(policy.allows_origin(b"https://eu.partner.example"));
    assert!(!policy.allows_origin(b"https://evilpartner.example"));
    assert!(!policy.allows_origin(b"http://partner.example"));
}

// ---------------------------------------------------------------------------------------------
// Everything at once, item indexes, warnings

#[test]
fn five_mistakes_give_five_errors_in_setting_order() {
    let errors = errors(
        Policy::builder()
            .allow_origins(["https://ok.example", "https://myapp.com/", "https://*.com"])
            .allow_methods(["GET", "TRACE"])
            .allow_headers(["Cookie"])
            .max_age(100_000),
    );
    assert_eq!(
        errors.kinds(),
        [
            ErrorKind::OriginWithPath,
            ErrorKind::PublicSuffixWildcard,
            ErrorKind::ForbiddenMethod,
            ErrorKind::ForbiddenRequestHeader,
            ErrorKind::MaxAgeTooLarge,
        ]
    );
    let items: Vec<_> = errors.errors().iter().map(ConfigError::item).collect();
    assert_eq!(items, [Some(1), Some(2), Some(1), Some(0), None]);
    let text = errors.to_string();
    assert!(
        text.starts_with(
            "invalid CORS configuration (5 problems):\n  - `allow_origins`: origin \"https://myapp.com/\""
        ),
        "{text}"
    );
    assert_eq!(text.lines().count(), 6);
    assert_eq!(text.lines().filter(|l| l.starts_with("  - ")).count(), 5);
}

#[test]
fn single_problem_display_is_singular() {
    let errors = errors(Policy::builder().allow_origin("https://myapp.com/"));
    assert_eq!(
        errors.to_string(),
        "invalid CORS configuration (1 problem):\n  - `allow_origins`: origin \"https://myapp.com/\" has a trailing \
         slash; browsers send \"https://myapp.com\""
    );
}

#[test]
fn item_points_at_the_offending_origin() {
    let errors = errors(Policy::builder().allow_origins([
        "https://a.example",
        "https://b.example",
        "b.example",
        "https://c.example",
        "https://c.example:443",
    ]));
    assert_eq!(errors.kinds(), [ErrorKind::OriginWithoutScheme, ErrorKind::DefaultPort]);
    assert_eq!(errors.errors()[0].item(), Some(2));
    assert_eq!(errors.errors()[1].item(), Some(4));
}

#[test]
fn no_origins_is_a_warning_not_an_error() {
    let policy = build(Policy::builder());
    assert_eq!(policy.warnings().len(), 1);
    assert_eq!(policy.warnings()[0].kind(), ErrorKind::NoOrigins);
    assert_eq!(
        policy.warnings()[0].to_string(),
        "`allow_origins`: no origin is allowed, so every cross-origin request is refused; list the origins of your pages"
    );
    assert!(!policy.allows_origin(b"https://a.example"));
    assert_eq!(policy.to_string(), "origins: none; methods: GET, HEAD, POST; request headers: only CORS-safelisted headers; exposed headers: none; credentials: off; max age: unset");
}

#[test]
fn errors_are_spelled_in_each_namings_words() {
    let config = PolicyConfig {
        allowed_origins: vec!["*".into()],
        allow_credentials: true,
        max_age: Some(-3),
        ..PolicyConfig::default()
    };
    let by = |naming: Naming| -> Vec<String> {
        config.build_named(naming).unwrap_err().errors().iter().map(ToString::to_string).collect()
    };
    let combination = "any origin (\"*\") together with credentials is refused by every browser; list the \
                       origins that may send credentials, or turn credentials off";
    let negative = "-3 is negative; write a number of seconds from 0 to 86400, or leave it unset";
    assert_eq!(
        by(Naming::Config),
        [
            format!("`allowed_origins` and `allow_credentials`: {combination}"),
            format!("`max_age`: {negative}")
        ]
    );
    assert_eq!(
        by(Naming::Builder),
        [format!("`allow_origins` and `allow_credentials`: {combination}"), format!("`max_age`: {negative}")]
    );
    assert_eq!(
        by(Naming::Macro),
        [format!("`origins` and `credentials`: {combination}"), format!("`max_age`: {negative}")]
    );
    assert_eq!(
        by(Naming::Env("CORS".into())),
        [
            format!("CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS: {combination}"),
            format!("CORS_MAX_AGE: {negative}")
        ]
    );
    assert_eq!(
        by(Naming::Env("MYAPP_CORS".into())),
        [
            format!("MYAPP_CORS_ALLOWED_ORIGINS and MYAPP_CORS_ALLOW_CREDENTIALS: {combination}"),
            format!("MYAPP_CORS_MAX_AGE: {negative}")
        ]
    );
    // The predicate has no environment variable.
    assert_eq!(Naming::Env("CORS".into()).name(Setting::OriginPredicate), "`allow_origin_fn` (builder only)");
}

#[test]
fn every_setting_has_a_name_in_every_naming() {
    for setting in Setting::ALL {
        assert!(!setting.field_name().is_empty());
        assert!(!setting.builder_method().is_empty());
        assert!(!setting.macro_argument().is_empty());
        let env = setting.env_suffix();
        let builder_only = matches!(
            setting,
            Setting::OriginPredicate | Setting::DangerouslyTrustOriginPredicate | Setting::OriginCheck
        );
        assert_eq!(env.is_none(), builder_only, "{setting:?}");
        if let Some(suffix) = env {
            assert_eq!(suffix, setting.field_name().to_ascii_uppercase(), "{setting:?}");
        }
    }
}

#[test]
fn duplicates_are_accepted_and_kept_once() {
    let policy = build(
        Policy::builder()
            .allow_origins(["https://a.example", "https://a.example"])
            .allow_methods(["PUT", "put", "PUT"])
            .allow_headers(["X-A", "x-a"])
            .expose_headers(["X-Id", "x-id"]),
    );
    assert_eq!(
        policy.to_string(),
        "origins: https://a.example; methods: GET, HEAD, POST, PUT; request headers: x-a; \
         exposed headers: x-id; credentials: off; max age: unset"
    );
}

#[test]
fn policy_display_lists_every_setting_that_is_on() {
    let policy = build(
        Policy::builder()
            .allow_origins(["https://a.example", "https://*.a.example"])
            .allow_origin_fn(|o| o.host() == "b.example")
            .allow_any_method()
            .allow_headers(["*", "Authorization"])
            .expose_headers(["X-Request-Id", "x-trace"])
            .allow_credentials(true)
            .max_age(600)
            .allow_private_network(true)
            .preflight_continue(true)
            .block_disallowed(true)
            .debug(true)
            .preflight_status(200),
    );
    assert_eq!(
        policy.to_string(),
        "origins: https://a.example, https://*.a.example, predicate; methods: any; request headers: any; exposed \
         headers: x-request-id, x-trace; credentials: on; max age: 600 s; private network access: on; preflight \
         continue: on; block disallowed: on; debug: on; preflight status: 200"
    );
    assert!(policy.allows_credentials());
    assert!(policy.preflight_continue());
    assert!(policy.blocks_disallowed());
    assert!(policy.debug());
    assert!(policy.allows_private_network());
    assert!(policy.varies_by_origin());
    assert_eq!(policy.config().max_age, Some(600));
    assert_eq!(format!("{policy:?}"), format!("Policy({policy})"));
}

#[test]
fn builder_from_config_keeps_the_config() {
    let config = PolicyConfig {
        allowed_origins: vec!["https://a.example".into()],
        allowed_methods: Some(vec!["PUT".into()]),
        ..PolicyConfig::default()
    };
    let policy = build(PolicyBuilder::from_config(config.clone()).allow_credentials(true));
    assert_eq!(policy.config(), &PolicyConfig { allow_credentials: true, ..config });
}

// ---------------------------------------------------------------------------------------------
// Slips found by running other libraries' test tables against this one (issue 12)

#[test]
fn a_host_with_a_trailing_dot_is_an_origin_of_its_own() {
    // A page at https://example.com./ sends exactly that origin: the URL Standard keeps the dot.
    let p =
        Policy::builder().allow_origins(["https://example.com.", "https://*.corp.example."]).build().unwrap();
    assert!(p.allows_origin(b"https://example.com."));
    assert!(!p.allows_origin(b"https://example.com"), "not the same origin");
    assert!(p.allows_origin(b"https://a.corp.example."));
    assert!(!p.allows_origin(b"https://a.corp.example"));
    let without = Policy::builder().allow_origin("https://example.com").build().unwrap();
    assert!(!without.allows_origin(b"https://example.com."));
    // And the parsed origin keeps it.
    let o = cors_core::Origin::parse(b"https://example.com.:8443").unwrap();
    assert_eq!((o.host(), o.port()), ("example.com.", Some(8443)));
    // The public-suffix rule sees through it.
    assert_eq!(origin_error("https://*.com.").kind(), ErrorKind::PublicSuffixWildcard);
}

#[test]
fn an_xn_label_must_be_valid_punycode() {
    let e = origin_error("http://xn--f");
    assert_eq!(e.kind(), ErrorKind::InvalidHost);
    assert_eq!(
        e.message(),
        "origin \"http://xn--f\" has the label \"xn--f\", which is not valid punycode (an \"xn--\" label must decode to a \
         Unicode name), so no browser can send it; write the host as the browser shows it in the address bar, in its ASCII form"
    );
    assert_eq!(origin_error("https://*.xn--f.example").kind(), ErrorKind::InvalidHost);
    // Valid punycode is fine: café.example.
    assert!(Policy::builder().allow_origin("https://xn--caf-dma.example").build().is_ok());
}

/// Found by `fuzz/origin_parse`: each `xn--` label was checked alone, so a name whose labels
/// decode one by one but break IDNA's bidi rule together (a right-to-left label beside one that
/// starts with a digit) was accepted, though no browser's URL parser gives it.
#[test]
fn an_international_name_must_pass_idna_as_a_whole() {
    let e = origin_error("http://xn--4db.1a");
    assert_eq!(e.kind(), ErrorKind::InvalidHost);
    assert_eq!(
        e.message(),
        "origin \"http://xn--4db.1a\" has the host \"xn--4db.1a\", which is not a valid international domain name \
         (its \"xn--\" labels decode to a name IDNA refuses), so no browser can send it; write the host as the browser \
         shows it in the address bar, in its ASCII form"
    );
    // The same labels in an order IDNA accepts: א.a1.
    assert!(Policy::builder().allow_origin("http://xn--4db.a1").build().is_ok());
    // A last label in hex is an IPv4 address to a browser, never a domain name.
    assert_eq!(origin_error("http://a.0x1f").kind(), ErrorKind::InvalidHost);
}

#[test]
fn the_253_byte_host_limit_is_one_limit_for_origins_and_patterns() {
    let host = |len: usize| {
        // Labels of 50 bytes and dots, ending in `.example`, exactly `len` bytes long.
        let mut h = String::from("example");
        while h.len() < len {
            let room = len - h.len() - 1;
            h = format!("{}.{h}", "a".repeat(room.min(50)));
        }
        assert_eq!(h.len(), len);
        h
    };
    assert!(Policy::builder().allow_origin(format!("https://{}", host(253))).build().is_ok());
    let e = origin_error(&format!("https://{}", host(254)));
    assert_eq!(e.kind(), ErrorKind::InvalidHost);
    assert!(e.message().contains("over the 253-byte limit of a DNS name"), "{}", e.message());
    // A pattern needs one more label than its suffix: a 251-byte suffix can still match.
    assert!(Policy::builder().allow_origin(format!("https://*.{}", host(251))).build().is_ok());
    let e = origin_error(&format!("https://*.{}", host(252)));
    assert_eq!(e.kind(), ErrorKind::InvalidHost);
    assert!(e.message().contains("every host it matches is over the 253-byte limit"), "{}", e.message());
    // The same limit on requests, without the trailing dot.
    let p = Policy::builder().allow_origin(format!("https://{}.", host(253))).build().unwrap();
    assert!(p.allows_origin(format!("https://{}.", host(253)).as_bytes()));
}

/// An asynchronous check that allows the tenants' origins.
fn with_check(builder: PolicyBuilder) -> PolicyBuilder {
    builder.allow_origin_async(|o| async move { Ok::<_, String>(o.host().ends_with(".tenants.example")) })
}

#[test]
fn the_origin_checks_settings_are_validated_with_the_rest() {
    use std::time::Duration;
    // Out of bounds, every problem at once.
    let found = errors(
        with_check(Policy::builder())
            .origin_check_timeout(Duration::ZERO)
            .origin_check_cache(10, Duration::from_secs(2 * 86_400))
            .max_age(100_000),
    );
    let kinds: Vec<ErrorKind> = found.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [ErrorKind::MaxAgeTooLarge, ErrorKind::InvalidOriginCheck, ErrorKind::InvalidOriginCheck],
        "{found}"
    );
    let text = found.to_string();
    assert!(text.contains("`allow_origin_async`: the origin check's timeout is 0ns; give it more than zero and at most 60 s with `origin_check_timeout`"), "{text}");
    assert!(text.contains("longer than a day, so a revoked origin would stay allowed that long"), "{text}");

    // Settings for a check that is not there.
    let error = single(
        Policy::builder().allow_origin("https://a.example").origin_check_timeout(Duration::from_secs(1)),
    );
    assert_eq!(error.kind(), ErrorKind::InvalidOriginCheck);
    assert!(
        error.to_string().contains("`origin_check_timeout` is set but there is no origin check"),
        "{error}"
    );
    let errors = errors(
        Policy::builder().allow_origin("https://a.example/").origin_check_cache(1, Duration::from_secs(1)),
    );
    assert_eq!(errors.errors().len(), 2, "reported with the other problems: {errors}");

    // Beside any origin it is pointless.
    let error = single(with_check(Policy::builder().allow_any_origin()));
    assert_eq!(error.settings(), [Setting::AllowedOrigins, Setting::OriginCheck]);
    assert!(error.to_string().contains("makes the origin check pointless"), "{error}");

    // A check alone is a policy that allows something: no "no origin" warning.
    let policy = build(with_check(Policy::builder()));
    assert!(policy.warnings().is_empty(), "{:?}", policy.warnings());
    let check = policy.origin_check().unwrap();
    assert_eq!(
        (check.capacity(), check.ttl(), check.timeout()),
        (10_000, Duration::from_secs(60), Duration::from_secs(2))
    );
    assert!(!check.needs_probe(), "no credentials, no probe");
    assert_eq!(
        policy.to_string().split(';').next().unwrap(),
        "origins: origin check (cache 10000 for 60s, timeout 2s)"
    );
    let probed =
        build(with_check(Policy::builder().allow_origin("https://a.example")).allow_credentials(true));
    assert!(probed.origin_check().unwrap().needs_probe(), "credentials: probed at startup");
    let trusted =
        build(with_check(Policy::builder()).allow_credentials(true).dangerously_trust_origin_fn(true));
    assert!(!trusted.origin_check().unwrap().needs_probe());
}
