//! SPEC section 7, the browser's side: each rule of the Fetch standard's CORS check,
//! CORS-preflight fetch and HTTP-redirect fetch that `cors_core::client` implements, one test
//! per rule, asserting the verdict and its reason.

use cors_core::client::{
    check_preflight, cors_check, cors_unsafe_request_header_names, follow_redirect,
    is_cors_safelisted_method, is_cors_safelisted_request_header, preflight_notes, CorsCheckFailure,
    CredentialsMode, ExchangeKind, Fetch, Note, Outgoing, PageRequest, Reason, Report, Response, Tainting,
    Url, UrlError, UsageError, Verdict, Wildcard, MAX_REDIRECTS,
};

const APP: &str = "https://app.example";
const API: &str = "https://api.example/items";

fn page(method: &str, headers: &[(&str, &str)], credentials: bool) -> PageRequest {
    let mut b = PageRequest::builder(APP, API).method(method);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    if credentials {
        b = b.credentials(CredentialsMode::Include);
    }
    b.build().expect("a valid page request")
}

fn usage(b: cors_core::client::PageRequestBuilder) -> Vec<UsageError> {
    b.build().expect_err("fetch() refuses this").0
}

/// A response that passes the CORS check for APP, with credentials allowed.
fn granted(status: u16) -> Response {
    Response::new(status)
        .header("Access-Control-Allow-Origin", APP)
        .header("Access-Control-Allow-Credentials", "true")
}

/// Runs the fetch against canned responses; panics if it sends more requests than given.
fn run(request: PageRequest, responses: Vec<Response>) -> Report {
    let mut responses = responses.into_iter();
    Fetch::run(request, |_: &Outgoing| Ok::<_, ()>(responses.next().expect("an unexpected extra request")))
        .expect("no send error")
}

fn reason(report: &Report) -> &Reason {
    report.verdict.reason().unwrap_or_else(|| panic!("expected a block, got {:?}", report.verdict))
}

fn preflight_reason(request: &PageRequest, response: Response) -> Reason {
    check_preflight(request, &response).expect_err("the preflight fails")
}

fn hv<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a [u8])> {
    pairs.iter().map(|(n, v)| (*n, v.as_bytes())).collect()
}

// ---------------------------------------------------------------------------------------------
// What fetch() refuses before sending anything (usage errors)

#[test]
fn the_origin_must_be_written_as_browsers_send_it() {
    let errors = usage(PageRequest::builder("https://app.example/", API));
    let [UsageError::InvalidOrigin { why, .. }] = errors.as_slice() else { panic!("{errors:?}") };
    assert!(why.contains("browsers send \"https://app.example\""), "{why}");
    for bad in ["app.example", "https://APP.example", "https://app.example:443", "https://app.example/x"] {
        assert!(
            matches!(usage(PageRequest::builder(bad, API))[..], [UsageError::InvalidOrigin { .. }]),
            "{bad}"
        );
    }
    // An opaque origin (a sandboxed iframe, a file:// page) sends `null`.
    assert!(PageRequest::builder("null", API).build().is_ok());
}

#[test]
fn the_url_must_be_http_or_https_without_credentials() {
    assert!(matches!(
        &usage(PageRequest::builder(APP, "ftp://api.example/x"))[..],
        [UsageError::UnsupportedScheme { scheme, .. }] if scheme == "ftp"
    ));
    assert!(matches!(
        usage(PageRequest::builder(APP, "https://u:p@api.example/"))[..],
        [UsageError::UrlWithCredentials { .. }]
    ));
    assert!(matches!(usage(PageRequest::builder(APP, "/items"))[..], [UsageError::InvalidUrl { .. }]));
    assert!(matches!(
        usage(PageRequest::builder(APP, "https://api.example:99999/"))[..],
        [UsageError::InvalidUrl { .. }]
    ));
}

#[test]
fn forbidden_and_invalid_methods_are_usage_errors() {
    for m in ["CONNECT", "trace", "Track"] {
        assert!(
            matches!(
                usage(PageRequest::builder(APP, API).method(m))[..],
                [UsageError::ForbiddenMethod { .. }]
            ),
            "{m}"
        );
    }
    assert!(matches!(
        usage(PageRequest::builder(APP, API).method("GE T"))[..],
        [UsageError::InvalidMethod { .. }]
    ));
}

#[test]
fn the_six_methods_are_upper_cased_and_others_kept_as_written() {
    for (given, sent) in [
        ("put", "PUT"),
        ("Delete", "DELETE"),
        ("get", "GET"),
        ("options", "OPTIONS"),
        ("patch", "patch"),
        ("PATCH", "PATCH"),
    ] {
        let r = PageRequest::builder(APP, API).method(given).build().unwrap();
        assert_eq!(r.method(), sent);
    }
}

#[test]
fn forbidden_request_headers_are_usage_errors() {
    for name in [
        "Cookie",
        "Host",
        "Origin",
        "Referer",
        "Sec-Fetch-Mode",
        "Proxy-Authorization",
        "Access-Control-Request-Method",
        "content-length",
    ] {
        let errors = usage(PageRequest::builder(APP, API).header(name, "x"));
        assert!(
            matches!(&errors[..], [UsageError::ForbiddenHeader { name: n }] if n == name),
            "{name}: {errors:?}"
        );
    }
    let errors = usage(PageRequest::builder(APP, API).header("Origin", "https://evil.example"));
    assert!(errors[0].to_string().contains("the browser sets Origin itself"), "{}", errors[0]);
}

#[test]
fn a_method_override_header_naming_a_forbidden_method_is_forbidden() {
    let errors = usage(PageRequest::builder(APP, API).header("X-HTTP-Method-Override", "GET, trace"));
    assert!(matches!(&errors[..], [UsageError::ForbiddenMethodOverride { method, .. }] if method == "trace"));
    assert!(PageRequest::builder(APP, API).header("X-HTTP-Method-Override", "PATCH").build().is_ok());
}

