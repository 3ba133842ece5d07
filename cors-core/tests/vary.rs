//! `Vary::merge_into`: append to an existing `Vary`, never duplicate a token, never touch `*`.

use cors_core::Vary;

fn preflight() -> Vary {
    Vary::ORIGIN | Vary::REQUEST_METHOD | Vary::REQUEST_HEADERS
}

fn merge(vary: Vary, lines: &[&str]) -> Option<String> {
    vary.merge_into(lines.iter().map(|l| l.as_bytes()))
}

#[test]
fn no_existing_vary_gives_the_tokens() {
    assert_eq!(merge(Vary::ORIGIN, &[]).as_deref(), Some("Origin"));
    assert_eq!(
        merge(preflight(), &[]).as_deref(),
        Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
    assert_eq!(
        merge(preflight() | Vary::REQUEST_PRIVATE_NETWORK, &[]).as_deref(),
        Some(
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
             Access-Control-Request-Private-Network"
        )
    );
}

#[test]
fn tokens_are_appended_after_existing_ones() {
    assert_eq!(merge(Vary::ORIGIN, &["Accept-Encoding"]).as_deref(), Some("Accept-Encoding, Origin"));
    assert_eq!(
        merge(preflight(), &["Accept-Encoding, Cookie"]).as_deref(),
        Some(
            "Accept-Encoding, Cookie, Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        )
    );
}

#[test]
fn several_existing_lines_become_one() {
    assert_eq!(
        merge(Vary::ORIGIN, &["Accept-Encoding", "Accept-Language, Cookie"]).as_deref(),
        Some("Accept-Encoding, Accept-Language, Cookie, Origin")
    );
}

#[test]
fn tokens_already_present_in_any_case_are_not_duplicated() {
    assert_eq!(merge(Vary::ORIGIN, &["origin"]), None);
    assert_eq!(merge(Vary::ORIGIN, &["Accept-Encoding, ORIGIN"]), None);
    assert_eq!(merge(Vary::ORIGIN, &["Accept-Encoding", "  Origin  "]), None);
    assert_eq!(
        merge(preflight(), &["access-control-request-method, Origin, ACCESS-CONTROL-REQUEST-HEADERS"]),
        None
    );
    // Only the missing ones are added; the existing spelling is kept.
    assert_eq!(
        merge(preflight(), &["origin", "Accept-Encoding"]).as_deref(),
        Some("origin, Accept-Encoding, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
    // Existing duplicates are folded once a line is rewritten anyway.
    assert_eq!(
        merge(Vary::ORIGIN, &["Accept-Encoding, accept-encoding", "Accept-Encoding"]).as_deref(),
        Some("Accept-Encoding, Origin")
    );
}

#[test]
fn star_is_never_touched() {
    assert_eq!(merge(Vary::ORIGIN, &["*"]), None);
    assert_eq!(merge(preflight(), &["Accept-Encoding", " * "]), None);
    assert_eq!(merge(preflight(), &["Accept-Encoding, *"]), None);
}

#[test]
fn empty_items_and_lines_are_dropped() {
    assert_eq!(merge(Vary::ORIGIN, &["", " , ,", "Cookie,,"]).as_deref(), Some("Cookie, Origin"));
}

#[test]
fn an_empty_set_changes_nothing() {
    assert_eq!(merge(Vary::NONE, &[]), None);
    assert_eq!(merge(Vary::NONE, &["Accept-Encoding"]), None);
    assert!(Vary::NONE.is_empty());
    assert_eq!(Vary::default(), Vary::NONE);
}

#[test]
fn set_operations_and_token_order() {
    let v = Vary::REQUEST_HEADERS | Vary::ORIGIN;
    assert!(v.contains(Vary::ORIGIN));
    assert!(v.contains(Vary::REQUEST_HEADERS | Vary::ORIGIN));
    assert!(!v.contains(Vary::REQUEST_METHOD));
    assert!(v.contains(Vary::NONE));
    assert!(!v.is_empty());
    // Tokens come out in a fixed order whatever order they were combined in.
    assert_eq!(v.tokens().collect::<Vec<_>>(), ["Origin", "Access-Control-Request-Headers"]);
}
