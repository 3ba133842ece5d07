//! SPEC section 5: `Policy::from_vars` (the engine behind `Cors::from_env`): every variable, a
//! custom prefix, tolerant lists, typos, invalid values, empty values, and errors that name the
//! variable and the value.

mod common;

use common::{headers, preflight, request};
use cors_core::{ErrorKind, Field, Policy, PolicyConfig, Setting};

fn ok(vars: &[(&str, &str)]) -> Policy {
    match Policy::from_vars("CORS", vars.iter().copied()) {
        Ok(policy) => policy,
        Err(errors) => panic!("expected a valid policy, got: {errors}"),
    }
}

fn err(vars: &[(&str, &str)]) -> Vec<String> {
    match Policy::from_vars("CORS", vars.iter().copied()) {
        Ok(policy) => panic!("expected errors, got {policy}"),
        Err(errors) => errors.errors().iter().map(ToString::to_string).collect(),
    }
}

const KNOWN: &str = "CORS_ALLOWED_ORIGINS, CORS_ALLOWED_METHODS, CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, \
                     CORS_ALLOW_CREDENTIALS, CORS_MAX_AGE, CORS_ALLOW_PRIVATE_NETWORK, CORS_PREFLIGHT_CONTINUE, \
                     CORS_BLOCK_DISALLOWED, CORS_DEBUG, CORS_PREFLIGHT_STATUS, CORS_ALLOW_NULL_ORIGIN, \
                     CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS, CORS_PRESET";

