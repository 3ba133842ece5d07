//! Compile-time behaviour: every misuse and every class of configuration error fails to compile
//! with an error at the offending argument and the fix in words (`tests/ui/fail`, each with the
//! expected `.stderr`). That every argument form compiles, and does what it says, is shown by the
//! ordinary tests in `tests/forms.rs`.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p cors-macros --test ui`,
//! then read every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
}
