//! SPEC section 3 through `Policy::decide`: request kinds, the exact headers of allowed
//! preflights and actual requests, every refusal with its reason, bounds, and `Vary`.

mod common;

use common::{actual, build, headers, preflight, reason, request, vary};
use cors_core::{
    Action, ClientValue, CorsHeader, Decision, Echo, Field, Policy, Refusal, RequestKind, Value, Vary,
    BODY_CONTENT_TYPE, MAX_SHOWN, REFUSED_STATUS,
};

const ORIGIN: &str = "https://app.example";

fn strict() -> Policy {
    build(
        Policy::builder()
            .allow_origins([ORIGIN, "https://*.app.example"])
            .allow_methods(["PUT", "DELETE", "PATCH"])
            .allow_headers(["Content-Type", "authorization"])
            .expose_headers(["X-Request-Id", "x-trace"])
            .allow_credentials(true)
            .max_age(600),
    )
}

fn open() -> Policy {
    build(Policy::builder().allow_any_origin().allow_any_method().allow_any_header().expose_any_header())
}

fn h(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(n, v)| (*n, v.to_string())).collect()
}

// ---------------------------------------------------------------------------------------------
// Not CORS

#[test]
fn no_origin_is_not_cors_and_varies_on_origin_unless_any_origin() {
    let p = strict();
    for method in [&b"GET"[..], b"OPTIONS", b"POST"] {
        let req = request(method, Field::Absent, Field::One(b"PUT"), &[b"x-a"], true);
        let decision = p.decide(&req);
        assert_eq!(decision.kind(), RequestKind::NotCors);
        assert!(!decision.is_allowed());
        assert_eq!(decision.refusal(), None);
        assert!(decision.reason().is_none());
        assert_eq!(headers(&decision), []);
        assert_eq!(vary(&decision), ["Origin"]);

        let any = open();
        let decision = any.decide(&req);
        assert_eq!(decision.kind(), RequestKind::NotCors);
        assert_eq!(headers(&decision), []);
        assert_eq!(decision.vary(), Vary::NONE);
    }
}

#[test]
fn request_kinds() {
    let p = strict();
    let kind = |method: &'static [u8], acrm: Field<'static>| {
        p.decide(&request(method, Field::One(ORIGIN.as_bytes()), acrm, &[], false)).kind()
    };
    assert_eq!(kind(b"OPTIONS", Field::One(b"PUT")), RequestKind::Preflight);
    assert_eq!(kind(b"OPTIONS", Field::Several), RequestKind::Preflight);
    // OPTIONS without Access-Control-Request-Method is an actual request.
    assert_eq!(kind(b"OPTIONS", Field::Absent), RequestKind::Actual);
    // Access-Control-Request-Method on another method does not make a preflight.
    assert_eq!(kind(b"POST", Field::One(b"PUT")), RequestKind::Actual);
    // Methods are case-sensitive: "options" is not OPTIONS.
    assert_eq!(kind(b"options", Field::One(b"PUT")), RequestKind::Actual);
}

// ---------------------------------------------------------------------------------------------
// Preflight allowed

#[test]
fn allowed_preflight_echoes_what_was_requested_never_the_configured_lists() {
    let p = strict();
    let lines: [&[u8]; 1] = [b"content-type"];
    let req = preflight(ORIGIN, "DELETE", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Preflight);
    assert!(decision.is_allowed());
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "DELETE"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-max-age", "600"),
        ])
    );
    assert_eq!(
        vary(&decision),
        ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    );
}

#[test]
fn echoed_values_are_the_requests_own_bytes() {
    let p = strict();
    let origin = String::from("https://eu.app.example");
    let method = String::from("PATCH");
    let line = b"Authorization, content-type".to_vec();
    let lines = [&line[..]];
    let req =
        request(b"OPTIONS", Field::One(origin.as_bytes()), Field::One(method.as_bytes()), &lines, false);
    let decision = p.decide(&req);
    let values: Vec<(CorsHeader, Value<'_>)> = decision.headers().collect();
    assert_eq!(values.len(), 5);
    assert_eq!(values[0], (CorsHeader::AllowOrigin, Value::Echo(Echo::Origin, origin.as_bytes())));
    assert_eq!(values[1], (CorsHeader::AllowCredentials, Value::Static("true")));
    assert_eq!(values[2], (CorsHeader::AllowMethods, Value::Echo(Echo::RequestMethod, method.as_bytes())));
    assert_eq!(values[3], (CorsHeader::AllowHeaders, Value::Echo(Echo::RequestHeaders, &line[..])));
    assert!(matches!(values[4], (CorsHeader::MaxAge, Value::Shared(b)) if b == "600"));
    // Not copied: the same memory.
    assert_eq!(values[0].1.as_bytes().as_ptr(), origin.as_ptr());
    assert_eq!(values[2].1.as_bytes().as_ptr(), method.as_ptr());
    assert_eq!(values[3].1.as_bytes().as_ptr(), line.as_ptr());
}

#[test]
fn allowed_preflight_from_any_origin_without_credentials() {
    let p = open();
    let lines: [&[u8]; 1] = [b"x-custom"];
    let req = preflight("https://anyone.example", "PROPFIND", &lines);
    let decision = p.decide(&req);
    assert!(decision.is_allowed());
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-methods", "PROPFIND"),
            ("access-control-allow-headers", "x-custom"),
        ])
    );
    assert_eq!(vary(&decision), ["Access-Control-Request-Method", "Access-Control-Request-Headers"]);
}