#[test]
fn header_names_must_be_tokens_and_values_free_of_nul_cr_lf() {
    assert!(matches!(
        usage(PageRequest::builder(APP, API).header("X Key", "v"))[..],
        [UsageError::InvalidHeaderName { .. }]
    ));
    assert!(matches!(
        usage(PageRequest::builder(APP, API).header("X-Key", "a\r\nb"))[..],
        [UsageError::InvalidHeaderValue { .. }]
    ));
}

#[test]
fn every_usage_error_is_reported_at_once() {
    let errors = usage(
        PageRequest::builder("https://app.example/", "ftp://x/")
            .method("TRACE")
            .header("Cookie", "a=b")
            .header("X Y", "z"),
    );
    assert_eq!(errors.len(), 5, "{errors:?}");
}

#[test]
fn header_values_are_trimmed_repeated_names_combined_and_accept_defaulted() {
    let r = page("GET", &[("X-A", "  one \t"), ("x-a", "two"), ("Content-Language", "en")], false);
    let headers: Vec<(&str, &[u8])> =
        r.headers().iter().map(|h| (h.name.as_str(), h.value.as_slice())).collect();
    assert_eq!(headers, [("X-A", &b"one, two"[..]), ("Content-Language", b"en"), ("Accept", b"*/*")]);
    // A page's own Accept replaces the default.
    let r = page("GET", &[("Accept", "application/json")], false);
    assert_eq!(r.headers().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Whether a preflight is needed

#[test]
fn a_same_origin_request_gets_no_preflight_and_no_cors_check() {
    let r = PageRequest::builder(APP, "https://app.example/api")
        .method("PUT")
        .header("X-Api-Key", "k")
        .build()
        .unwrap();
    assert_eq!(r.tainting(), Tainting::Basic);
    assert!(!r.needs_preflight());
    // Origin goes on a same-origin PUT, not on a same-origin GET.
    assert_eq!(r.actual_request().header("origin"), Some(APP.as_bytes()));
    let get = PageRequest::builder(APP, "https://app.example/api").build().unwrap();
    assert_eq!(get.actual_request().header("origin"), None);
    // No CORS header needed at all.
    let report = run(r, vec![Response::new(200)]);
    assert!(matches!(&report.verdict, Verdict::Allowed(a) if !a.cors && a.status == 200));
    // Another port or scheme is another origin.
    assert_eq!(
        PageRequest::builder(APP, "https://app.example:8443/").build().unwrap().tainting(),
        Tainting::Cors
    );
    assert_eq!(PageRequest::builder(APP, "http://app.example/").build().unwrap().tainting(), Tainting::Cors);
}

#[test]
fn only_get_head_and_post_are_cors_safelisted_methods() {
    for m in ["GET", "HEAD", "POST"] {
        assert!(is_cors_safelisted_method(m));
        assert!(!page(m, &[], false).needs_preflight(), "{m}");
    }
    for m in ["PUT", "DELETE", "PATCH", "patch", "OPTIONS", "QUERY"] {
        assert!(!is_cors_safelisted_method(m));
        assert!(page(m, &[], false).needs_preflight(), "{m}");
    }
    assert!(!is_cors_safelisted_method("get"), "compared after normalisation, byte for byte");
}

#[test]
fn content_type_is_safelisted_only_for_its_three_essences() {
    for v in [
        "text/plain",
        "TEXT/Plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=----x",
        " text/plain ; charset=utf-8",
    ] {
        assert!(is_cors_safelisted_request_header("Content-Type", v.as_bytes()), "{v}");
    }
    for v in [
        "application/json",
        "text/html",
        "text/plain; charset=\"utf-8\"", // `"` is a CORS-unsafe request-header byte
        "text/plain; a=(b)",
        "text/",
        "text",
        "text /plain",
    ] {
        assert!(!is_cors_safelisted_request_header("content-type", v.as_bytes()), "{v}");
    }
    assert!(page("POST", &[("Content-Type", "application/json")], false).needs_preflight());
    assert!(!page("POST", &[("Content-Type", "text/plain;charset=UTF-8")], false).needs_preflight());
}

#[test]
fn accept_is_safelisted_unless_its_value_has_an_unsafe_byte() {
    assert!(is_cors_safelisted_request_header("Accept", b"application/json, text/*;q=0.9"));
    for v in ["a{b}", "x:y", "a\"b", "<x>", "a@b", "a\x01b"] {
        assert!(!is_cors_safelisted_request_header("Accept", v.as_bytes()), "{v:?}");
    }
    assert!(is_cors_safelisted_request_header("Accept", b"a\tb"), "tab is not unsafe");
}

#[test]
fn accept_language_and_content_language_allow_only_language_bytes() {
    for name in ["Accept-Language", "content-language"] {
        assert!(is_cors_safelisted_request_header(name, b"en-US,en;q=0.9, *"));
        for v in ["en_US", "en/US", "fr!", "\u{e9}"] {
            assert!(!is_cors_safelisted_request_header(name, v.as_bytes()), "{name}: {v}");
        }
    }
}

#[test]
fn a_safelisted_header_value_over_128_bytes_is_unsafe() {
    let at_limit = format!("text/plain;a={}", "x".repeat(128 - 13));
    assert_eq!(at_limit.len(), 128);
    assert!(is_cors_safelisted_request_header("Content-Type", at_limit.as_bytes()));
    let over = format!("{at_limit}x");
    assert!(!is_cors_safelisted_request_header("Content-Type", over.as_bytes()));
    assert_eq!(cors_unsafe_request_header_names(hv(&[("Content-Type", &over)])), ["content-type"]);
}

#[test]
fn safelisted_values_over_1024_bytes_together_make_every_safelisted_header_unsafe() {
    let v = "a".repeat(128);
    let nine: Vec<(String, &str)> = (0..9).map(|_| ("Accept".to_string(), v.as_str())).collect();
    // Nine 128-byte values: 1152 bytes.
    let headers: Vec<(&str, &[u8])> = nine.iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
    assert_eq!(cors_unsafe_request_header_names(headers.clone()), ["accept"]);
    // Eight: exactly 1024 bytes, still safelisted.
    assert!(cors_unsafe_request_header_names(headers[..8].to_vec()).is_empty());
    // Eight plus two bytes of Content-Language: over, so both names join the unsafe ones.
    let mut over = headers[..8].to_vec();
    over.push(("Content-Language", b"en"));
    over.push(("X-Small", b"1"));
    assert_eq!(cors_unsafe_request_header_names(over), ["accept", "content-language", "x-small"]);
    // Through a PageRequest, repeated names are combined into one line first, so such a list
    // already fails the 128-byte rule.
    let mut b = PageRequest::builder(APP, API);
    for _ in 0..2 {
        b = b.header("Accept", "a".repeat(100));
    }
    assert_eq!(b.build().unwrap().cors_unsafe_header_names(), ["accept"]);
}

#[test]
fn range_is_safelisted_only_for_one_range_with_a_start() {
    for v in ["bytes=0-499", "bytes=500-", "bytes=5-5", "bytes=007-10"] {
        assert!(is_cors_safelisted_request_header("Range", v.as_bytes()), "{v}");
    }
    for v in [
        "bytes=-500",
        "bytes=5-1",
        "bytes=0-1,2-3",
        "Bytes=0-1",
        "bytes = 0-1",
        "bytes=-",
        "items=0-1",
        "bytes=0-1 ",
    ] {
        assert!(!is_cors_safelisted_request_header("Range", v.as_bytes()), "{v}");
    }
}

#[test]
fn every_other_request_header_is_cors_unsafe() {
    for name in ["X-Api-Key", "Authorization", "Cache-Control", "If-None-Match", "Content-Encoding"] {
        assert!(!is_cors_safelisted_request_header(name, b"x"), "{name}");
        assert!(page("GET", &[(name, "x")], false).needs_preflight(), "{name}");
    }
}

#[test]
fn the_preflight_lists_unsafe_names_lower_cased_sorted_once_without_spaces() {
    let r = page(
        "POST",
        &[("X-Zeta", "1"), ("Content-Type", "application/json"), ("x-ALPHA", "2"), ("X-Alpha", "3")],
        false,
    );
    assert_eq!(r.cors_unsafe_header_names(), ["content-type", "x-alpha", "x-zeta"]);
    let p = r.preflight_request();
    assert_eq!(p.header("Access-Control-Request-Headers"), Some(&b"content-type,x-alpha,x-zeta"[..]));
}

#[test]
fn the_preflight_is_options_with_accept_request_method_request_headers_and_origin() {
    let r = page("put", &[], false);
    let p = r.preflight_request();
    assert_eq!(p.kind, ExchangeKind::Preflight);
    assert_eq!(p.request_line(), "OPTIONS /items HTTP/1.1");
    let headers: Vec<(&str, &[u8])> =
        p.headers.iter().map(|h| (h.name.as_str(), h.value.as_slice())).collect();
    assert_eq!(
        headers,
        [("Accept", &b"*/*"[..]), ("Access-Control-Request-Method", b"PUT"), ("Origin", APP.as_bytes())],
        "no Access-Control-Request-Headers without unsafe headers, and none of the page's headers"
    );
    // The actual request carries the page's headers and Origin.
    let a = page("PUT", &[("X-Api-Key", "k")], false).actual_request();
    assert_eq!(a.request_line(), "PUT /items HTTP/1.1");
    assert_eq!(a.header("x-api-key"), Some(&b"k"[..]));
    assert_eq!(a.header("origin"), Some(APP.as_bytes()));
}

// ---------------------------------------------------------------------------------------------
// The CORS check

#[test]
fn cors_check_fails_without_access_control_allow_origin() {
    let report = run(page("GET", &[], false), vec![Response::new(200)]);
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::MissingAllowOrigin));
    assert_eq!(
        reason(&report).to_string(),
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
}

#[test]
fn cors_check_passes_star_without_credentials_only() {
    let star = Response::new(200).header("Access-Control-Allow-Origin", "*");
    assert!(run(page("GET", &[], false), vec![star.clone()]).verdict.is_allowed());
    let report = run(page("GET", &[], true), vec![star.header("Access-Control-Allow-Credentials", "true")]);
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::WildcardOriginWithCredentials));
    assert_eq!(
        reason(&report).to_string(),
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
    );
}

