//! serde configuration: a `PolicyConfig` deserialized from JSON goes through the same validator.

use cors_core::{ErrorKind, PolicyConfig};

fn parse(json: &str) -> PolicyConfig {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_field_deserializes() {
    let config = parse(
        r#"{
            "allowed_origins": ["https://myapp.com", "https://*.myapp.com", "null"],
            "allowed_methods": ["GET", "PATCH"],
            "allowed_headers": ["content-type"],
            "exposed_headers": ["x-request-id"],
            "allow_credentials": true,
            "max_age": 600,
            "allow_private_network": true,
            "preflight_continue": true,
            "preflight_status": 200,
            "block_disallowed": true,
            "debug": true,
            "allow_null_origin": true,
            "dangerously_allow_insecure_origins": true,
            "dangerously_trust_origin_predicate": true,
            "preset": "public"
        }"#,
    );
    assert_eq!(
        config,
        PolicyConfig {
            allowed_origins: vec!["https://myapp.com".into(), "https://*.myapp.com".into(), "null".into()],
            allowed_methods: Some(vec!["GET".into(), "PATCH".into()]),
            allowed_headers: vec!["content-type".into()],
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
            dangerously_trust_origin_predicate: true,
            preset: Some(cors_core::Preset::Public),
        }
    );
    let policy = config.build().unwrap();
    assert!(policy.allows_origin(b"https://a.myapp.com"));
    assert!(policy.allows_origin(b"null"));
    assert_eq!(policy.preflight_status(), 200);
    assert_eq!(policy.config(), &config);
}

#[test]
fn missing_fields_take_their_defaults() {
    assert_eq!(parse("{}"), PolicyConfig::default());
    let config = parse(r#"{"allowed_origins": ["https://myapp.com"]}"#);
    assert_eq!(
        config,
        PolicyConfig { allowed_origins: vec!["https://myapp.com".into()], ..PolicyConfig::default() }
    );
    let policy = config.build().unwrap();
    assert!(policy.warnings().is_empty());
    assert_eq!(policy.preflight_status(), 204);
    assert!(!policy.allows_credentials());
}

#[test]
fn unknown_fields_are_rejected() {
    let error =
        serde_json::from_str::<PolicyConfig>(r#"{"allowed_origin": ["https://myapp.com"]}"#).unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.starts_with("unknown field `allowed_origin`, expected one of `allowed_origins`, "),
        "{shown}"
    );
}

#[test]
fn wrong_types_are_rejected() {
    for json in [
        r#"{"allowed_origins": "https://myapp.com"}"#,
        r#"{"allow_credentials": "true"}"#,
        r#"{"max_age": "600"}"#,
        r#"{"preflight_status": 70000}"#,
    ] {
        assert!(serde_json::from_str::<PolicyConfig>(json).is_err(), "{json}");
    }
}

#[test]
fn build_reports_every_error_with_field_names() {
    let config = parse(
        r#"{
            "allowed_origins": ["*"],
            "allow_credentials": true,
            "max_age": -1,
            "allowed_methods": ["TRACE"],
            "preflight_status": 302
        }"#,
    );
    let errors = config.build().unwrap_err();
    assert_eq!(
        errors.kinds(),
        [
            ErrorKind::AnyOriginWithCredentials,
            ErrorKind::ForbiddenMethod,
            ErrorKind::InvalidMaxAge,
            ErrorKind::InvalidPreflightStatus
        ]
    );
    let shown: Vec<String> = errors.errors().iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "`allowed_origins` and `allow_credentials`: any origin (\"*\") together with credentials is refused by \
             every browser; list the origins that may send credentials, or turn credentials off",
            "`allowed_methods`: method \"TRACE\" is forbidden by the Fetch standard: browsers refuse to send it; \
             remove it",
            "`max_age`: -1 is negative; write a number of seconds from 0 to 86400, or leave it unset",
            "`preflight_status`: \"302\" is not a preflight status this library sends; write 204 (the default) or \
             200 (for old clients)",
        ]
    );
}

#[test]
fn origin_errors_from_a_file_give_the_fix() {
    let errors =
        parse(r#"{"allowed_origins": ["https://ok.example", "https://myapp.com/"]}"#).build().unwrap_err();
    assert_eq!(errors.kinds(), [ErrorKind::OriginWithPath]);
    assert_eq!(errors.errors()[0].item(), Some(1));
    assert_eq!(
        errors.errors()[0].to_string(),
        "`allowed_origins`: origin \"https://myapp.com/\" has a trailing slash; browsers send \"https://myapp.com\""
    );
}