#[test]
fn preflight_without_requested_headers_has_no_allow_headers_and_no_max_age_unless_set() {
    let p = build(Policy::builder().allow_origin(ORIGIN));
    for lines in [&[][..], &[&b""[..]][..], &[&b" , ,\t"[..]][..], &[&b""[..], &b","[..]][..]] {
        let req = preflight(ORIGIN, "GET", lines);
        let decision = p.decide(&req);
        assert!(decision.is_allowed());
        assert_eq!(
            headers(&decision),
            h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET")]),
            "{lines:?}"
        );
    }
}

#[test]
fn get_head_and_post_are_always_allowed_methods() {
    let p = build(Policy::builder().allow_origin(ORIGIN).allow_methods(["PUT"]));
    for method in ["GET", "HEAD", "POST", "PUT"] {
        let req = preflight(ORIGIN, method, &[]);
        let decision = p.decide(&req);
        assert!(decision.is_allowed(), "{method}");
        assert_eq!(headers(&decision)[1], ("access-control-allow-methods", method.to_string()));
    }
    // Default policy: only the three.
    let default = build(Policy::builder().allow_origin(ORIGIN));
    let req = preflight(ORIGIN, "PUT", &[]);
    let decision = default.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::MethodNotAllowed(b"PUT")));
    assert_eq!(
        reason(&decision),
        "method \"PUT\" is not allowed (allowed: GET, HEAD, POST; methods are case-sensitive)"
    );
}

#[test]
fn any_method_mirrors_the_requested_method_except_forbidden_ones() {
    let p = build(Policy::builder().allow_origin(ORIGIN).allow_any_method().allow_credentials(true));
    let req = preflight(ORIGIN, "PROPFIND", &[]);
    let decision = p.decide(&req);
    assert_eq!(headers(&decision)[2], ("access-control-allow-methods", "PROPFIND".to_string()));
    for forbidden in ["CONNECT", "TRACE", "track"] {
        let req = preflight(ORIGIN, forbidden, &[]);
        let decision = p.decide(&req);
        assert_eq!(decision.refusal(), Some(Refusal::MethodNotAllowed(forbidden.as_bytes())));
        assert_eq!(
            reason(&decision),
            format!("method \"{forbidden}\" is not allowed (allowed: any; methods are case-sensitive)")
        );
    }
}

#[test]
fn a_literal_star_is_never_echoed_as_method_or_header() {
    // Echoed back, `*` would read as a wildcard to the browser (without credentials), granting
    // more than was asked; with credentials the SPEC forbids writing `*` at all.
    for credentials in [false, true] {
        let p = build(
            Policy::builder()
                .allow_origin(ORIGIN)
                .allow_any_method()
                .allow_any_header()
                .allow_credentials(credentials),
        );
        let grant: Vec<(&str, &str)> = if credentials {
            vec![("access-control-allow-origin", ORIGIN), ("access-control-allow-credentials", "true")]
        } else {
            vec![("access-control-allow-origin", ORIGIN)]
        };
        let req = preflight(ORIGIN, "*", &[]);
        let decision = p.decide(&req);
        assert_eq!(decision.refusal(), Some(Refusal::MethodNotAllowed(b"*")));
        // Under "any method", what was requested less the refused item: no method to list.
        assert_eq!(headers(&decision), h(&grant));

        let lines: [&[u8]; 1] = [b"x-a, *"];
        let req = preflight(ORIGIN, "GET", &lines);
        let decision = p.decide(&req);
        assert_eq!(decision.refusal(), Some(Refusal::HeaderNotAllowed(b"*")));
        let mut expected = grant.clone();
        expected.extend([("access-control-allow-methods", "GET"), ("access-control-allow-headers", "x-a")]);
        assert_eq!(headers(&decision), h(&expected));
        assert_eq!(
            reason(&decision),
            "request header \"*\" is not allowed (allowed: any except authorization)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Preflight refused

#[test]
fn preflight_refused_by_origin() {
    let p = strict();
    let lines: [&[u8]; 1] = [b"content-type"];
    let req = preflight("https://evil.example", "PUT", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Preflight);
    assert!(!decision.is_allowed());
    assert_eq!(decision.refusal(), Some(Refusal::OriginNotAllowed(b"https://evil.example")));
    assert_eq!(headers(&decision), []);
    assert_eq!(
        vary(&decision),
        ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    );
    assert_eq!(
        reason(&decision),
        "origin \"https://evil.example\" is not allowed (allowed: https://app.example, https://*.app.example)"
    );
}

#[test]
fn preflight_refused_by_method_case_sensitively() {
    let p = strict();
    let req = preflight(ORIGIN, "patch", &[]);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::MethodNotAllowed(b"patch")));
    // The origin is allowed: the answer lets the browser name the method (SPEC section 3).
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE, PATCH"),
            ("access-control-allow-headers", "content-type, authorization"),
        ])
    );
    assert_eq!(decision.action(), Action::Respond { status: 204 });
    assert_eq!(
        reason(&decision),
        "method \"patch\" is not allowed (allowed: GET, HEAD, POST, PUT, DELETE, PATCH; methods are case-sensitive)"
    );
    // The six methods browsers upper-case are normalised in configuration, but a request is still
    // compared byte for byte (a browser never sends "delete").
    let req = preflight(ORIGIN, "delete", &[]);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::MethodNotAllowed(b"delete")));

    // A lower-case method is kept as written: it matches only itself.
    let lower = build(Policy::builder().allow_origin(ORIGIN).allow_methods(["patch"]));
    let req = preflight(ORIGIN, "patch", &[]);
    assert!(lower.decide(&req).is_allowed());
    let req = preflight(ORIGIN, "PATCH", &[]);
    assert_eq!(lower.decide(&req).refusal(), Some(Refusal::MethodNotAllowed(b"PATCH")));
}