#[test]
fn cors_check_needs_the_origin_byte_for_byte() {
    let with = |v: &str| Response::new(200).header("Access-Control-Allow-Origin", v);
    assert_eq!(cors_check(&with(APP), APP, CredentialsMode::SameOrigin), Ok(()));
    for other in
        ["https://other.example", "https://app.example/", "https://APP.example", "http://app.example", "null"]
    {
        assert_eq!(
            cors_check(&with(other), APP, CredentialsMode::SameOrigin),
            Err(CorsCheckFailure::AllowOriginMismatch { value: other.into() }),
            "{other}"
        );
    }
    let report = run(page("GET", &[], false), vec![with("https://other.example")]);
    assert_eq!(
        reason(&report).to_string(),
        "The 'Access-Control-Allow-Origin' header has a value 'https://other.example' that is not equal to the supplied origin. Have the server send the header with a valid value."
    );
}

/// Chromium 156 ends each console line about an unusable `Access-Control-Allow-Origin` value with
/// the same request, preflight or not (tests/tests/doctor_vs_browser.rs shows it); the doctor's
/// message ends the same way, and the other reasons do not.
#[test]
fn unusable_allow_origin_values_end_as_chromium_ends_them() {
    let ask = " Have the server send the header with a valid value.";
    for (value, code) in [
        (format!("{APP}/"), "AllowOriginMismatch"),
        (format!("{APP}, https://b.example"), "MultipleAllowOriginValues"),
        ("https://".to_string(), "InvalidAllowOriginValue"),
    ] {
        let actual = run(
            page("GET", &[], false),
            vec![Response::new(200).header("Access-Control-Allow-Origin", value.clone())],
        );
        let preflight = run(
            page("PUT", &[], false),
            vec![Response::new(204)
                .header("Access-Control-Allow-Origin", value.clone())
                .header("Access-Control-Allow-Methods", "PUT")],
        );
        for (report, prefix) in [(&actual, ""), (&preflight, "Preflight")] {
            let Verdict::Blocked(blocked) = &report.verdict else { panic!("{value}: {:?}", report.verdict) };
            assert_eq!(blocked.reason.code(), format!("{prefix}{code}"));
            assert!(blocked.message().ends_with(ask), "{}", blocked.message());
        }
    }
    let missing = run(page("GET", &[], false), vec![Response::new(200)]);
    assert!(!reason(&missing).to_string().ends_with(ask));
}

