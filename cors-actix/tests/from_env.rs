//! Configuration from the environment (SPEC §5): errors name the variable, the value and the
//! fix; `try_from_env_prefixed` returns them, `from_env_prefixed` panics with them.

use actix_web::http::Method;
use actix_web::test as atest;
use actix_web::{web, App, HttpResponse};
use cors_actix::{Cors, Policy};

#[test]
fn from_vars_builds_a_working_policy() {
    let policy = Policy::from_vars(
        "MYAPP_CORS",
        [
            ("MYAPP_CORS_ALLOWED_ORIGINS", " https://myapp.com,, https://*.myapp.com ,"),
            ("MYAPP_CORS_ALLOWED_METHODS", "GET,POST,DELETE"),
            ("MYAPP_CORS_ALLOWED_HEADERS", "content-type, authorization"),
            ("MYAPP_CORS_EXPOSED_HEADERS", "x-request-id"),
            ("MYAPP_CORS_ALLOW_CREDENTIALS", "true"),
            ("MYAPP_CORS_MAX_AGE", "600"),
            ("MYAPP_CORS_PREFLIGHT_STATUS", "200"),
            ("OTHER_VARIABLE", "ignored"),
        ],
    )
    .unwrap();
    assert!(policy.allows_origin(b"https://api.myapp.com"));
    assert!(!policy.allows_origin(b"https://evil.com"));
    assert!(policy.allows_credentials());
    assert_eq!(policy.preflight_status(), 200);

    actix_web::rt::System::new().block_on(async {
        let app =
            atest::init_service(App::new().route("/", web::to(HttpResponse::Ok)).wrap(Cors::new(policy)))
                .await;
        let req = atest::TestRequest::default()
            .method(Method::OPTIONS)
            .insert_header(("Origin", "https://api.myapp.com"))
            .insert_header(("Access-Control-Request-Method", "DELETE"))
            .insert_header(("Access-Control-Request-Headers", "authorization"))
            .to_request();
        let res = atest::call_service(&app, req).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("access-control-allow-origin").unwrap(), "https://api.myapp.com");
        assert_eq!(res.headers().get("access-control-allow-methods").unwrap(), "DELETE");
        assert_eq!(res.headers().get("access-control-allow-headers").unwrap(), "authorization");
        assert_eq!(res.headers().get("access-control-max-age").unwrap(), "600");
    });
}

#[test]
fn from_vars_errors_name_every_variable_and_value() {
    let err = Policy::from_vars(
        "MYAPP_CORS",
        [
            ("MYAPP_CORS_ALLOWED_ORIGINS", "*"),
            ("MYAPP_CORS_ALLOW_CREDENTIALS", "true"),
            ("MYAPP_CORS_MAX_AGE", "ten"),
            ("MYAPP_CORS_ALLOWED_ORIGIN", "https://typo.example"),
        ],
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(err.errors().len() >= 3, "{text}");
    // The combination names both variables.
    assert!(
        text.contains("MYAPP_CORS_ALLOWED_ORIGINS") && text.contains("MYAPP_CORS_ALLOW_CREDENTIALS"),
        "{text}"
    );
    assert!(text.contains("MYAPP_CORS_MAX_AGE") && text.contains("ten"), "{text}");
    assert!(text.contains("did you mean MYAPP_CORS_ALLOWED_ORIGINS"), "{text}");

    let err = Policy::from_vars("CORS", [("CORS_ALLOWED_ORIGINS", "https://myapp.com/")]).unwrap_err();
    assert!(err.to_string().contains("CORS_ALLOWED_ORIGINS"), "{err}");
    assert!(err.to_string().contains("https://myapp.com\""), "gives the form to write: {err}");
}

const VAR: &str = "CORS_ACTIX_ENV_TEST_7F3A_ALLOWED_ORIGINS";
const PREFIX: &str = "CORS_ACTIX_ENV_TEST_7F3A";

fn set_bad_var() {
    // A prefix no other test (and no real deployment) uses; set to the same value by both
    // tests, so their order does not matter.
    std::env::set_var(VAR, "https://bad.example/path");
}

#[test]
fn try_from_env_prefixed_returns_the_error_naming_the_variable() {
    set_bad_var();
    let err = match Cors::try_from_env_prefixed(PREFIX) {
        Ok(_) => panic!("the invalid origin was accepted"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(text.starts_with("invalid CORS configuration (1 problem):"), "{text}");
    assert!(text.contains(VAR), "{text}");
    assert!(text.contains("https://bad.example/path"), "{text}");
    assert!(
        Cors::try_from_env_prefixed("CORS_ACTIX_ENV_TEST_UNSET_9C1B").is_ok(),
        "unset means no origin, not an error"
    );
}

#[test]
#[should_panic(expected = "CORS_ACTIX_ENV_TEST_7F3A_ALLOWED_ORIGINS")]
fn from_env_prefixed_panics_with_the_message() {
    set_bad_var();
    let _ = Cors::from_env_prefixed(PREFIX);
}