#[test]
fn preflight_refused_by_header_with_the_reason() {
    let p = strict();
    let lines: [&[u8]; 1] = [b"content-type,x-api-key"];
    let req = preflight(ORIGIN, "PUT", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::HeaderNotAllowed(b"x-api-key")));
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE, PATCH"),
            ("access-control-allow-headers", "content-type, authorization"),
        ])
    );
    assert_eq!(
        reason(&decision),
        "request header \"x-api-key\" is not allowed (allowed: content-type, authorization)"
    );

    // The most common case of all: a JSON body under the default headers.
    let default = build(Policy::builder().allow_origin(ORIGIN));
    let lines: [&[u8]; 1] = [b"content-type"];
    let req = preflight(ORIGIN, "POST", &lines);
    let decision = default.decide(&req);
    assert_eq!(
        reason(&decision),
        "request header \"content-type\" is not allowed (allowed: only CORS-safelisted headers); Content-Type is \
         CORS-safelisted only for application/x-www-form-urlencoded, multipart/form-data, text/plain, so a page \
         sending application/json asks for \"content-type\", which must be listed"
    );
    // No header is configured: nothing to list but the methods.
    assert_eq!(
        headers(&decision),
        h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET, HEAD, POST")])
    );
}

#[test]
fn authorization_is_not_covered_by_any_header() {
    let any = build(Policy::builder().allow_origin(ORIGIN).allow_any_header());
    for name in [&b"authorization"[..], b"Authorization", b"AUTHORIZATION"] {
        let lines = [name];
        let req = preflight(ORIGIN, "GET", &lines);
        let decision = any.decide(&req);
        assert_eq!(decision.refusal(), Some(Refusal::HeaderNotAllowed(name)));
        assert_eq!(
            reason(&decision),
            format!(
                "request header \"{}\" is not allowed (allowed: any except authorization)",
                ClientValue(name)
            )
        );
    }
    let lines: [&[u8]; 1] = [b"x-anything, x-other"];
    let req = preflight(ORIGIN, "GET", &lines);
    assert!(any.decide(&req).is_allowed());

    let with_auth = build(Policy::builder().allow_origin(ORIGIN).allow_headers(["*", "Authorization"]));
    let lines: [&[u8]; 1] = [b"Authorization, x-anything"];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = with_auth.decide(&req);
    assert!(decision.is_allowed());
    assert_eq!(
        headers(&decision)[2],
        ("access-control-allow-headers", "Authorization, x-anything".to_string())
    );
}

// ---------------------------------------------------------------------------------------------
// Access-Control-Request-Headers parsing

#[test]
fn request_headers_are_parsed_tolerantly_and_case_insensitively() {
    let p = strict();
    for line in [
        &b"content-type,authorization"[..],
        b" content-type ,\tauthorization\t",
        b",,content-type, ,authorization,",
        b"Content-Type, AUTHORIZATION",
        b"content-type,content-type",
    ] {
        let lines = [line];
        let req = preflight(ORIGIN, "PUT", &lines);
        let decision = p.decide(&req);
        assert!(decision.is_allowed(), "{}", String::from_utf8_lossy(line));
        // The single line is echoed exactly as the browser sent it.
        assert_eq!(
            headers(&decision)[3],
            ("access-control-allow-headers", String::from_utf8(line.to_vec()).unwrap())
        );
    }
}

#[test]
fn several_request_header_lines_are_joined() {
    let p = strict();
    let lines: [&[u8]; 4] = [b"content-type", b"", b" Authorization ", b"content-type"];
    let req = preflight(ORIGIN, "PUT", &lines);
    let decision = p.decide(&req);
    assert!(decision.is_allowed());
    let values: Vec<_> = decision.headers().collect();
    assert_eq!(
        values[3],
        (CorsHeader::AllowHeaders, Value::Joined("content-type,  Authorization , content-type"))
    );
    // A header allowed on one line and refused on another is refused.
    let lines: [&[u8]; 2] = [b"content-type", b"x-api-key"];
    let req = preflight(ORIGIN, "PUT", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::HeaderNotAllowed(b"x-api-key")));
}

#[test]
fn request_header_names_that_are_not_tokens_are_refused() {
    let p = open();
    let lines: [&[u8]; 1] = [b"x-a, x b"];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::InvalidHeader(b"x b")));
    assert_eq!(reason(&decision), "Access-Control-Request-Headers lists \"x b\", which is not a header name");
    let lines: [&[u8]; 1] = [b"x-a;x-b"];
    let req = preflight(ORIGIN, "GET", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::InvalidHeader(b"x-a;x-b")));
}