#[test]
fn cors_check_fails_on_several_allow_origin_values() {
    let two_lines = Response::new(200)
        .header("Access-Control-Allow-Origin", APP)
        .header("Access-Control-Allow-Origin", APP);
    let expected = format!("{APP}, {APP}");
    assert_eq!(
        cors_check(&two_lines, APP, CredentialsMode::SameOrigin),
        Err(CorsCheckFailure::MultipleAllowOriginValues { value: expected.clone().into() })
    );
    let list = Response::new(200).header("Access-Control-Allow-Origin", format!("{APP} https://b.example"));
    assert!(matches!(
        cors_check(&list, APP, CredentialsMode::SameOrigin),
        Err(CorsCheckFailure::MultipleAllowOriginValues { .. })
    ));
    let report = run(page("GET", &[], false), vec![two_lines]);
    assert_eq!(
        reason(&report).to_string(),
        format!("The 'Access-Control-Allow-Origin' header contains multiple values '{expected}', but only one is allowed. Have the server send the header with a valid value.")
    );
}

#[test]
fn cors_check_names_a_value_that_is_no_origin() {
    let r = Response::new(200).header("Access-Control-Allow-Origin", "app.example");
    assert_eq!(
        cors_check(&r, APP, CredentialsMode::SameOrigin),
        Err(CorsCheckFailure::InvalidAllowOriginValue { value: b"app.example".to_vec() })
    );
    assert_eq!(
        Reason::Cors(CorsCheckFailure::InvalidAllowOriginValue { value: b"app.example".to_vec() })
            .to_string(),
        "The 'Access-Control-Allow-Origin' header contains the invalid value 'app.example'. Have the server send the header with a valid value."
    );
}

#[test]
fn with_credentials_allow_credentials_must_be_exactly_true() {
    let base = || Response::new(200).header("Access-Control-Allow-Origin", APP);
    assert_eq!(
        cors_check(&base(), APP, CredentialsMode::Include),
        Err(CorsCheckFailure::InvalidAllowCredentials { value: None })
    );
    assert_eq!(
        cors_check(&base().header("Access-Control-Allow-Credentials", "True"), APP, CredentialsMode::Include),
        Err(CorsCheckFailure::InvalidAllowCredentials { value: Some(b"True".to_vec()) })
    );
    assert_eq!(
        cors_check(
            &base().header("Access-Control-Allow-Credentials", " true "),
            APP,
            CredentialsMode::Include
        ),
        Ok(())
    );
    // Without credentials it is not looked at.
    assert_eq!(cors_check(&base(), APP, CredentialsMode::Omit), Ok(()));
    let report = run(page("GET", &[], true), vec![base().header("Access-Control-Allow-Credentials", "True")]);
    assert_eq!(
        reason(&report).to_string(),
        "The value of the 'Access-Control-Allow-Credentials' header in the response is 'True' which must be 'true' when the request's credentials mode is 'include'."
    );
}

// ---------------------------------------------------------------------------------------------
// The preflight's checks

#[test]
fn a_redirected_preflight_fails() {
    let r = page("PUT", &[], false);
    let reason = preflight_reason(&r, granted(301).header("Location", "https://api.example/items/"));
    assert!(
        matches!(&reason, Reason::PreflightRedirect { status: 301, location } if location == b"https://api.example/items/")
    );
    assert_eq!(
        reason.to_string(),
        "Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request."
    );
    // A 3xx without Location is no redirect: it fails the status check instead.
    assert_eq!(preflight_reason(&r, granted(302)), Reason::PreflightStatus { status: 302 });
}

#[test]
fn the_preflight_gets_the_cors_check_before_its_status() {
    let r = page("PUT", &[], false);
    let reason = preflight_reason(&r, Response::new(403));
    assert_eq!(reason, Reason::PreflightCors(CorsCheckFailure::MissingAllowOrigin));
    assert_eq!(
        reason.to_string(),
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    );
    // The preflight's CORS check uses the request's credentials mode.
    let r = page("PUT", &[], true);
    let star = Response::new(204)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Allow-Methods", "PUT");
    assert_eq!(
        preflight_reason(&r, star),
        Reason::PreflightCors(CorsCheckFailure::WildcardOriginWithCredentials)
    );
}