#[test]
fn every_variable_is_read() {
    let policy = ok(&[
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com,https://*.myapp.com,null,http://partner.example"),
        ("CORS_ALLOWED_METHODS", "GET,POST,DELETE"),
        ("CORS_ALLOWED_HEADERS", "content-type,authorization"),
        ("CORS_EXPOSED_HEADERS", "x-request-id"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_MAX_AGE", "600"),
        ("CORS_ALLOW_PRIVATE_NETWORK", "TRUE"),
        ("CORS_PREFLIGHT_CONTINUE", "True"),
        ("CORS_BLOCK_DISALLOWED", "true"),
        ("CORS_DEBUG", "true"),
        ("CORS_PREFLIGHT_STATUS", "200"),
        ("CORS_ALLOW_NULL_ORIGIN", "true"),
        ("CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS", "true"),
        ("PATH", "/usr/bin"),
        ("OTHER_CORS_THING", "x"),
    ]);
    assert_eq!(
        policy.config(),
        &PolicyConfig {
            allowed_origins: vec![
                "https://myapp.com".into(),
                "https://*.myapp.com".into(),
                "null".into(),
                "http://partner.example".into()
            ],
            allowed_methods: Some(vec!["GET".into(), "POST".into(), "DELETE".into()]),
            allowed_headers: vec!["content-type".into(), "authorization".into()],
            exposed_headers: vec!["x-request-id".into()],
            allow_credentials: true,
            max_age: Some(600),
            allow_private_network: true,
            preflight_continue: true,
            preflight_status: Some(200),
            block_disallowed: true,
            debug: true,
            allow_null_origin: true,
            dangerously_allow_insecure_origins: true,
            dangerously_trust_origin_predicate: false,
            preset: None,
        }
    );
    assert!(policy.warnings().is_empty());
    assert!(policy.allows_credentials());
    assert!(policy.allows_private_network());
    assert!(policy.preflight_continue());
    assert!(policy.blocks_disallowed());
    assert!(policy.debug());
    assert_eq!(policy.preflight_status(), 200);
    assert!(policy.allows_origin(b"null"));
    assert!(policy.allows_origin(b"http://partner.example"));
    assert!(policy.allows_origin(b"https://api.myapp.com"));

    let lines: [&[u8]; 1] = [b"authorization"];
    let req = preflight("https://myapp.com", "DELETE", &lines);
    let decision = policy.decide(&req);
    assert_eq!(
        headers(&decision),
        [
            ("access-control-allow-origin", "https://myapp.com".to_string()),
            ("access-control-allow-credentials", "true".to_string()),
            ("access-control-allow-methods", "DELETE".to_string()),
            ("access-control-allow-headers", "authorization".to_string()),
            ("access-control-max-age", "600".to_string()),
        ]
    );
}

#[test]
fn false_values_and_defaults() {
    let policy = ok(&[
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com"),
        ("CORS_ALLOW_CREDENTIALS", "false"),
        ("CORS_ALLOW_PRIVATE_NETWORK", "FALSE"),
        ("CORS_DEBUG", " false "),
    ]);
    assert_eq!(
        policy.config(),
        &PolicyConfig { allowed_origins: vec!["https://myapp.com".into()], ..PolicyConfig::default() }
    );
    assert_eq!(policy.preflight_status(), 204);
}

#[test]
fn star_values() {
    let policy = ok(&[
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_ALLOWED_METHODS", "*"),
        ("CORS_ALLOWED_HEADERS", "*"),
        ("CORS_EXPOSED_HEADERS", "*"),
    ]);
    assert!(policy.allows_any_origin());
    let req = preflight("https://anyone.example", "PROPFIND", &[]);
    assert_eq!(headers(&policy.decide(&req))[0], ("access-control-allow-origin", "*".to_string()));
    assert_eq!(headers(&policy.decide(&req))[1], ("access-control-allow-methods", "PROPFIND".to_string()));
    let req = request(b"GET", Field::One(b"https://anyone.example"), Field::Absent, &[], false);
    assert_eq!(headers(&policy.decide(&req))[1], ("access-control-expose-headers", "*".to_string()));
}

#[test]
fn custom_prefix() {
    let vars = [
        ("MYAPP_CORS_ALLOWED_ORIGINS", "https://myapp.com"),
        ("MYAPP_CORS_ALLOW_CREDENTIALS", "true"),
        // Variables with the default prefix are not this policy's business.
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_TYPO", "x"),
    ];
    let policy = Policy::from_vars("MYAPP_CORS", vars).unwrap();
    assert!(policy.allows_origin(b"https://myapp.com"));
    assert!(!policy.allows_any_origin());
    assert!(policy.allows_credentials());

    let errors = Policy::from_vars(
        "MYAPP_CORS",
        [
            ("MYAPP_CORS_ALLOWED_ORIGINS", "*"),
            ("MYAPP_CORS_ALLOW_CREDENTIALS", "true"),
            ("MYAPP_CORS_ALLOWED_ORIGIN", "x"),
        ],
    )
    .unwrap_err();
    let shown: Vec<String> = errors.errors().iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2);
    assert!(
        shown[0].starts_with("MYAPP_CORS_ALLOWED_ORIGIN: is not a CORS setting; did you mean MYAPP_CORS_ALLOWED_ORIGINS? (known: MYAPP_CORS_ALLOWED_ORIGINS, "),
        "{}",
        shown[0]
    );
    assert!(
        shown[1]
            .starts_with("MYAPP_CORS_ALLOWED_ORIGINS and MYAPP_CORS_ALLOW_CREDENTIALS: any origin (\"*\")"),
        "{}",
        shown[1]
    );
}

#[test]
fn lists_tolerate_spaces_empty_items_and_repeated_commas() {
    let policy = ok(&[
        ("CORS_ALLOWED_ORIGINS", " https://a.example , ,https://b.example,,"),
        ("CORS_ALLOWED_METHODS", ",PUT,, DELETE ,"),
        ("CORS_ALLOWED_HEADERS", " x-a , ,x-b,,"),
        ("CORS_EXPOSED_HEADERS", "\tx-id ,"),
    ]);
    let config = policy.config();
    assert_eq!(config.allowed_origins, ["https://a.example", "https://b.example"]);
    assert_eq!(config.allowed_methods.as_deref(), Some(&["PUT".to_string(), "DELETE".to_string()][..]));
    assert_eq!(config.allowed_headers, ["x-a", "x-b"]);
    assert_eq!(config.exposed_headers, ["x-id"]);
}

#[test]
fn empty_values_count_as_unset() {
    let policy = ok(&[
        ("CORS_ALLOWED_ORIGINS", "https://a.example"),
        ("CORS_ALLOWED_METHODS", ""),
        ("CORS_ALLOW_CREDENTIALS", ""),
        ("CORS_MAX_AGE", "  "),
        ("CORS_PREFLIGHT_STATUS", ""),
        ("CORS_DEBUG", ""),
    ]);
    assert_eq!(
        policy.config(),
        &PolicyConfig { allowed_origins: vec!["https://a.example".into()], ..PolicyConfig::default() }
    );
}