#[test]
fn under_a_list_an_unknown_name_is_refused_before_the_rest_is_parsed() {
    let p = strict();
    let lines: [&[u8]; 2] = [b"x-unknown, \x00not a token", b"\xff\xfe"];
    let req = preflight(ORIGIN, "PUT", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::HeaderNotAllowed(b"x-unknown")));
}

#[test]
fn under_a_list_a_header_list_longer_than_the_policy_could_need_is_refused() {
    let p = strict();
    // Allowed names content-type (12) and authorization (13): 2 * (14 + 15) + 64 = 122 bytes.
    let line = b"content-type,".repeat(10);
    let lines = [&line[..]];
    let req = preflight(ORIGIN, "PUT", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::HeadersTooLong { len: 130, limit: 122 }));
    assert_eq!(
        reason(&decision),
        "Access-Control-Request-Headers is 130 bytes long, over the 122-byte limit for this policy"
    );
}

/// Found by the middleware-against-browser property (issue 13): a page setting a few headers
/// the policy does not list makes the browser send a list longer than the policy could grant.
/// Refused as hostile (403, no header), the browser said the *origin* was not allowed; the
/// refusal names the first header the policy does not allow instead, like a shorter list's.
#[test]
fn under_a_list_a_browsers_long_list_names_the_first_header_not_allowed() {
    let p = strict();
    // 122 bytes could be granted (content-type and authorization); the browser sends 131.
    let line = b"accept-language,authorization,content-language,content-type,x-api-key,x-requested-with,x-trace-id,x-correlation-id-with-a-long-name";
    assert!(line.len() > 122);
    let lines = [&line[..]];
    let req = preflight(ORIGIN, "PUT", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::HeaderNotAllowed(b"accept-language")));
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE, PATCH"),
            ("access-control-allow-headers", "content-type, authorization"),
        ])
    );
    assert_eq!(decision.action(), Action::Respond { status: 204 });

    // With no header allowed at all (a 64-byte bound), the same for 73 bytes.
    let bare = build(Policy::builder().allow_origin(ORIGIN).allow_methods(["PUT"]));
    let line = b"accept-language,authorization,content-language,x-api-key,x-requested-with";
    assert!(line.len() > 64);
    let lines = [&line[..]];
    let decision = bare.decide(&preflight(ORIGIN, "PUT", &lines));
    assert_eq!(decision.refusal(), Some(Refusal::HeaderNotAllowed(b"accept-language")));
    assert_eq!(decision.action(), Action::Respond { status: 204 });
    assert_eq!(
        reason(&decision),
        "request header \"accept-language\" is not allowed (allowed: only CORS-safelisted headers)"
    );
}

#[test]
fn under_any_header_257_items_are_refused_and_256_allowed() {
    let p = open();
    let list = |n: usize| (0..n).map(|i| format!("x-{i}")).collect::<Vec<_>>().join(",");
    let ok = list(256);
    let lines = [ok.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    assert!(p.decide(&req).is_allowed());

    let too_many = list(257);
    let lines = [too_many.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::TooManyHeaders { limit: 256 }));
    assert_eq!(headers(&decision), []);
    assert_eq!(reason(&decision), "Access-Control-Request-Headers lists more than 256 names");

    // Counted over every line, empty items aside.
    let half = format!("{},,", list(200));
    let lines = [half.as_bytes(), half.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::TooManyHeaders { limit: 256 }));
}

#[test]
fn under_a_list_longer_than_256_names_a_request_for_all_of_them_is_allowed() {
    let names: Vec<String> = (0..300).map(|i| format!("x-h{i}")).collect();
    let p = build(Policy::builder().allow_origin(ORIGIN).allow_headers(names.iter().cloned()));
    let all = names.join(",");
    let lines = [all.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = p.decide(&req);
    assert!(decision.is_allowed(), "{:?}", decision.reason().map(|r| r.to_string()));
    // One more item than the policy has names is still refused.
    let more = format!("{all},x-h0");
    let lines = [more.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::TooManyHeaders { limit: 300 }));
}

#[test]
fn under_any_header_more_than_16_kib_is_refused() {
    let p = open();
    let exactly = "a".repeat(16 * 1024);
    let lines = [exactly.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    assert!(p.decide(&req).is_allowed());

    let over = "a".repeat(16 * 1024 + 1);
    let lines = [over.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = p.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::HeadersTooLong { len: 16_385, limit: 16_384 }));
    assert_eq!(
        reason(&decision),
        "Access-Control-Request-Headers is 16385 bytes long, over the 16384-byte limit for this policy"
    );
    // Measured over every line together.
    let half = "b".repeat(8 * 1024 + 1);
    let lines = [half.as_bytes(), half.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    assert_eq!(p.decide(&req).refusal(), Some(Refusal::HeadersTooLong { len: 16_386, limit: 16_384 }));
}

// ---------------------------------------------------------------------------------------------
// Several lines, invalid tokens

#[test]
fn several_origin_lines_are_never_granted() {
    for p in [strict(), open()] {
        for (method, acrm) in [(&b"GET"[..], Field::Absent), (b"OPTIONS", Field::One(b"GET"))] {
            let req = request(method, Field::Several, acrm, &[], false);
            let decision = p.decide(&req);
            assert!(!decision.is_allowed());
            assert_eq!(decision.refusal(), Some(Refusal::SeveralOrigins));
            assert_eq!(headers(&decision), []);
            assert_eq!(reason(&decision), "the request has several Origin header lines");
        }
    }
}

#[test]
fn several_request_method_lines_are_refused() {
    let req = request(b"OPTIONS", Field::One(ORIGIN.as_bytes()), Field::Several, &[], false);
    let p = strict();
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Preflight);
    assert_eq!(decision.refusal(), Some(Refusal::SeveralRequestMethods));
    assert_eq!(headers(&decision), []);
    assert_eq!(reason(&decision), "the request has several Access-Control-Request-Method header lines");
}