#[test]
fn the_preflight_status_must_be_ok() {
    let r = page("PUT", &[], false);
    for status in [401, 404, 405, 500, 304, 199] {
        let reason = preflight_reason(&r, granted(status).header("Access-Control-Allow-Methods", "PUT"));
        assert_eq!(reason, Reason::PreflightStatus { status });
        assert_eq!(
            reason.to_string(),
            "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        );
    }
    for status in [200, 204, 299] {
        assert_eq!(
            check_preflight(&r, &granted(status).header("Access-Control-Allow-Methods", "PUT")),
            Ok(())
        );
    }
}

#[test]
fn allow_methods_must_parse_as_a_list_of_tokens() {
    let r = page("PUT", &[], false);
    let reason = preflight_reason(&r, granted(204).header("Access-Control-Allow-Methods", "GET, PUT/PATCH"));
    assert_eq!(reason, Reason::InvalidAllowMethods { value: b"GET, PUT/PATCH".to_vec() });
    assert_eq!(
        reason.to_string(),
        "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
    );
    // Even a safelisted method fails on an unparsable list.
    let get = page("GET", &[("X-A", "1")], false);
    let bad = granted(204)
        .header("Access-Control-Allow-Methods", "GET;")
        .header("Access-Control-Allow-Headers", "x-a");
    assert!(matches!(preflight_reason(&get, bad), Reason::InvalidAllowMethods { .. }));
}

#[test]
fn allow_headers_must_parse_as_a_list_of_tokens() {
    let r = page("GET", &[("X-A", "1")], false);
    let reason = preflight_reason(&r, granted(204).header("Access-Control-Allow-Headers", "x-a x-b"));
    assert_eq!(reason, Reason::InvalidAllowHeaders { value: b"x-a x-b".to_vec() });
    assert_eq!(
        reason.to_string(),
        "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
    );
}

#[test]
fn the_method_must_be_listed_in_allow_methods() {
    let r = page("PUT", &[], false);
    let reason =
        preflight_reason(&r, granted(204).header("Access-Control-Allow-Methods", "GET, POST, DELETE"));
    assert_eq!(reason, Reason::MethodNotAllowed { method: "PUT".into(), wildcard: Wildcard::Absent });
    assert_eq!(
        reason.to_string(),
        "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
    );
    // Absent means none listed.
    assert!(matches!(preflight_reason(&r, granted(204)), Reason::MethodNotAllowed { .. }));
    assert_eq!(check_preflight(&r, &granted(204).header("Access-Control-Allow-Methods", "GET, PUT")), Ok(()));
}

#[test]
fn the_method_is_compared_case_sensitively_after_normalisation() {
    // `put` is sent as PUT, and matches PUT only.
    let put = page("put", &[], false);
    assert_eq!(check_preflight(&put, &granted(204).header("Access-Control-Allow-Methods", "PUT")), Ok(()));
    assert!(matches!(
        preflight_reason(&put, granted(204).header("Access-Control-Allow-Methods", "put")),
        Reason::MethodNotAllowed { .. }
    ));
    // `patch` is sent as written, and PATCH does not match it (nor the reverse).
    let patch = page("patch", &[], false);
    assert_eq!(
        preflight_reason(&patch, granted(204).header("Access-Control-Allow-Methods", "PATCH")),
        Reason::MethodNotAllowed { method: "patch".into(), wildcard: Wildcard::Absent }
    );
    assert_eq!(
        check_preflight(&patch, &granted(204).header("Access-Control-Allow-Methods", "patch")),
        Ok(())
    );
    let upper = page("PATCH", &[], false);
    assert!(matches!(
        preflight_reason(&upper, granted(204).header("Access-Control-Allow-Methods", "patch")),
        Reason::MethodNotAllowed { .. }
    ));
}

#[test]
fn a_star_in_allow_methods_counts_only_without_credentials() {
    let star = || granted(204).header("Access-Control-Allow-Methods", "*");
    assert_eq!(check_preflight(&page("DELETE", &[], false), &star()), Ok(()));
    assert_eq!(
        preflight_reason(&page("DELETE", &[], true), star()),
        Reason::MethodNotAllowed { method: "DELETE".into(), wildcard: Wildcard::IgnoredWithCredentials }
    );
}

#[test]
fn a_safelisted_method_needs_no_allow_methods() {
    let r = page("POST", &[("X-A", "1")], true);
    assert!(r.needs_preflight());
    assert_eq!(check_preflight(&r, &granted(204).header("Access-Control-Allow-Headers", "x-a")), Ok(()));
    // Even when the list names other methods only.
    let listed = granted(204)
        .header("Access-Control-Allow-Methods", "PUT")
        .header("Access-Control-Allow-Headers", "x-a");
    assert_eq!(check_preflight(&r, &listed), Ok(()));
}

#[test]
fn every_unsafe_request_header_must_be_listed_in_allow_headers() {
    let r = page("GET", &[("X-Api-Key", "k"), ("Content-Type", "application/json")], false);
    let reason = preflight_reason(&r, granted(204).header("Access-Control-Allow-Headers", "content-type"));
    assert_eq!(reason, Reason::HeaderNotAllowed { name: "x-api-key".into(), wildcard: Wildcard::Absent });
    assert_eq!(
        reason.to_string(),
        "Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response."
    );
    // The first refused name in the preflight's sorted list is the one named.
    assert!(
        matches!(preflight_reason(&r, granted(204)), Reason::HeaderNotAllowed { name, .. } if name == "content-type")
    );
    // Safelisted headers need no listing.
    let simple = page("PUT", &[("Content-Type", "text/plain"), ("Accept", "application/json")], false);
    assert_eq!(check_preflight(&simple, &granted(204).header("Access-Control-Allow-Methods", "PUT")), Ok(()));
}

#[test]
fn allow_headers_is_compared_case_insensitively() {
    let r = page("GET", &[("x-api-key", "k")], false);
    assert_eq!(
        check_preflight(&r, &granted(204).header("Access-Control-Allow-Headers", "X-API-KEY")),
        Ok(())
    );
}

#[test]
fn allow_lists_are_parsed_tolerantly_across_lines() {
    let r = page("PUT", &[("X-A", "1"), ("X-B", "2")], false);
    let response = granted(204)
        .header("Access-Control-Allow-Methods", " , GET ,,")
        .header("Access-Control-Allow-Methods", "PUT")
        .header("Access-Control-Allow-Headers", "x-a,\t, ")
        .header("Access-Control-Allow-Headers", "  x-b  ");
    assert_eq!(check_preflight(&r, &response), Ok(()));
}

#[test]
fn a_star_in_allow_headers_covers_every_header_without_credentials_authorization_as_browsers_do() {
    let star = || granted(204).header("Access-Control-Allow-Headers", "*");
    assert_eq!(check_preflight(&page("GET", &[("X-A", "1"), ("X-B", "2")], false), &star()), Ok(()));
    assert_eq!(preflight_notes(&page("GET", &[("X-A", "1")], false), &star()), []);
    // The Fetch standard says `*` never covers Authorization; Chromium 156 and Firefox ESR 153
    // let it through (tests/tests/browser_engines.rs). The check follows the browsers, and notes it.
    let auth = page("GET", &[("X-A", "1"), ("Authorization", "Bearer t")], false);
    assert_eq!(check_preflight(&auth, &star()), Ok(()));
    assert_eq!(preflight_notes(&auth, &star()), [Note::AuthorizationUnderWildcard]);
    assert!(Note::AuthorizationUnderWildcard
        .to_string()
        .contains("the Fetch standard says `*` never covers Authorization"));
    assert!(Note::AuthorizationUnderWildcard.fix().contains("List authorization by name"));
    // Listed beside `*`: nothing to note.
    let listed = granted(204).header("Access-Control-Allow-Headers", "*, Authorization");
    assert_eq!(check_preflight(&auth, &listed), Ok(()));
    assert_eq!(preflight_notes(&auth, &listed), []);
    // The whole fetch: allowed, with the note.
    let mut fetch = Fetch::new(auth);
    fetch.next_request().unwrap();
    fetch.receive(star());
    fetch.next_request().unwrap();
    fetch.receive(granted(200));
    match fetch.verdict().unwrap() {
        Verdict::Allowed(allowed) => assert_eq!(allowed.notes, [Note::AuthorizationUnderWildcard]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_star_in_allow_headers_is_only_a_name_with_credentials() {
    let r = page("GET", &[("X-A", "1")], true);
    assert_eq!(
        preflight_reason(&r, granted(204).header("Access-Control-Allow-Headers", "*")),
        Reason::HeaderNotAllowed { name: "x-a".into(), wildcard: Wildcard::IgnoredWithCredentials }
    );
    assert_eq!(check_preflight(&r, &granted(204).header("Access-Control-Allow-Headers", "*, x-a")), Ok(()));
}

#[test]
fn authorization_must_be_listed_by_name() {
    let r = page("GET", &[("Authorization", "Bearer t")], false);
    assert!(r.needs_preflight());
    assert!(
        matches!(preflight_reason(&r, granted(204)), Reason::HeaderNotAllowed { name, wildcard: Wildcard::Absent } if name == "authorization")
    );
    assert_eq!(
        check_preflight(&r, &granted(204).header("Access-Control-Allow-Headers", "authorization")),
        Ok(())
    );
}

// ---------------------------------------------------------------------------------------------
// The whole fetch: preflight, actual request, verdict

#[test]
fn after_a_failed_preflight_the_actual_request_is_not_sent() {
    let mut sent = Vec::new();
    let report = Fetch::run(page("PUT", &[], false), |out: &Outgoing| {
        sent.push(out.kind);
        Ok::<_, ()>(granted(204).header("Access-Control-Allow-Methods", "GET"))
    })
    .unwrap();
    assert_eq!(sent, [ExchangeKind::Preflight]);
    assert_eq!(report.exchanges.len(), 1);
    assert!(reason(&report).is_preflight());
}

#[test]
fn after_a_passed_preflight_the_actual_response_gets_its_own_cors_check() {
    let r = page("PUT", &[("X-Api-Key", "k")], true);
    let preflight = granted(204)
        .header("Access-Control-Allow-Methods", "PUT")
        .header("Access-Control-Allow-Headers", "x-api-key");
    let report = run(
        r.clone(),
        vec![preflight.clone(), Response::new(200).header("Access-Control-Allow-Origin", APP)],
    );
    assert_eq!(report.exchanges.len(), 2);
    assert_eq!(report.exchanges[1].request.kind, ExchangeKind::Actual);
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::InvalidAllowCredentials { value: None }));
    assert!(!reason(&report).is_preflight());

    let report = run(r, vec![preflight, granted(201)]);
    assert!(matches!(&report.verdict, Verdict::Allowed(a) if a.status == 201 && a.cors));
}

#[test]
fn a_simple_request_is_sent_without_preflight_and_its_error_status_is_readable() {
    let report = run(page("GET", &[("Accept", "application/json")], false), vec![granted(500)]);
    assert_eq!(report.exchanges.len(), 1);
    assert_eq!(report.exchanges[0].request.kind, ExchangeKind::Actual);
    assert!(matches!(&report.verdict, Verdict::Allowed(a) if a.status == 500));
}

#[test]
fn a_send_error_stops_the_fetch_with_the_exchanges_so_far() {
    let mut calls = 0;
    let err = Fetch::run(page("PUT", &[], false), |_: &Outgoing| {
        calls += 1;
        if calls == 1 {
            Ok(granted(204).header("Access-Control-Allow-Methods", "PUT"))
        } else {
            Err("connection reset")
        }
    })
    .unwrap_err();
    assert_eq!(err.exchanges.len(), 1);
    assert_eq!(err.request.kind, ExchangeKind::Actual);
    assert_eq!(err.error, "connection reset");
}

// ---------------------------------------------------------------------------------------------
// Redirects of the actual request

#[test]
fn a_redirect_must_pass_the_cors_check_before_it_is_followed() {
    let report = run(page("GET", &[], false), vec![Response::redirect(302, "/elsewhere")]);
    assert_eq!(report.exchanges.len(), 1, "not followed");
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::MissingAllowOrigin));
}

