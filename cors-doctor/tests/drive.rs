//! The command's logic without sockets: `run` with an in-process transport, for the exit
//! status, what is sent, the text and the JSON.

use std::cell::RefCell;

use clap::Parser;
use cors_core::client::{ExchangeKind, Outgoing, Response};
use cors_doctor::{run, Args, NetworkError, EXIT_ALLOWED, EXIT_BLOCKED, EXIT_ERROR};

const APP: &str = "https://app.example";

fn args(extra: &[&str]) -> Args {
    let mut argv = vec!["cors-doctor", "https://api.example/items", "--origin", APP];
    argv.extend_from_slice(extra);
    Args::try_parse_from(argv).expect("valid arguments")
}

/// A server that grants `methods` and `headers` to APP, and records what it was sent.
struct Server {
    methods: &'static str,
    headers: &'static str,
    seen: RefCell<Vec<Outgoing>>,
}

impl Server {
    fn new(methods: &'static str, headers: &'static str) -> Server {
        Server { methods, headers, seen: RefCell::new(Vec::new()) }
    }

    fn answer(&self, out: &Outgoing) -> Result<Response, NetworkError> {
        self.seen.borrow_mut().push(out.clone());
        let mut r = Response::new(if out.kind == ExchangeKind::Preflight { 204 } else { 200 })
            .header("Access-Control-Allow-Origin", APP)
            .header("Access-Control-Allow-Credentials", "true")
            .header("Vary", "Origin")
            .header("Content-Type", "text/plain");
        if out.kind == ExchangeKind::Preflight {
            r = r
                .header("Access-Control-Allow-Methods", self.methods)
                .header("Access-Control-Allow-Headers", self.headers);
        }
        Ok(r)
    }
}

#[test]
fn an_allowed_preflighted_request_exits_0_after_both_exchanges() {
    let server = Server::new("PUT", "content-type");
    let out = run(&args(&["-X", "PUT", "-H", "Content-Type: application/json"]), &mut |o: &Outgoing| {
        server.answer(o)
    });
    assert_eq!(out.code, EXIT_ALLOWED, "{}", out.stdout);
    assert_eq!(out.stderr, "");
    let seen = server.seen.borrow();
    assert_eq!(
        seen.iter().map(|o| o.kind).collect::<Vec<_>>(),
        [ExchangeKind::Preflight, ExchangeKind::Actual]
    );
    assert_eq!(seen[0].header("access-control-request-headers"), Some(&b"content-type"[..]));
    assert_eq!(seen[1].header("content-type"), Some(&b"application/json"[..]));
    for line in [
        "PUT https://api.example/items from origin https://app.example (credentials: same-origin)",
        "a preflight is needed (PUT is not GET, HEAD or POST; CORS-unsafe headers: content-type)",
        "Preflight to https://api.example/items",
        "> OPTIONS /items HTTP/1.1",
        "> Host: api.example",
        "> Access-Control-Request-Method: PUT",
        "> Origin: https://app.example",
        "< HTTP/1.1 204 No Content",
        "< Access-Control-Allow-Methods: PUT",
        "< (1 other header not shown)",
        "> PUT /items HTTP/1.1",
        "< HTTP/1.1 200 OK",
        "Allowed: the page can read the response (status 200).",
    ] {
        assert!(out.stdout.lines().any(|l| l == line), "missing {line:?} in\n{}", out.stdout);
    }
}

#[test]
fn a_blocked_preflight_exits_1_without_sending_the_request() {
    let server = Server::new("PUT", "content-type");
    let out = run(&args(&["-X", "PUT", "-H", "X-Api-Key: k", "--credentials"]), &mut |o: &Outgoing| {
        server.answer(o)
    });
    assert_eq!(out.code, EXIT_BLOCKED);
    assert_eq!(server.seen.borrow().len(), 1);
    assert!(out.stdout.contains("Blocked: Access to fetch at 'https://api.example/items' from origin 'https://app.example' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.\n"), "{}", out.stdout);
    assert!(out.stdout.contains("Reason: HeaderDisallowedByPreflightResponse\n"));
    assert!(out.stdout.contains("Fix: Allow the request header x-api-key"));
}

