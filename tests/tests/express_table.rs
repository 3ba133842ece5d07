//! The README's table "Coming from Express's `cors` package", row by row: each test is named
//! after its row and shows, on the wire, that our side behaves as the row says.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::test::init_service;
use actix_web::{get, web, App, HttpResponse, Responder};
use cors_actix::{cors, Cors, OriginBuf, Policy, Preset, ScopeExt};
use tests::inproc::names::*;
use tests::inproc::{actual, preflight, send};
use tests::log::with_log;

const PREFLIGHT_VARY: Option<&str> =
    Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
const APP: &str = "https://myapp.com";
const PAGE: &str = "https://anything.example";

fn env(vars: &[(&str, &str)]) -> Policy {
    Policy::from_vars("CORS", vars.iter().copied()).unwrap_or_else(|e| panic!("{e}"))
}

fn items() -> actix_web::Resource {
    web::resource("/items").to(|| async { HttpResponse::Ok().body("items") })
}

/// `app.use(cors())`: the preset, through the environment and the builder alike.
#[actix_web::test]
async fn app_use_cors() {
    let from_env = env(&[("CORS_PRESET", "public")]);
    let from_builder = Policy::builder().preset(Preset::Public).build().unwrap();
    assert_eq!(from_env.to_string(), from_builder.to_string());
    for policy in [from_env, from_builder] {
        let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
        // What the article's `app.use(cors())` lets a page do: PUT with JSON, PATCH, DELETE, a
        // custom header, from any origin.
        for (method, headers) in
            [("PUT", Some("content-type")), ("PATCH", None), ("DELETE", None), ("POST", Some("x-custom"))]
        {
            let mut expected = vec![(ACAO, "*"), (ACAM, method)];
            if let Some(h) = headers {
                expected.push((ACAH, h));
            }
            send(&app, preflight("/items", PAGE, method, headers, &[])).await.check(
                method,
                204,
                "",
                &expected,
                Some("Access-Control-Request-Method, Access-Control-Request-Headers"),
            );
        }
        send(&app, actual(Method::DELETE, "/items", Some(PAGE), &[])).await.check(
            "DELETE",
            200,
            "items",
            &[(ACAO, "*")],
            None,
        );
        // Not Authorization (which Express reflects): a literal `*` never covers it, so the
        // preset does not either; list it to allow it.
        let refused = send(&app, preflight("/items", PAGE, "PUT", Some("authorization"), &[])).await;
        assert_eq!(refused.header(ACAO), Some("*"), "{refused:#?}");
        assert_ne!(refused.header(ACAH), Some("authorization"), "{refused:#?}");
    }
    let with_auth = env(&[("CORS_PRESET", "public"), ("CORS_ALLOWED_HEADERS", "*,authorization")]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(with_auth))).await;
    send(&app, preflight("/items", PAGE, "PUT", Some("authorization"), &[])).await.check(
        "authorization listed",
        204,
        "",
        &[(ACAO, "*"), (ACAM, "PUT"), (ACAH, "authorization")],
        Some("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    // With credentials: the usual error, naming both variables.
    let error = Policy::from_vars("CORS", [("CORS_PRESET", "public"), ("CORS_ALLOW_CREDENTIALS", "true")])
        .unwrap_err();
    assert!(error.to_string().contains("CORS_PRESET and CORS_ALLOW_CREDENTIALS"), "{error}");
}

/// `origin: ['https://myapp.com', 'https://www.myapp.com']` with `credentials: true`,
/// `methods: [...,'OPTIONS']` and `allowedHeaders: ['Content-Type', 'Authorization']`.
#[actix_web::test]
async fn origin_list_credentials_methods_allowed_headers() {
    let policy = env(&[
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com,https://www.myapp.com"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_ALLOWED_METHODS", "GET,POST,PUT,PATCH,DELETE,OPTIONS"),
        ("CORS_ALLOWED_HEADERS", "Content-Type,Authorization"),
    ]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    send(
        &app,
        preflight("/items", "https://www.myapp.com", "PATCH", Some("authorization,content-type"), &[]),
    )
    .await
    .check(
        "listed origin",
        204,
        "",
        &[
            (ACAO, "https://www.myapp.com"),
            (ACAC, "true"),
            (ACAM, "PATCH"),
            (ACAH, "authorization,content-type"),
        ],
        PREFLIGHT_VARY,
    );
    send(&app, actual(Method::GET, "/items", Some(APP), &[])).await.check(
        "credentialed GET",
        200,
        "items",
        &[(ACAO, APP), (ACAC, "true")],
        Some("Origin"),
    );
    send(&app, preflight("/items", "https://evil.example", "PATCH", None, &[])).await.check(
        "other origin",
        403,
        "",
        &[],
        PREFLIGHT_VARY,
    );
}

/// `allowedOrigins.push('http://localhost:3000')` when `NODE_ENV=development`.
#[actix_web::test]
async fn dev_only_localhost() {
    let dev = env(&[
        ("CORS_ALLOWED_ORIGINS", "https://myapp.com,http://localhost:*"),
        ("CORS_ALLOW_CREDENTIALS", "true"),
    ]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(dev))).await;
    for origin in ["http://localhost:3000", "http://localhost:5173"] {
        send(&app, actual(Method::GET, "/items", Some(origin), &[])).await.check(
            origin,
            200,
            "items",
            &[(ACAO, origin), (ACAC, "true")],
            Some("Origin"),
        );
    }
    // Production, without it.
    let prod = env(&[("CORS_ALLOWED_ORIGINS", "https://myapp.com"), ("CORS_ALLOW_CREDENTIALS", "true")]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(prod))).await;
    send(&app, actual(Method::GET, "/items", Some("http://localhost:3000"), &[])).await.check(
        "prod",
        200,
        "items",
        &[],
        Some("Origin"),
    );
}