#[test]
fn invalid_method_token_is_refused() {
    let p = build(Policy::builder().allow_origin(ORIGIN).allow_any_method());
    for method in ["GE T", "", "GET\r\nX: y", "(GET)"] {
        let req = preflight(ORIGIN, method, &[]);
        let decision = p.decide(&req);
        assert_eq!(decision.refusal(), Some(Refusal::InvalidMethod(method.as_bytes())), "{method:?}");
        assert_eq!(headers(&decision), []);
    }
    let req = preflight(ORIGIN, "GET\r\nX: \"y\"", &[]);
    assert_eq!(
        reason(&p.decide(&req)),
        "Access-Control-Request-Method \"GET\\x0d\\x0aX: \\\"y\\\"\" is not a method name"
    );
}

// ---------------------------------------------------------------------------------------------
// Private network access

#[test]
fn private_network_granted_only_when_enabled_and_requested() {
    let enabled = build(Policy::builder().allow_origin(ORIGIN).allow_private_network(true));
    let disabled = build(Policy::builder().allow_origin(ORIGIN));
    let asked = request(b"OPTIONS", Field::One(ORIGIN.as_bytes()), Field::One(b"GET"), &[], true);
    let not_asked = request(b"OPTIONS", Field::One(ORIGIN.as_bytes()), Field::One(b"GET"), &[], false);

    let decision = enabled.decide(&asked);
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-allow-methods", "GET"),
            ("access-control-allow-private-network", "true"),
        ])
    );
    let all = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
    ];
    assert_eq!(vary(&decision), all);

    let decision = enabled.decide(&not_asked);
    assert_eq!(
        headers(&decision),
        h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET")])
    );
    assert_eq!(vary(&decision), all);

    // Not enabled: the request header is ignored and the preflight is answered on its CORS merits.
    for req in [&asked, &not_asked] {
        let decision = disabled.decide(req);
        assert!(decision.is_allowed());
        assert_eq!(
            headers(&decision),
            h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET")])
        );
        assert_eq!(vary(&decision), &all[..3]);
    }

    // Refused preflights get nothing, private network or not.
    let refused = request(b"OPTIONS", Field::One(b"https://evil.example"), Field::One(b"GET"), &[], true);
    assert_eq!(headers(&enabled.decide(&refused)), []);

    // Actual requests never get the private network header.
    let actual_asked = request(b"GET", Field::One(ORIGIN.as_bytes()), Field::Absent, &[], true);
    let decision = enabled.decide(&actual_asked);
    assert_eq!(headers(&decision), h(&[("access-control-allow-origin", ORIGIN)]));
    assert_eq!(vary(&decision), ["Origin"]);
}

// ---------------------------------------------------------------------------------------------
// Actual requests

#[test]
fn allowed_actual_request_gets_origin_credentials_and_exposed_headers_only() {
    let p = strict();
    let req = actual("https://eu.app.example");
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Actual);
    assert!(decision.is_allowed());
    assert_eq!(
        headers(&decision),
        h(&[
            ("access-control-allow-origin", "https://eu.app.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-expose-headers", "x-request-id, x-trace"),
        ])
    );
    assert_eq!(vary(&decision), ["Origin"]);
    assert!(std::ptr::eq(decision.policy().unwrap(), &p));

    // An actual request that happens to carry preflight headers gets no preflight headers.
    let lines: [&[u8]; 1] = [b"content-type"];
    let req = request(b"PUT", Field::One(ORIGIN.as_bytes()), Field::One(b"PUT"), &lines, true);
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Actual);
    assert_eq!(headers(&decision).len(), 3);
    assert_eq!(vary(&decision), ["Origin"]);
}

#[test]
fn allowed_actual_request_from_any_origin() {
    let p = open();
    let req = actual("https://anyone.example");
    let decision = p.decide(&req);
    assert_eq!(
        headers(&decision),
        h(&[("access-control-allow-origin", "*"), ("access-control-expose-headers", "*")])
    );
    assert_eq!(decision.vary(), Vary::NONE);

    let minimal = build(Policy::builder().allow_origin(ORIGIN));
    let req = actual(ORIGIN);
    assert_eq!(headers(&minimal.decide(&req)), h(&[("access-control-allow-origin", ORIGIN)]));
}

#[test]
fn refused_actual_request_gets_no_headers() {
    let p = strict();
    let req = actual("https://app.example.evil.net");
    let decision = p.decide(&req);
    assert_eq!(decision.kind(), RequestKind::Actual);
    assert!(!decision.is_allowed());
    assert_eq!(decision.refusal(), Some(Refusal::OriginNotAllowed(b"https://app.example.evil.net")));
    assert_eq!(headers(&decision), []);
    assert_eq!(vary(&decision), ["Origin"]);
}

// ---------------------------------------------------------------------------------------------
// Reasons and client values