#[test]
fn a_redirect_is_followed_to_the_resolved_location_with_a_new_preflight_where_needed() {
    let r = page("PUT", &[], false);
    let grant_put = || granted(204).header("Access-Control-Allow-Methods", "PUT");
    let report = run(
        r,
        vec![grant_put(), granted(307).header("Location", "../v2/items?x=1"), grant_put(), granted(200)],
    );
    let sent: Vec<(ExchangeKind, String)> =
        report.exchanges.iter().map(|e| (e.request.kind, e.request.url.to_string())).collect();
    assert_eq!(
        sent,
        [
            (ExchangeKind::Preflight, API.to_string()),
            (ExchangeKind::Actual, API.to_string()),
            (ExchangeKind::Preflight, "https://api.example/v2/items?x=1".to_string()),
            (ExchangeKind::Actual, "https://api.example/v2/items?x=1".to_string()),
        ]
    );
    assert_eq!(report.exchanges[3].request.method, "PUT", "307 keeps the method");
    assert_eq!(
        report.exchanges[3].request.header("origin"),
        Some(APP.as_bytes()),
        "same-origin redirect keeps Origin"
    );
    let Verdict::Allowed(allowed) = &report.verdict else { panic!("{:?}", report.verdict) };
    assert_eq!(allowed.url.to_string(), "https://api.example/v2/items?x=1");
}