#[test]
fn unset_or_empty_origins_give_the_no_origins_warning() {
    for vars in [&[][..], &[("CORS_ALLOWED_ORIGINS", "")][..], &[("CORS_ALLOWED_ORIGINS", " , ,")][..]] {
        let policy = ok(vars);
        assert_eq!(policy.warnings().len(), 1, "{vars:?}");
        let warning = &policy.warnings()[0];
        assert_eq!(warning.kind(), ErrorKind::NoOrigins);
        assert_eq!(
            warning.to_string(),
            "CORS_ALLOWED_ORIGINS: no origin is allowed, so every cross-origin request is refused; list the origins \
             of your pages"
        );
        assert!(!policy.allows_origin(b"https://a.example"));
    }
}

#[test]
fn typos_are_reported_with_the_closest_name() {
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGIN", "https://myapp.com")]),
        [format!(
            "CORS_ALLOWED_ORIGIN: is not a CORS setting; did you mean CORS_ALLOWED_ORIGINS? (known: {KNOWN})"
        )]
    );
    assert_eq!(
        err(&[("CORS_ALLOW_CREDENTIAL", "true"), ("CORS_ALLOWED_ORIGINS", "https://a.example")]),
        [format!("CORS_ALLOW_CREDENTIAL: is not a CORS setting; did you mean CORS_ALLOW_CREDENTIALS? (known: {KNOWN})")]
    );
    assert_eq!(
        err(&[("CORS_MAXAGE", "600")])[0],
        format!("CORS_MAXAGE: is not a CORS setting; did you mean CORS_MAX_AGE? (known: {KNOWN})")
    );
    // Nothing close: no suggestion.
    assert_eq!(
        err(&[("CORS_SOMETHING_ELSE_ENTIRELY", "1")]),
        [format!("CORS_SOMETHING_ELSE_ENTIRELY: is not a CORS setting (known: {KNOWN})")]
    );
    // Even an empty value of an unknown variable is reported.
    let errors = Policy::from_vars("CORS", [("CORS_ORIGINS", "")]).unwrap_err();
    assert_eq!(errors.kinds(), [ErrorKind::UnknownVariable]);
}

#[test]
fn invalid_booleans_name_the_variable_and_the_value() {
    for (name, setting) in [
        ("CORS_ALLOW_CREDENTIALS", Setting::AllowCredentials),
        ("CORS_ALLOW_PRIVATE_NETWORK", Setting::AllowPrivateNetwork),
        ("CORS_PREFLIGHT_CONTINUE", Setting::PreflightContinue),
        ("CORS_BLOCK_DISALLOWED", Setting::BlockDisallowed),
        ("CORS_DEBUG", Setting::Debug),
        ("CORS_ALLOW_NULL_ORIGIN", Setting::AllowNullOrigin),
        ("CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS", Setting::DangerouslyAllowInsecureOrigins),
    ] {
        for value in ["yes", "1", "on", "tru"] {
            let errors =
                Policy::from_vars("CORS", [("CORS_ALLOWED_ORIGINS", "https://a.example"), (name, value)])
                    .unwrap_err();
            assert_eq!(errors.kinds(), [ErrorKind::InvalidBoolean]);
            assert_eq!(errors.errors()[0].settings(), [setting]);
            assert_eq!(
                errors.errors()[0].to_string(),
                format!("{name}: \"{value}\" is not a boolean; write true or false")
            );
        }
    }
}

#[test]
fn max_age_values() {
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_MAX_AGE", "ten")]),
        ["CORS_MAX_AGE: \"ten\" is not a number of seconds; write a whole number from 0 to 86400, e.g. 600"]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_MAX_AGE", "10m")]),
        ["CORS_MAX_AGE: \"10m\" is not a number of seconds; write a whole number from 0 to 86400, e.g. 600"]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_MAX_AGE", "-5")]),
        ["CORS_MAX_AGE: -5 is negative; write a number of seconds from 0 to 86400, or leave it unset"]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_MAX_AGE", "86401")]),
        [
            "CORS_MAX_AGE: 86401 seconds is more than any browser honours (86400; Chromium caps at 7200 and WebKit \
             at 600); write at most 86400"
        ]
    );
    assert_eq!(
        ok(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_MAX_AGE", " 7200 ")]).config().max_age,
        Some(7200)
    );
}

