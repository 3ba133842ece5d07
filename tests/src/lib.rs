//! Cross-crate integration and real-browser test support.

pub mod browser;

/// `test => test_chromium, test_firefox;` makes two `#[test]`s, one per engine, that call `test`
/// (a function or closure taking a [`browser::Engine`]) with `Engine::Chromium` and
/// `Engine::Firefox`: every browser test runs in both, with the engine in its name.
#[macro_export]
macro_rules! in_both_engines {
    ($($test:expr => $chromium:ident, $firefox:ident;)*) => {$(
        #[test]
        fn $chromium() {
            ($test)($crate::browser::Engine::Chromium);
        }
        #[test]
        fn $firefox() {
            ($test)($crate::browser::Engine::Firefox);
        }
    )*};
}
pub mod env_server;
pub mod inproc;
pub mod log;
pub mod wire;
