//! Headless Chromium, started on the page URL. Its console messages (a page's `console.*` calls
//! and the browser's own, CORS errors included) reach stderr as `INFO:CONSOLE` lines, but only
//! with `--enable-logging=stderr`:
//!
//! ```text
//! [PID:TID:MMDD/HHMMSS.micros:INFO:CONSOLE:0] "Access to fetch at '…' from origin '…' has been blocked by CORS policy: …", source: http://app.localhost:PORT/ (0)
//! ```
//!
//! (`INFO` whatever the message's level; the number is the source line, 0 for the browser's
//! own messages.)

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::BrowserProcess;
use super::{ConsoleMessage, PageRun, RunOutcome, MARKER};

/// Command-line flags given to Chromium, besides `--user-data-dir` and the page URL.
///
/// Everything that could reach the network on its own (updates, metrics, safe browsing, sync,
/// translation, ...) is turned off, and the host resolver answers only `localhost` and
/// `*.localhost` (IP literals such as `127.0.0.1` need no resolution), so a page cannot reach
/// the outside world either. `--enable-logging=stderr` puts the console on stderr.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--no-pings",
    "--no-service-autorun",
    "--password-store=basic",
    "--use-mock-keychain",
    "--safebrowsing-disable-auto-update",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,\
     AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.localhost, EXCLUDE 127.0.0.1",
    "--enable-logging=stderr",
    "--v=0",
];

/// Runs `url` (served by `page`) in a fresh headless Chromium until the page has reported and
/// its console marker has reached stderr, or until `deadline`.
pub(crate) fn run(binary: &Path, url: &str, page: &PageRun, deadline: Instant) -> Result<RunOutcome, String> {
    let dir = BrowserProcess::temp_dir("cors-chromium-")?;
    let mut cmd = Command::new(binary);
    cmd.args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(url);
    let mut chromium = BrowserProcess::spawn(format!("Chromium ({})", binary.display()), cmd, dir)?;

    let mut report = None;
    loop {
        // Checked before the report and the exit, so that a run that has just finished is taken.
        let exited = chromium.try_exit_status();
        if report.is_none() {
            report =
                page.try_result().transpose().map_err(|e| format!("{e}\n{}", chromium.output_tail(60)))?;
        }
        if let Some(report) = &report {
            let console = chromium.with_stderr(parse_console);
            if console.iter().any(|m| m.text == page.marker()) {
                let console = console.into_iter().filter(|m| !m.text.starts_with(MARKER)).collect();
                return Ok(RunOutcome { report: report.clone(), console });
            }
        }
        if let Some(status) = exited {
            return Err(format!(
                "{} exited ({status}) before {url} reported\n{}",
                chromium.what,
                chromium.output_tail(60)
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{}: {url} {} in time\n{}",
                chromium.what,
                if report.is_some() {
                    "reported, but its console marker never reached Chromium's stderr"
                } else {
                    "did not report"
                },
                chromium.output_tail(60)
            ));
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// The console messages in Chromium's stderr, in order. A message may span lines (a
/// `console.log` of a string with newlines): it ends at the line with `", source: `.
pub fn parse_console(lines: &[String]) -> Vec<ConsoleMessage> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for line in lines {
        let rest = match open.take() {
            Some(mut text) => {
                text.push('\n');
                text.push_str(line);
                text
            }
            None => {
                let Some(at) = line.find(":CONSOLE") else { continue };
                let Some(quote) = line[at..].find("] \"") else { continue };
                line[at + quote + 3..].to_string()
            }
        };
        match rest.rfind("\", source: ") {
            Some(end) => {
                out.push(ConsoleMessage { text: rest[..end].to_string(), meta: rest[end + 3..].to_string() })
            }
            None => open = Some(rest),
        }
    }
    out
}