#[test]
fn origin_refusal_reasons() {
    let none = build(Policy::builder());
    let req = actual("https://a.example");
    assert_eq!(reason(&none.decide(&req)), "origin \"https://a.example\" is not allowed (allowed: none)");

    let req = actual("null");
    let p = strict();
    assert_eq!(
        reason(&p.decide(&req)),
        "origin \"null\" is not allowed (it needs the allow-null-origin setting)"
    );

    let predicate = build(Policy::builder().allow_origin_fn(|o| o.host() == "b.example"));
    let req = actual("https://a.example");
    assert_eq!(
        reason(&predicate.decide(&req)),
        "origin \"https://a.example\" is not allowed (allowed: origins the predicate accepts)"
    );
    let both = build(Policy::builder().allow_origin(ORIGIN).allow_origin_fn(|o| o.host() == "b.example"));
    assert_eq!(
        reason(&both.decide(&req)),
        "origin \"https://a.example\" is not allowed (allowed: https://app.example, and origins the predicate accepts)"
    );

    let six = build(Policy::builder().allow_origins((1..=6).map(|i| format!("https://{i}.example"))));
    assert_eq!(
        reason(&six.decide(&req)),
        "origin \"https://a.example\" is not allowed (allowed: https://1.example, https://2.example and 4 more)"
    );
    let five = build(Policy::builder().allow_origins((1..=5).map(|i| format!("https://{i}.example"))));
    assert_eq!(
        reason(&five.decide(&req)),
        "origin \"https://a.example\" is not allowed (allowed: https://1.example, https://2.example, \
         https://3.example, https://4.example, https://5.example)"
    );
}

#[test]
fn client_values_in_reasons_are_escaped_and_truncated() {
    let p = strict();
    let hostile = b"https://evil\n\"x\"\\\x1b[31m\xff.example";
    let req = request(b"GET", Field::One(hostile), Field::Absent, &[], false);
    assert_eq!(
        reason(&p.decide(&req)),
        "origin \"https://evil\\x0a\\\"x\\\"\\\\\\x1b[31m\\xff.example\" is not allowed (allowed: https://app.example, \
         https://*.app.example)"
    );

    let long = format!("https://{}.example", "a".repeat(300));
    let req = actual(&long);
    let shown = reason(&p.decide(&req));
    assert_eq!(
        shown,
        format!(
            "origin \"https://{}... (316 bytes)\" is not allowed (allowed: https://app.example, https://*.app.example)",
            "a".repeat(MAX_SHOWN - "https://".len())
        )
    );

    let name = format!("x-{}", "\u{7f}".repeat(200));
    let any = open();
    let lines = [name.as_bytes()];
    let req = preflight(ORIGIN, "GET", &lines);
    let decision = any.decide(&req);
    assert_eq!(decision.refusal(), Some(Refusal::InvalidHeader(name.as_bytes())));
    assert_eq!(
        reason(&decision),
        format!(
            "Access-Control-Request-Headers lists \"x-{}... (202 bytes)\", which is not a header name",
            "\\x7f".repeat(MAX_SHOWN - 2)
        )
    );
}

#[test]
fn client_value_display() {
    assert_eq!(ClientValue(b"plain value").to_string(), "plain value");
    assert_eq!(ClientValue(b"").to_string(), "");
    assert_eq!(ClientValue(b"a\"b\\c").to_string(), "a\\\"b\\\\c");
    assert_eq!(ClientValue(b"\r\n\t\x00\x7f\x80\xff").to_string(), "\\x0d\\x0a\\x09\\x00\\x7f\\x80\\xff");
    assert_eq!(ClientValue("é".as_bytes()).to_string(), "\\xc3\\xa9");
    let exactly = vec![b'z'; MAX_SHOWN];
    assert_eq!(ClientValue(&exactly).to_string(), "z".repeat(MAX_SHOWN));
    let over = vec![b'z'; MAX_SHOWN + 1];
    assert_eq!(ClientValue(&over).to_string(), format!("{}... (129 bytes)", "z".repeat(MAX_SHOWN)));
}

#[test]
fn cors_header_names() {
    let all = [
        (CorsHeader::AllowOrigin, "access-control-allow-origin"),
        (CorsHeader::AllowCredentials, "access-control-allow-credentials"),
        (CorsHeader::ExposeHeaders, "access-control-expose-headers"),
        (CorsHeader::AllowMethods, "access-control-allow-methods"),
        (CorsHeader::AllowHeaders, "access-control-allow-headers"),
        (CorsHeader::MaxAge, "access-control-max-age"),
        (CorsHeader::AllowPrivateNetwork, "access-control-allow-private-network"),
    ];
    for (i, (header, name)) in all.into_iter().enumerate() {
        assert_eq!(header.as_str(), name);
        assert_eq!((header.index(), CorsHeader::ALL[i]), (i, header));
    }
}

// ---------------------------------------------------------------------------------------------
// The complete answer: where it is made, its status and body