#[test]
fn a_redirect_to_another_origin_after_leaving_the_page_origin_sends_origin_null() {
    let r = page("GET", &[], false);
    let report = run(
        r.clone(),
        vec![
            granted(302).header("Location", "https://cdn.example/x"),
            Response::new(200).header("Access-Control-Allow-Origin", APP),
        ],
    );
    assert_eq!(report.exchanges[1].request.header("origin"), Some(&b"null"[..]));
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::AllowOriginMismatch { value: APP.into() }));
    let Verdict::Blocked(blocked) = &report.verdict else { unreachable!() };
    assert_eq!(blocked.request_origin, "null");
    assert_eq!(
        blocked.message(),
        format!("Access to fetch at 'https://cdn.example/x' (redirected from '{API}') from origin '{APP}' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value '{APP}' that is not equal to the supplied origin. Have the server send the header with a valid value.")
    );
    assert!(blocked.fix().contains("Origin: null"), "{}", blocked.fix());
    // `null` (or `*`) is what the next hop must answer.
    let report = run(
        r,
        vec![
            granted(302).header("Location", "https://cdn.example/x"),
            Response::new(200).header("Access-Control-Allow-Origin", "null"),
        ],
    );
    assert!(report.verdict.is_allowed());
}

#[test]
fn a_same_origin_request_redirected_to_another_origin_becomes_cors() {
    let r = PageRequest::builder(APP, "https://app.example/api/items").build().unwrap();
    assert_eq!(r.tainting(), Tainting::Basic);
    // The same-origin redirect needs no CORS headers; the cross-origin target does.
    let report = run(r.clone(), vec![Response::redirect(302, API), Response::new(200)]);
    assert_eq!(
        report.exchanges[1].request.header("origin"),
        Some(APP.as_bytes()),
        "not tainted: left from the page's origin"
    );
    assert_eq!(reason(&report), &Reason::Cors(CorsCheckFailure::MissingAllowOrigin));
    let report = run(
        r,
        vec![Response::redirect(302, API), Response::new(200).header("Access-Control-Allow-Origin", APP)],
    );
    assert!(matches!(&report.verdict, Verdict::Allowed(a) if a.cors));
}

#[test]
fn see_other_and_moved_post_become_get_without_body_headers() {
    for (status, method, becomes_get) in [
        (303, "PUT", true),
        (303, "POST", true),
        (303, "HEAD", false),
        (301, "POST", true),
        (302, "POST", true),
        (301, "PUT", false),
        (307, "POST", false),
        (308, "POST", false),
    ] {
        let r =
            page(method, &[("Content-Type", "text/plain"), ("Content-Language", "en"), ("X-A", "1")], false);
        let next = follow_redirect(&r, &Response::redirect(status, "/next")).unwrap().unwrap();
        assert_eq!(next.method() == "GET", becomes_get, "{status} {method}");
        let names: Vec<&str> = next.headers().iter().map(|h| h.name.as_str()).collect();
        if becomes_get {
            assert_eq!(names, ["X-A", "Accept"], "{status} {method}");
        } else {
            assert_eq!(names, ["Content-Type", "Content-Language", "X-A", "Accept"], "{status} {method}");
        }
    }
}

#[test]
fn authorization_is_dropped_on_a_redirect_to_another_origin() {
    let r = page("GET", &[("Authorization", "Bearer t")], false);
    let same = follow_redirect(&r, &Response::redirect(302, "/other")).unwrap().unwrap();
    assert!(same.headers().iter().any(|h| h.is("authorization")));
    let other = follow_redirect(&r, &Response::redirect(302, "https://b.example/")).unwrap().unwrap();
    assert!(!other.headers().iter().any(|h| h.is("authorization")));
    assert!(!other.needs_preflight(), "nothing unsafe is left");
}

#[test]
fn a_redirect_to_a_scheme_other_than_http_fails() {
    let report = run(page("GET", &[], false), vec![granted(302).header("Location", "data:text/plain,hi")]);
    assert_eq!(reason(&report), &Reason::RedirectScheme { location: b"data:text/plain,hi".to_vec() });
    assert_eq!(
        reason(&report).to_string(),
        "Redirect location 'data:text/plain,hi' is not an http or https URL, and fetch() never follows a redirect to another scheme."
    );
    // A network error, not a CORS one: Chromium logs no "blocked by CORS policy" line for it
    // (tests/tests/doctor_vs_browser.rs, `to-data`), so the doctor does not word it as one.
    assert!(!reason(&report).is_cors_policy());
    let Verdict::Blocked(blocked) = &report.verdict else { unreachable!() };
    assert!(
        blocked.message().starts_with(&format!("Fetch of '{API}' from origin '{APP}' failed: ")),
        "{}",
        blocked.message()
    );
}

