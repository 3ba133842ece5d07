//! A browser that cannot be started, or starts but never answers, makes the run fail at once (or
//! at its deadline) with a message that names the engine, the binary and what it did, and leaves
//! nothing running. One test in its own binary, because it changes `CHROMIUM` / `FIREFOX` in the
//! process environment, which the other browser tests read.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use tests::browser::{page_url, run_in_browser_timeout, Engine};

fn fails_with(engine: Engine, var: &str, binary: &str, timeout: Duration) -> String {
    std::env::set_var(var, binary);
    let started = Instant::now();
    let result = run_in_browser_timeout(engine, &page_url("app.localhost"), "", timeout);
    std::env::remove_var(var);
    let err = match result {
        Ok(run) => panic!("{engine} with {var}={binary} should fail, got {:#}", run.report),
        Err(e) => e,
    };
    eprintln!("[browser_start_failures] {var}={binary} after {:?}:\n{err}\n", started.elapsed());
    assert!(started.elapsed() < timeout + Duration::from_secs(5), "{err}");
    err
}

#[test]
fn a_browser_that_does_not_start_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // Starts, prints nothing, never exits by itself: the run must stop at its deadline and kill it.
    let silent = dir.path().join("silent-browser");
    std::fs::write(&silent, "#!/bin/sh\necho 'pretending to start' >&2\nexec sleep 600\n").unwrap();
    std::fs::set_permissions(&silent, std::fs::Permissions::from_mode(0o755)).unwrap();
    let silent = silent.to_str().unwrap();

    for engine in Engine::ALL {
        let var = match engine {
            Engine::Chromium => "CHROMIUM",
            Engine::Firefox => "FIREFOX",
        };
        let err = fails_with(engine, var, "/nonexistent/browser", Duration::from_secs(5));
        assert!(err.contains(&format!("{var}=/nonexistent/browser does not exist")), "{err}");

        let err = fails_with(engine, var, "/bin/false", Duration::from_secs(5));
        assert!(err.starts_with(&format!("{engine} (/bin/false) exited (exit status: 1) before")), "{err}");

        let err = fails_with(engine, var, silent, Duration::from_secs(3));
        assert!(err.starts_with(&format!("{engine} ({silent})")), "{err}");
        assert!(err.contains("in time"), "{err}");
        assert!(err.contains("pretending to start"), "the message shows the browser's output: {err}");
    }
    // Nothing is left running: the silent browsers were killed with their process groups.
    let leftover = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .filter(|cmd| cmd.windows(silent.len()).any(|w| w == silent.as_bytes()))
        .count();
    assert_eq!(leftover, 0, "a silent browser is still running");
}