#[test]
fn preflight_status_values() {
    let expected = |v: &str| {
        format!(
            "CORS_PREFLIGHT_STATUS: \"{v}\" is not a preflight status this library sends; write 204 (the default) or \
             200 (for old clients)"
        )
    };
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_PREFLIGHT_STATUS", "ok")]),
        [expected("ok")]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_PREFLIGHT_STATUS", "201")]),
        [expected("201")]
    );
    assert_eq!(
        ok(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_PREFLIGHT_STATUS", "204")])
            .preflight_status(),
        204
    );
}

#[test]
fn combinations_name_every_variable() {
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "*"), ("CORS_ALLOW_CREDENTIALS", "true")]),
        ["CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS: any origin (\"*\") together with credentials is \
             refused by every browser; list the origins that may send credentials, or turn credentials off"]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example,http://b.example"), ("CORS_ALLOW_CREDENTIALS", "true")]),
        [
            "CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS: origin \"http://b.example\" is plain http: anyone on \
             the network can impersonate it and receive credentialed responses; use \"https://\", or opt in with \
             CORS_DANGEROUSLY_ALLOW_INSECURE_ORIGINS=true"
        ]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "null")]),
        [
            "CORS_ALLOWED_ORIGINS and CORS_ALLOW_NULL_ORIGIN: the \"null\" origin is shared by every sandboxed iframe \
             and file:// page, so any site can send it; remove it, or opt in with CORS_ALLOW_NULL_ORIGIN=true if \
             you really mean it"
        ]
    );
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://a.example"), ("CORS_EXPOSED_HEADERS", "*"), ("CORS_ALLOW_CREDENTIALS", "true")])[0],
        "CORS_EXPOSED_HEADERS and CORS_ALLOW_CREDENTIALS: \"*\" in the exposed headers means the literal name \"*\" \
         when credentials are on, so nothing would be exposed; list the headers scripts may read"
    );
}