#[test]
fn a_redirect_to_a_url_with_credentials_fails() {
    let report =
        run(page("GET", &[], false), vec![granted(302).header("Location", "https://u:p@api.example/x")]);
    assert_eq!(
        reason(&report),
        &Reason::RedirectWithCredentials { location: b"https://u:p@api.example/x".to_vec() }
    );
    assert_eq!(
        reason(&report).to_string(),
        "Redirect location 'https://u:p@api.example/x' contains a username and password, which is disallowed for cross-origin requests."
    );
}

#[test]
fn an_invalid_or_repeated_location_fails() {
    let report = run(page("GET", &[], false), vec![granted(302).header("Location", "https://[::1/")]);
    assert!(matches!(reason(&report), Reason::InvalidRedirectLocation { .. }));
    assert!(!reason(&report).is_cors_policy());
    let two = granted(302).header("Location", "/a").header("Location", "/b");
    let report = run(page("GET", &[], false), vec![two]);
    assert_eq!(reason(&report), &Reason::InvalidRedirectLocation { location: b"/a, /b".to_vec() });
}

#[test]
fn twenty_redirects_are_followed_and_the_twenty_first_fails() {
    let hop = || granted(302).header("Location", "/again");
    let mut responses: Vec<Response> = (0..MAX_REDIRECTS).map(|_| hop()).collect();
    responses.push(granted(200));
    assert!(run(page("GET", &[], false), responses).verdict.is_allowed());
    let responses: Vec<Response> = (0..=MAX_REDIRECTS).map(|_| hop()).collect();
    let report = run(page("GET", &[], false), responses);
    assert_eq!(reason(&report), &Reason::TooManyRedirects);
    assert_eq!(report.exchanges.len(), MAX_REDIRECTS + 1);
}

#[test]
fn a_redirect_status_without_location_is_the_response() {
    let report = run(page("GET", &[], false), vec![granted(302)]);
    assert!(matches!(&report.verdict, Verdict::Allowed(a) if a.status == 302));
}

// ---------------------------------------------------------------------------------------------
// The verdict's words

#[test]
fn the_console_message_and_the_fix_name_the_culprit() {
    let report = run(page("PUT", &[], false), vec![Response::new(404)]);
    let Verdict::Blocked(blocked) = &report.verdict else { panic!() };
    assert_eq!(
        blocked.message(),
        format!("Access to fetch at '{API}' from origin '{APP}' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.")
    );
    assert!(blocked.fix().contains(&format!("Access-Control-Allow-Origin: {APP}")), "{}", blocked.fix());
    assert_eq!(blocked.reason.code(), "PreflightMissingAllowOriginHeader");

    let report = run(page("PUT", &[], false), vec![granted(401)]);
    let Verdict::Blocked(blocked) = &report.verdict else { panic!() };
    assert_eq!(blocked.reason.code(), "PreflightInvalidStatus");
    assert!(blocked.fix().contains("before authentication"), "{}", blocked.fix());

    let report =
        run(page("patch", &[], false), vec![granted(204).header("Access-Control-Allow-Methods", "PATCH")]);
    let Verdict::Blocked(blocked) = &report.verdict else { panic!() };
    assert!(blocked.fix().contains("write PATCH in the page"), "{}", blocked.fix());

    let mismatch = Reason::Cors(CorsCheckFailure::AllowOriginMismatch { value: format!("{APP}/").into() });
    let blocked = cors_core::client::Blocked { reason: mismatch, ..blocked.clone() };
    assert!(blocked.fix().contains("byte for byte"), "{}", blocked.fix());
}

#[test]
fn server_values_in_reasons_are_escaped() {
    let r = Response::new(200).header("Access-Control-Allow-Origin", &b"x\x1b[31m"[..]);
    let failure = cors_check(&r, APP, CredentialsMode::SameOrigin).unwrap_err();
    assert_eq!(
        failure.to_string(),
        "The 'Access-Control-Allow-Origin' header contains the invalid value 'x\\x1b[31m'. Have the server send the header with a valid value."
    );
}

// ---------------------------------------------------------------------------------------------
// URLs, as far as the fetch needs them

#[test]
fn urls_are_parsed_and_resolved_as_browsers_do() {
    let cases = [
        ("HTTPS://API.example:443/a/../b/./c", "https://api.example/b/c"),
        ("http://api.example:80", "http://api.example/"),
        ("https://api.example:8443/x y", "https://api.example:8443/x%20y"),
        ("https://api.example\\a\\b?q=\"1\"#frag", "https://api.example/a/b?q=%221%22"),
        ("https://0x7f.1/", "https://127.0.0.1/"),
        ("https://[0:0::1]:8080/", "https://[::1]:8080/"),
        ("https://b\u{fc}cher.example/", "https://xn--bcher-kva.example/"),
    ];
    for (input, serialised) in cases {
        assert_eq!(Url::parse(input).map(|u| u.to_string()), Ok(serialised.to_string()), "{input}");
    }
    assert!(matches!(Url::parse("mailto:a@b"), Err(UrlError::NotHttp { .. })));
    assert!(matches!(Url::parse("https://"), Err(UrlError::Invalid(_))));
    assert!(matches!(Url::parse("https://1.2.3.4.5/"), Err(UrlError::Invalid(_))));
    let base = Url::parse("https://api.example/v1/items/?page=2").unwrap();
    for (reference, resolved) in [
        ("next", "https://api.example/v1/items/next"),
        ("/root", "https://api.example/root"),
        ("https:/same-scheme", "https://api.example/same-scheme"),
        ("http://other.example", "http://other.example/"),
        ("//cdn.example:444/x", "https://cdn.example:444/x"),
        ("#top", "https://api.example/v1/items/?page=2"),
        ("", "https://api.example/v1/items/?page=2"),
        ("../../..", "https://api.example/"),
    ] {
        assert_eq!(base.join(reference).map(|u| u.to_string()), Ok(resolved.to_string()), "{reference}");
    }
    assert_eq!(Url::parse("https://api.example:8443/x").unwrap().origin(), "https://api.example:8443");
}