#[test]
fn preflights_are_answered_here_with_the_configured_status() {
    let p = strict();
    assert_eq!(p.decide(&preflight(ORIGIN, "PUT", &[])).action(), Action::Respond { status: 204 });
    let p200 = build(Policy::builder().allow_origin(ORIGIN).preflight_status(200));
    assert_eq!(p200.decide(&preflight(ORIGIN, "GET", &[])).action(), Action::Respond { status: 200 });
    // Refused: 403, whatever the success status.
    assert_eq!(
        p200.decide(&preflight("https://evil.example", "GET", &[])).action(),
        Action::Respond { status: REFUSED_STATUS }
    );
    assert_eq!(REFUSED_STATUS, 403);
    // Passed on to the handler, granted or not.
    let cont = build(Policy::builder().allow_origin(ORIGIN).preflight_continue(true));
    assert_eq!(cont.decide(&preflight(ORIGIN, "GET", &[])).action(), Action::Forward);
    assert_eq!(cont.decide(&preflight("https://evil.example", "GET", &[])).action(), Action::Forward);
}

#[test]
fn actual_requests_are_passed_on_unless_blocking_refuses_them() {
    let p = strict();
    assert_eq!(p.decide(&actual(ORIGIN)).action(), Action::Forward);
    assert_eq!(p.decide(&actual("https://evil.example")).action(), Action::Forward);
    let blocking = build(Policy::builder().allow_origin(ORIGIN).block_disallowed(true));
    assert_eq!(blocking.decide(&actual(ORIGIN)).action(), Action::Forward);
    let refused = blocking.decide(&actual("https://evil.example"));
    assert_eq!(refused.action(), Action::Respond { status: 403 });
    assert_eq!(headers(&refused), []);
    assert_eq!(vary(&refused), ["Origin"]);
    // Blocking is for origins: a request without one is not CORS and always passes.
    let no_origin = request(b"GET", Field::Absent, Field::Absent, &[], false);
    assert_eq!(blocking.decide(&no_origin).action(), Action::Forward);
}

#[test]
fn the_body_carries_the_reason_only_in_debug_mode_and_only_for_refused_preflights() {
    let quiet = strict();
    assert_eq!(quiet.decide(&preflight("https://evil.example", "PUT", &[])).body(), None);
    let debug = build(Policy::builder().allow_origin(ORIGIN).debug(true));
    let refused = debug.decide(&preflight("https://evil.example", "PUT", &[]));
    assert_eq!(
        refused.body().as_deref(),
        Some("CORS preflight refused: origin \"https://evil.example\" is not allowed (allowed: https://app.example)\n")
    );
    assert_eq!(BODY_CONTENT_TYPE, "text/plain; charset=utf-8");
    // Granted preflights and actual requests have no body of ours.
    assert_eq!(debug.decide(&preflight(ORIGIN, "GET", &[])).body(), None);
    assert_eq!(debug.decide(&actual("https://evil.example")).body(), None);
}

#[test]
fn a_disabled_handler_refuses_preflights_bare_and_leaves_the_rest_alone() {
    let req = preflight(ORIGIN, "GET", &[]);
    let d = Decision::disabled(&req);
    assert_eq!(d.kind(), RequestKind::Preflight);
    assert_eq!(d.action(), Action::Respond { status: 403 });
    assert_eq!(d.refusal(), Some(Refusal::Disabled));
    assert_eq!(d.reason().unwrap().to_string(), "CORS is disabled for this handler");
    assert_eq!(headers(&d), []);
    assert_eq!(d.vary(), Vary::NONE);
    assert!(d.policy().is_none());
    assert!(!d.is_allowed());
    for req in [actual(ORIGIN), request(b"GET", Field::Absent, Field::Absent, &[], false)] {
        let d = Decision::disabled(&req);
        assert_eq!(d.action(), Action::Forward);
        assert_eq!(d.refusal(), None);
        // Found by fuzz/decision: an actual request from any origin was "allowed", though its
        // answer carries no CORS header and no other origin's page can read it.
        assert!(!d.is_allowed(), "{:?}", d.kind());
        assert_eq!(headers(&d), []);
        assert_eq!(d.vary(), Vary::NONE);
    }
}

// ---------------------------------------------------------------------------------------------
// Every refusal class's complete answer (SPEC section 3): status, each header, Vary, body