#[test]
fn origin_errors_name_the_variable_the_value_and_the_fix() {
    assert_eq!(
        err(&[("CORS_ALLOWED_ORIGINS", "https://myapp.com/")]),
        ["CORS_ALLOWED_ORIGINS: origin \"https://myapp.com/\" has a trailing slash; browsers send \"https://myapp.com\""]
    );
    let errors = Policy::from_vars(
        "CORS",
        [
            ("CORS_ALLOWED_ORIGINS", "https://ok.example, myapp.com ,https://*.co.uk"),
            ("CORS_ALLOWED_HEADERS", "Cookie"),
        ],
    )
    .unwrap_err();
    assert_eq!(
        errors.kinds(),
        [ErrorKind::OriginWithoutScheme, ErrorKind::PublicSuffixWildcard, ErrorKind::ForbiddenRequestHeader]
    );
    // Items count the entries that remain once empty ones are dropped.
    assert_eq!(errors.errors()[0].item(), Some(1));
    assert_eq!(errors.errors()[1].item(), Some(2));
    assert_eq!(
        errors.errors()[2].to_string(),
        "CORS_ALLOWED_HEADERS: \"Cookie\" is a forbidden request header: browsers never let a script send it, so \
         allowing it has no effect; remove it"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let shown = err(&[
        ("CORS_ALLOWED_ORIGIN", "https://typo.example"),
        ("CORS_ALLOWED_ORIGINS", "*"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_MAX_AGE", "ten"),
        ("CORS_DEBUG", "yes"),
        ("CORS_PREFLIGHT_STATUS", "201"),
        ("CORS_ALLOWED_METHODS", "TRACE"),
    ]);
    assert_eq!(shown.len(), 6, "{shown:#?}");
    let starts: Vec<&str> = shown.iter().map(|s| s.split(':').next().unwrap()).collect();
    assert_eq!(
        starts,
        [
            "CORS_ALLOWED_ORIGIN",
            "CORS_DEBUG",
            "CORS_MAX_AGE",
            "CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS",
            "CORS_ALLOWED_METHODS",
            "CORS_PREFLIGHT_STATUS",
        ]
    );
}

#[cfg(unix)]
#[test]
fn non_unicode_values_are_reported() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let errors = Policy::from_vars(
        "CORS",
        [
            (OsString::from("CORS_ALLOWED_ORIGINS"), OsString::from_vec(b"https://a.example\xff".to_vec())),
            // A variable whose name is not Unicode is not ours.
            (OsString::from_vec(b"CORS_\xff".to_vec()), OsString::from("x")),
        ],
    )
    .unwrap_err();
    assert_eq!(errors.kinds(), [ErrorKind::NotUnicode]);
    assert_eq!(
        errors.errors()[0].to_string(),
        "CORS_ALLOWED_ORIGINS: the value is not valid UTF-8; write plain ASCII"
    );
}

#[test]
fn from_env_reads_the_process_environment() {
    // A prefix no other test or process uses, so setting variables here cannot disturb anything.
    let prefix = "CORE_TEST_FROM_ENV_7F3A";
    // `set_var` is safe on edition 2021; only this test reads these names.
    std::env::set_var(format!("{prefix}_ALLOWED_ORIGINS"), "https://env.example");
    std::env::set_var(format!("{prefix}_MAX_AGE"), "60");
    let policy = Policy::from_env_prefixed(prefix).unwrap();
    assert!(policy.allows_origin(b"https://env.example"));
    assert_eq!(policy.config().max_age, Some(60));
    std::env::set_var(format!("{prefix}_MAXAGE"), "60");
    let errors = Policy::from_env_prefixed(prefix).unwrap_err();
    assert_eq!(errors.kinds(), [ErrorKind::UnknownVariable]);
    for name in ["ALLOWED_ORIGINS", "MAX_AGE", "MAXAGE"] {
        std::env::remove_var(format!("{prefix}_{name}"));
    }
}

// ---------------------------------------------------------------------------------------------
// CORS_PRESET=public: Express's cors() defaults, explicit variables winning

#[test]
fn the_public_preset_is_expresss_cors_defaults() {
    let policy = ok(&[("CORS_PRESET", "public")]);
    assert!(policy.allows_any_origin());
    for method in ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"] {
        assert!(policy.allows_method(method.as_bytes()), "{method}");
    }
    assert!(!policy.allows_method(b"PROPFIND"));
    assert!(!policy.allows_credentials());
    assert_eq!(policy.to_string(), "origins: any (*); methods: GET, HEAD, POST, PUT, PATCH, DELETE; request headers: any except authorization; exposed headers: none; credentials: off; max age: unset");
    assert_eq!(policy.config().preset, Some(cors_core::Preset::Public));
}

#[test]
fn explicit_variables_win_over_the_preset() {
    let policy = ok(&[
        ("CORS_PRESET", "Public"),
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com"),
        ("CORS_ALLOWED_HEADERS", "content-type"),
    ]);
    assert!(!policy.allows_any_origin());
    assert!(policy.allows_origin(b"https://myapp.com"));
    assert!(policy.allows_method(b"DELETE"), "the preset's methods, not overridden");
    assert_eq!(policy.to_string().split("; ").nth(2), Some("request headers: content-type"));
}

#[test]
fn the_public_preset_with_credentials_is_the_any_origin_error_naming_both_variables() {
    assert_eq!(
        err(&[("CORS_PRESET", "public"), ("CORS_ALLOW_CREDENTIALS", "true")]),
        ["CORS_PRESET and CORS_ALLOW_CREDENTIALS: any origin (\"*\") together with credentials is refused by every \
          browser; list the origins that may send credentials, or turn credentials off"
            .to_string()]
    );
    // With origins listed, credentials are fine.
    let policy = ok(&[
        ("CORS_PRESET", "public"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com"),
    ]);
    assert!(policy.allows_credentials());
    assert_eq!(
        err(&[("CORS_PRESET", "private")]),
        ["CORS_PRESET: \"private\" is not a preset; the presets are: public".to_string()]
    );
}
