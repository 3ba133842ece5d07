//! Showing a diagnosis: readable text, or one JSON object for CI.

use std::fmt::Write;

use cors_core::client::{Exchange, ExchangeKind, Header, Outgoing, PageRequest, Response, Verdict};
use serde_json::{json, Value};

use crate::Diagnosis;

/// Whether a response header is one CORS (or the redirect) depends on, and so is shown.
fn matters(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("access-control-") || lower == "vary" || lower == "location"
}

fn reason_phrase(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("")
}

/// The diagnosis as text: the request, each exchange (request line, the headers sent, status,
/// the response headers CORS reads), then the verdict with its reason and fix.
pub fn text(diagnosis: &Diagnosis) -> String {
    let mut out = String::new();
    let request = diagnosis.request();
    let _ = writeln!(
        out,
        "{} {} from origin {} (credentials: {})",
        request.method(),
        request.url(),
        request.origin(),
        request.credentials().as_str()
    );
    let needs = if request.needs_preflight() {
        let names = request.cors_unsafe_header_names();
        let mut why = Vec::new();
        if !cors_core::client::is_cors_safelisted_method(request.method()) {
            why.push(format!("{} is not GET, HEAD or POST", request.method()));
        }
        if !names.is_empty() {
            why.push(format!("CORS-unsafe headers: {}", names.join(", ")));
        }
        format!("a preflight is needed ({})", why.join("; "))
    } else if request.is_same_origin_with(request.url()) {
        "same-origin: no preflight, and no CORS check unless a redirect leaves the origin".into()
    } else {
        "no preflight needed (a CORS-safelisted method and headers)".into()
    };
    let _ = writeln!(out, "{needs}");
    for exchange in diagnosis.exchanges() {
        out.push('\n');
        write_exchange(&mut out, exchange);
    }
    if let Diagnosis::NetworkError { pending, error, .. } = diagnosis {
        out.push('\n');
        write_request(&mut out, pending);
        let _ = writeln!(out, "! {error}");
    }
    out.push('\n');
    match diagnosis {
        Diagnosis::Done { report, .. } => match &report.verdict {
            Verdict::Allowed(allowed) => {
                let cors = if allowed.cors { "" } else { " (same-origin: CORS did not apply)" };
                let _ = writeln!(
                    out,
                    "Allowed: the page can read the response (status {}){cors}.",
                    allowed.status
                );
                for note in &allowed.notes {
                    let _ = writeln!(out, "Note: {note}");
                    let _ = writeln!(out, "Fix: {}", note.fix());
                }
            }
            Verdict::Blocked(blocked) => {
                let _ = writeln!(out, "Blocked: {}", blocked.message());
                let _ = writeln!(out, "Reason: {}", blocked.reason.code());
                let _ = writeln!(out, "Fix: {}", blocked.fix());
            }
        },
        Diagnosis::NetworkError { error, .. } => {
            let _ = writeln!(
                out,
                "Network error: {error}. No verdict: the browser would fail with a network error too."
            );
        }
    }
    out
}

fn label(kind: ExchangeKind) -> &'static str {
    match kind {
        ExchangeKind::Preflight => "Preflight",
        ExchangeKind::Actual => "Request",
    }
}

fn write_request(out: &mut String, request: &Outgoing) {
    let _ = writeln!(out, "{} to {}", label(request.kind), request.url);
    let _ = writeln!(out, "> {}", request.request_line());
    let _ = writeln!(out, "> Host: {}", request.url.authority());
    for h in &request.headers {
        let _ = writeln!(out, "> {}: {}", h.name, h.shown_value());
    }
}

fn write_exchange(out: &mut String, exchange: &Exchange) {
    write_request(out, &exchange.request);
    let response = &exchange.response;
    let _ = writeln!(out, "< HTTP/1.1 {} {}", response.status(), reason_phrase(response.status()));
    let mut hidden = 0;
    for h in response.headers() {
        if matters(&h.name) {
            let _ = writeln!(out, "< {}: {}", h.name, h.shown_value());
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        let _ = writeln!(out, "< ({hidden} other header{} not shown)", if hidden == 1 { "" } else { "s" });
    }
}

fn headers_json(headers: &[Header]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|h| json!({ "name": h.name, "value": String::from_utf8_lossy(&h.value) }))
            .collect(),
    )
}

fn request_json(request: &Outgoing) -> Value {
    json!({
        "kind": request.kind.as_str(),
        "method": request.method,
        "url": request.url.to_string(),
        "headers": headers_json(&request.headers),
    })
}

fn response_json(response: &Response) -> Value {
    json!({ "status": response.status(), "headers": headers_json(response.headers()) })
}

fn page_json(request: &PageRequest) -> Value {
    json!({
        "url": request.url().to_string(),
        "origin": request.origin(),
        "method": request.method(),
        "headers": headers_json(request.headers()),
        "credentials": request.credentials().as_str(),
        "preflight_needed": request.needs_preflight(),
        "cors_unsafe_headers": request.cors_unsafe_header_names(),
    })
}

/// The diagnosis as one JSON object: `request` (what the page sends), `exchanges` (each with
/// `request` and `response`, every header included), `verdict` (`allowed`, and for a block
/// `code`, `reason`, `message`, `fix`, `preflight`, `url`), `error` (for a network error, with
/// `verdict` null) and `exit` (the exit status).
pub fn json(diagnosis: &Diagnosis) -> Value {
    let exchanges: Vec<Value> = diagnosis
        .exchanges()
        .iter()
        .map(|e| json!({ "request": request_json(&e.request), "response": response_json(&e.response) }))
        .collect();
    let (verdict, error) = match diagnosis {
        Diagnosis::Done { report, .. } => {
            let verdict = match &report.verdict {
                Verdict::Allowed(a) => json!({
                    "allowed": true,
                    "status": a.status,
                    "url": a.url.to_string(),
                    "cors": a.cors,
                    "notes": a.notes.iter().map(|n| json!({ "note": n.to_string(), "fix": n.fix() })).collect::<Vec<_>>(),
                }),
                Verdict::Blocked(b) => json!({
                    "allowed": false,
                    "code": b.reason.code(),
                    "reason": b.reason.to_string(),
                    "message": b.message(),
                    "fix": b.fix(),
                    "preflight": b.reason.is_preflight(),
                    "url": b.url.to_string(),
                }),
            };
            (verdict, Value::Null)
        }
        Diagnosis::NetworkError { pending, error, .. } => (
            Value::Null,
            json!({ "kind": "network", "message": error.to_string(), "request": request_json(pending) }),
        ),
    };
    json!({
        "request": page_json(diagnosis.request()),
        "exchanges": exchanges,
        "verdict": verdict,
        "error": error,
        "exit": diagnosis.exit_code(),
    })
}

/// Usage errors as one JSON object: `error` with `kind` `usage` and `messages`, and `exit` 2.
pub fn usage_json(messages: &[String]) -> Value {
    json!({ "request": null, "exchanges": [], "verdict": null, "error": { "kind": "usage", "messages": messages }, "exit": 2 })
}