/// A refused preflight's whole answer: status, headers, body.
fn answer(
    policy: &Policy,
    req: &cors_core::CorsRequest<'_, common::Lines<'_>>,
) -> (u16, Vec<(&'static str, String)>, Option<String>) {
    let d = policy.decide(req);
    let status = match d.action() {
        Action::Respond { status } => status,
        Action::Forward => panic!("a preflight is answered here"),
    };
    let mut expected = vec!["Access-Control-Request-Method", "Access-Control-Request-Headers"];
    if policy.varies_by_origin() {
        expected.insert(0, "Origin");
    }
    assert_eq!(vary(&d), expected, "every preflight varies on what it asked");
    (status, headers(&d), d.body())
}

#[test]
fn refused_for_the_origin_or_as_hostile_403_and_nothing_else() {
    let p = build(
        Policy::builder().allow_origin(ORIGIN).allow_methods(["PUT"]).allow_credentials(true).debug(true),
    );
    let json: [&[u8]; 1] = [b"content-type"];
    // Over the hostile bound: refused before it is parsed. (A shorter list naming headers the
    // policy does not allow is a browser's, and is answered naming the first of them.)
    let long = vec![b'a'; 16 * 1024 + 1];
    let long_lines: [&[u8]; 1] = [&long];
    let cases: Vec<(&str, cors_core::CorsRequest<'_, common::Lines<'_>>, &str)> = vec![
        (
            "origin",
            preflight("https://evil.example", "PUT", &json),
            "origin \"https://evil.example\" is not allowed (allowed: https://app.example)",
        ),
        (
            "null",
            preflight("null", "PUT", &[]),
            "origin \"null\" is not allowed (it needs the allow-null-origin setting)",
        ),
        (
            "several origins",
            request(b"OPTIONS", Field::Several, Field::One(b"PUT"), &[], false),
            "the request has several Origin header lines",
        ),
        (
            "method not a token",
            preflight(ORIGIN, "P T", &[]),
            "Access-Control-Request-Method \"P T\" is not a method name",
        ),
        (
            "several methods",
            request(b"OPTIONS", Field::One(ORIGIN.as_bytes()), Field::Several, &[], false),
            "the request has several Access-Control-Request-Method header lines",
        ),
        (
            "header not a token",
            {
                const L: [&[u8]; 1] = [b"x a"];
                preflight(ORIGIN, "PUT", &L)
            },
            "Access-Control-Request-Headers lists \"x a\", which is not a header name",
        ),
        (
            "list too long",
            preflight(ORIGIN, "PUT", &long_lines),
            "Access-Control-Request-Headers is 16385 bytes long, over the 16384-byte limit for this policy",
        ),
    ];
    for (what, req, reason) in cases {
        let (status, written, body) = answer(&p, &req);
        assert_eq!((status, written), (403, vec![]), "{what}");
        assert_eq!(body.as_deref(), Some(format!("CORS preflight refused: {reason}\n").as_str()), "{what}");
    }
}

#[test]
fn refused_for_the_method_or_a_header_the_browser_can_name_it() {
    // (policy, preflight method, requested headers, expected headers)
    let list = build(
        Policy::builder()
            .allow_origin(ORIGIN)
            .allow_methods(["PUT"])
            .allow_headers(["content-type", "x-app"])
            .allow_credentials(true)
            .max_age(600),
    );
    let any = build(Policy::builder().allow_any_origin().allow_any_method().allow_any_header().max_age(600));
    let defaults = build(Policy::builder().allow_origin(ORIGIN));
    let grant = |creds: bool| {
        let mut g = vec![("access-control-allow-origin", ORIGIN)];
        if creds {
            g.push(("access-control-allow-credentials", "true"));
        }
        g
    };
    type Case<'p> =
        (&'static str, &'p Policy, &'static str, &'static [u8], Vec<(&'static str, &'static str)>);
    let cases: Vec<Case<'_>> = vec![
        (
            "method, lists",
            &list,
            "DELETE",
            b"content-type",
            [
                grant(true),
                vec![
                    ("access-control-allow-methods", "GET, HEAD, POST, PUT"),
                    ("access-control-allow-headers", "content-type, x-app"),
                ],
            ]
            .concat(),
        ),
        (
            "header, lists",
            &list,
            "PUT",
            b"x-app, x-api-key",
            [
                grant(true),
                vec![
                    ("access-control-allow-methods", "GET, HEAD, POST, PUT"),
                    ("access-control-allow-headers", "content-type, x-app"),
                ],
            ]
            .concat(),
        ),
        (
            "JSON under the default headers",
            &defaults,
            "POST",
            b"content-type",
            [grant(false), vec![("access-control-allow-methods", "GET, HEAD, POST")]].concat(),
        ),
        (
            "Authorization under *: what was asked, less it",
            &any,
            "PUT",
            b"x-a, Authorization, x-b",
            vec![
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-allow-headers", "x-a, x-b"),
            ],
        ),
        (
            "* as the method under any method: nothing to list",
            &any,
            "*",
            b"x-a",
            vec![("access-control-allow-origin", "*"), ("access-control-allow-headers", "x-a")],
        ),
    ];
    for (what, policy, method, asked, expected) in cases {
        let lines = [asked];
        let req = preflight(ORIGIN, method, &lines);
        let d = policy.decide(&req);
        assert!(!d.is_allowed(), "{what}");
        assert!(
            matches!(d.refusal(), Some(Refusal::MethodNotAllowed(_) | Refusal::HeaderNotAllowed(_))),
            "{what}"
        );
        let (status, written, body) = answer(policy, &req);
        // The grant's status, no max age, no body at 204.
        assert_eq!(status, 204, "{what}");
        assert_eq!(written, h(&expected), "{what}");
        assert_eq!(body, None, "{what}");
    }
    // With 200 as the preflight status and debug on, the reason goes in the body.
    let debug200 = build(Policy::builder().allow_origin(ORIGIN).preflight_status(200).debug(true));
    let lines: [&[u8]; 1] = [b"x-api-key"];
    let (status, written, body) = answer(&debug200, &preflight(ORIGIN, "POST", &lines));
    assert_eq!(status, 200);
    assert_eq!(
        written,
        h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET, HEAD, POST")])
    );
    assert_eq!(
        body.as_deref(),
        Some("CORS preflight refused: request header \"x-api-key\" is not allowed (allowed: only CORS-safelisted headers)\n")
    );
    // Passed on to the handler, the same headers go on its response.
    let cont = build(Policy::builder().allow_origin(ORIGIN).preflight_continue(true));
    let d = cont.decide(&preflight(ORIGIN, "PUT", &[]));
    assert_eq!(d.action(), Action::Forward);
    assert_eq!(
        headers(&d),
        h(&[("access-control-allow-origin", ORIGIN), ("access-control-allow-methods", "GET, HEAD, POST")])
    );
}