#[test]
fn a_usage_error_exits_2_with_every_reason_and_sends_nothing() {
    let mut sent = 0;
    let mut count = |_: &Outgoing| -> Result<Response, NetworkError> {
        sent += 1;
        Ok(Response::new(200))
    };
    let a = Args::try_parse_from([
        "cors-doctor",
        "https://api.example/",
        "--origin",
        "https://app.example/",
        "-H",
        "Cookie: a=b",
        "-H",
        "nonsense",
    ])
    .unwrap();
    let out = run(&a, &mut count);
    assert_eq!(out.code, EXIT_ERROR);
    assert_eq!(out.stdout, "");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stderr);
    assert!(
        lines[0].starts_with("cors-doctor: the origin \"https://app.example/\" is not one a browser sends"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("\"Cookie\" is a forbidden request header"), "{}", lines[1]);
    assert_eq!(lines[2], "cors-doctor: --header \"nonsense\" is not 'Name: value'");
    assert_eq!(sent, 0);
}

#[test]
fn a_network_error_exits_2_with_the_reason_and_the_exchanges_before_it() {
    let mut calls = 0;
    let mut flaky = |o: &Outgoing| -> Result<Response, NetworkError> {
        calls += 1;
        match o.kind {
            ExchangeKind::Preflight => Ok(Response::new(204)
                .header("Access-Control-Allow-Origin", APP)
                .header("Access-Control-Allow-Methods", "DELETE")),
            ExchangeKind::Actual => Err(NetworkError("api.example: connection reset".into())),
        }
    };
    let out = run(&args(&["-X", "DELETE"]), &mut flaky);
    assert_eq!(out.code, EXIT_ERROR);
    assert_eq!(out.stderr, "cors-doctor: network error: api.example: connection reset\n");
    assert!(out.stdout.contains("< HTTP/1.1 204 No Content"));
    assert!(out.stdout.contains("! api.example: connection reset"));
    assert_eq!(calls, 2);
}

#[test]
fn json_has_the_request_every_exchange_and_the_verdict() {
    let server = Server::new("GET", "");
    let out = run(&args(&["-X", "PATCH", "--json"]), &mut |o: &Outgoing| server.answer(o));
    assert_eq!(out.code, EXIT_BLOCKED);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    assert_eq!(v["exit"], 1);
    assert_eq!(v["request"]["method"], "PATCH");
    assert_eq!(v["request"]["preflight_needed"], true);
    assert_eq!(v["exchanges"].as_array().unwrap().len(), 1);
    assert_eq!(v["exchanges"][0]["request"]["kind"], "preflight");
    assert_eq!(v["exchanges"][0]["request"]["method"], "OPTIONS");
    assert_eq!(v["exchanges"][0]["response"]["status"], 204);
    assert!(
        v["exchanges"][0]["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "Content-Type"),
        "every header is in the JSON"
    );
    assert_eq!(v["verdict"]["allowed"], false);
    assert_eq!(v["verdict"]["code"], "MethodDisallowedByPreflightResponse");
    assert_eq!(
        v["verdict"]["reason"],
        "Method PATCH is not allowed by Access-Control-Allow-Methods in preflight response."
    );
    assert_eq!(v["verdict"]["preflight"], true);
    assert!(v["verdict"]["fix"].as_str().unwrap().contains("Allow PATCH"));
    assert_eq!(v["error"], serde_json::Value::Null);

    let out = run(&args(&["--json"]), &mut |o: &Outgoing| server.answer(o));
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (v["exit"].as_u64(), v["verdict"]["allowed"].as_bool(), v["verdict"]["status"].as_u64()),
        (Some(0), Some(true), Some(200))
    );

    let bad = Args::try_parse_from(["cors-doctor", "ftp://x/", "--origin", APP, "--json"]).unwrap();
    let out = run(&bad, &mut |o: &Outgoing| server.answer(o));
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["exit"], 2);
    assert_eq!(v["error"]["kind"], "usage");
    assert!(v["error"]["messages"][0].as_str().unwrap().contains("ftp"));
}

#[test]
fn a_same_origin_request_says_cors_did_not_apply() {
    let a = Args::try_parse_from(["cors-doctor", "https://app.example/api", "--origin", APP]).unwrap();
    let out = run(&a, &mut |_: &Outgoing| Ok::<_, NetworkError>(Response::new(200)));
    assert_eq!(out.code, EXIT_ALLOWED);
    assert!(out.stdout.contains("same-origin: no preflight"), "{}", out.stdout);
    assert!(out.stdout.contains("(same-origin: CORS did not apply)"), "{}", out.stdout);
}