/// `origin: (origin, callback) => callback(null, allowed)`, answering at once.
#[actix_web::test]
async fn origin_callback() {
    let policy = Policy::builder()
        .allow_origin_fn(|o| o.host().ends_with(".myapp.com"))
        .allow_credentials(true)
        .build()
        .unwrap();
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    send(&app, actual(Method::GET, "/items", Some("https://eu.myapp.com"), &[])).await.check(
        "accepted",
        200,
        "items",
        &[(ACAO, "https://eu.myapp.com"), (ACAC, "true")],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some("https://myapp.com.evil.example"), &[])).await.check(
        "refused",
        200,
        "items",
        &[],
        Some("Origin"),
    );
    // An accept-everything callback with credentials is refused when the policy is built.
    let error = Policy::builder().allow_origin_fn(|_| true).allow_credentials(true).build().unwrap_err();
    assert!(error.to_string().contains("an origin no real deployment allows"), "{error}");
}

/// An `origin` callback that answers later (`callback(null, true)` after a database query).
#[actix_web::test]
async fn async_origin_callback() {
    let policy = Policy::builder()
        .allow_origin_async(|o: OriginBuf| async move {
            actix_web::rt::time::sleep(Duration::from_millis(10)).await; // the query
            Ok::<_, String>(o.as_str() == "https://tenant.example")
        })
        .allow_credentials(true)
        .build()
        .unwrap();
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    send(&app, actual(Method::GET, "/items", Some("https://tenant.example"), &[])).await.check(
        "tenant",
        200,
        "items",
        &[(ACAO, "https://tenant.example"), (ACAC, "true")],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/items", Some("https://other.example"), &[])).await.check(
        "other",
        200,
        "items",
        &[],
        Some("Origin"),
    );
}

/// `callback(new Error('CORS blocked'))`: the handler does not run.
#[test]
fn callback_error_blocks() {
    with_log(|log| async move {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        let policy = env(&[("CORS_ALLOWED_ORIGINS", APP), ("CORS_BLOCK_DISALLOWED", "true")]);
        let app = init_service(
            App::new()
                .route(
                    "/items",
                    web::post().to(move || {
                        flag.store(true, std::sync::atomic::Ordering::SeqCst);
                        async { HttpResponse::Ok().body("created") }
                    }),
                )
                .wrap(Cors::new(policy)),
        )
        .await;
        log.take();
        send(&app, actual(Method::POST, "/items", Some("https://evil.example"), &[])).await.check(
            "blocked",
            403,
            "",
            &[],
            Some("Origin"),
        );
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst), "the handler ran");
        let logged = log.take();
        assert!(logged.contains("CORS request refused: origin \"https://evil.example\" is not allowed (allowed: https://myapp.com)"), "{logged}");
        send(&app, actual(Method::POST, "/items", Some(APP), &[])).await.check(
            "allowed",
            200,
            "created",
            &[(ACAO, APP)],
            Some("Origin"),
        );
    });
}

/// `origin: '*', credentials: true`: refused when the policy is built.
#[test]
fn any_origin_with_credentials() {
    let error =
        Policy::from_vars("CORS", [("CORS_ALLOWED_ORIGINS", "*"), ("CORS_ALLOW_CREDENTIALS", "true")])
            .unwrap_err();
    assert!(error.to_string().contains("CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS"), "{error}");
    assert!(error.to_string().contains("refused by every browser"), "{error}");
}

/// `exposedHeaders`, `maxAge`, `optionsSuccessStatus: 200`, `preflightContinue`.
#[actix_web::test]
async fn exposed_headers_max_age_status_continue() {
    let policy = env(&[
        ("CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOWED_METHODS", "PUT"),
        ("CORS_EXPOSED_HEADERS", "x-request-id"),
        ("CORS_MAX_AGE", "600"),
        ("CORS_PREFLIGHT_STATUS", "200"),
    ]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    send(&app, preflight("/items", APP, "PUT", None, &[])).await.check(
        "preflight",
        200,
        "",
        &[(ACAO, APP), (ACAM, "PUT"), ("access-control-max-age", "600")],
        PREFLIGHT_VARY,
    );
    send(&app, actual(Method::GET, "/items", Some(APP), &[])).await.check(
        "exposed",
        200,
        "items",
        &[(ACAO, APP), ("access-control-expose-headers", "x-request-id")],
        Some("Origin"),
    );
    // preflightContinue: the handler answers the preflight, with the grant written on it.
    let policy = env(&[
        ("CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOWED_METHODS", "PUT"),
        ("CORS_PREFLIGHT_CONTINUE", "true"),
    ]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    let reply = send(&app, preflight("/items", APP, "PUT", None, &[])).await;
    assert_eq!((reply.status.as_u16(), reply.body.as_str()), (200, "items"), "{reply:#?}");
    assert_eq!(reply.header(ACAO), Some(APP), "{reply:#?}");
}

#[cors(public)]
#[get("/public")]
async fn public_handler() -> impl Responder {
    "public"
}

#[cors(origin = "https://myapp.com", credentials)]
#[get("/private")]
async fn private_handler() -> impl Responder {
    "private"
}

/// `app.get('/public', cors(), ...)` and `app.get('/private', cors({ origin, credentials }), ...)`.
#[actix_web::test]
async fn per_route_cors() {
    let app =
        init_service(App::new().service(public_handler).service(private_handler).wrap(Cors::inner_only()))
            .await;
    send(&app, actual(Method::GET, "/public", Some(PAGE), &[])).await.check(
        "public",
        200,
        "public",
        &[(ACAO, "*")],
        None,
    );
    send(&app, preflight("/public", PAGE, "GET", Some("x-custom"), &[])).await.check(
        "public preflight",
        204,
        "",
        &[(ACAO, "*"), (ACAM, "GET"), (ACAH, "x-custom")],
        Some("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    send(&app, actual(Method::GET, "/private", Some(APP), &[])).await.check(
        "private",
        200,
        "private",
        &[(ACAO, APP), (ACAC, "true")],
        Some("Origin"),
    );
    send(&app, actual(Method::GET, "/private", Some(PAGE), &[])).await.check(
        "private, other origin",
        200,
        "private",
        &[],
        Some("Origin"),
    );
}

/// `app.options('/api/*', cors(opts))` beside `app.use('/api', cors(opts), apiRouter)`: one
/// `.cors(policy)` on the scope answers its preflights; no OPTIONS route.
#[actix_web::test]
async fn options_route_and_router() {
    let policy = env(&[
        ("CORS_ALLOWED_ORIGINS", APP),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_ALLOWED_METHODS", "DELETE"),
    ]);
    let app = init_service(
        App::new()
            .service(
                web::scope("/api")
                    .route("/items/{id}", web::delete().to(|| async { HttpResponse::Ok().body("deleted") }))
                    .cors(policy),
            )
            .service(items()),
    )
    .await;
    send(&app, preflight("/api/items/7", APP, "DELETE", None, &[])).await.check(
        "preflight",
        204,
        "",
        &[(ACAO, APP), (ACAC, "true"), (ACAM, "DELETE")],
        PREFLIGHT_VARY,
    );
    send(&app, actual(Method::DELETE, "/api/items/7", Some(APP), &[])).await.check(
        "actual",
        200,
        "deleted",
        &[(ACAO, APP), (ACAC, "true")],
        Some("Origin"),
    );
    // Outside the scope, no CORS.
    send(&app, actual(Method::GET, "/items", Some(APP), &[])).await.check("outside", 200, "items", &[], None);
}

/// `console.log` inside the callback to see the origin: every refusal is logged with the reason.
#[test]
fn console_log_in_the_callback() {
    with_log(|log| async move {
        let policy = env(&[("CORS_ALLOWED_ORIGINS", APP), ("CORS_ALLOWED_HEADERS", "content-type")]);
        let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
        log.take();
        send(&app, preflight("/items", APP, "POST", Some("x-api-key"), &[])).await;
        let logged = log.take();
        for part in [
            "CORS request refused: request header \"x-api-key\" is not allowed (allowed: content-type)",
            "origin=https://myapp.com",
            "method=OPTIONS",
            "path=/items",
        ] {
            assert!(logged.contains(part), "{part}: {logged}");
        }
        // CORS_DEBUG=true puts the reason in the refused preflight's body too.
        let policy = env(&[("CORS_ALLOWED_ORIGINS", APP), ("CORS_DEBUG", "true")]);
        let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
        let reply = send(&app, preflight("/items", "https://www.myapp.com", "GET", None, &[])).await;
        assert_eq!(reply.status.as_u16(), 403);
        assert!(
            reply
                .body
                .contains("origin \"https://www.myapp.com\" is not allowed (allowed: https://myapp.com)"),
            "{reply:#?}"
        );
    });
}

/// `if (!origin) return callback(null, true)` for curl and Postman: requests without `Origin`
/// are not CORS and always pass.
#[actix_web::test]
async fn no_origin_passes() {
    let policy = env(&[("CORS_ALLOWED_ORIGINS", APP), ("CORS_BLOCK_DISALLOWED", "true")]);
    let app = init_service(App::new().service(items()).wrap(Cors::new(policy))).await;
    send(&app, actual(Method::POST, "/items", None, &[])).await.check(
        "curl",
        200,
        "items",
        &[],
        Some("Origin"),
    );
}
