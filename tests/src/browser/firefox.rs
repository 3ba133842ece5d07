//! Headless Firefox (ESR), driven over WebDriver BiDi, the protocol Firefox has built in (no
//! geckodriver, nothing to download).
//!
//! Firefox sends its CORS errors to its console service only: never to stdout or stderr, whatever
//! the prefs. WebDriver BiDi forwards them as `log.entryAdded` events (`type: "javascript"`,
//! `level: "error"`), beside the page's own `console.*` calls (`type: "console"`). So:
//!
//! 1. a fresh profile dir holding only `user.js` (`firefox_user.js`: no first-run pages,
//!    telemetry, updates, safe browsing, remote settings, ...; every non-loopback host goes to a
//!    dead proxy);
//! 2. `MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 firefox-esr --headless --no-remote
//!    --remote-debugging-port=0 --profile DIR about:blank` (the env var also makes Firefox honour
//!    the remote-settings pref, so no outside connection is attempted at all);
//! 3. the port Firefox picked, from stderr: `WebDriver BiDi listening on ws://127.0.0.1:PORT`;
//! 4. a WebSocket to `ws://127.0.0.1:PORT/session` without an `Origin` header (Firefox refuses
//!    one that carries an Origin it was not told to allow); `session.new`,
//!    `session.subscribe` to `log.entryAdded`, `browsingContext.getTree` for the tab,
//!    `browsingContext.navigate` to the page;
//! 5. events until the page has reported and its console marker has arrived, then until a
//!    console message names each failed probe's URL (see `settle`: CORS errors can arrive after
//!    the marker), then `browser.close`; the process group is killed and the profile removed on
//!    drop.

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use super::process::BrowserProcess;
use super::{ConsoleMessage, PageRun, RunOutcome, MARKER};

/// The prefs of every profile (see the module docs).
pub const USER_JS: &str = include_str!("firefox_user.js");

const BANNER: &str = "WebDriver BiDi listening on ";

/// Runs `url` (served by `page`) in a fresh headless Firefox until the page has reported and its
/// console marker has arrived over BiDi, or until `deadline`.
pub(crate) fn run(binary: &Path, url: &str, page: &PageRun, deadline: Instant) -> Result<RunOutcome, String> {
    let dir = BrowserProcess::temp_dir("cors-firefox-")?;
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(&profile)
        .and_then(|()| std::fs::write(profile.join("user.js"), USER_JS))
        .map_err(|e| format!("cannot write the Firefox profile in {}: {e}", profile.display()))?;
    let mut cmd = Command::new(binary);
    cmd.args(["--headless", "--no-remote", "--remote-debugging-port=0", "--profile"])
        .arg(&profile)
        .arg("about:blank")
        .env("MOZ_DISABLE_NONLOCAL_CONNECTIONS", "1")
        // No crash reporter dialog or minidump upload attempt if a content process dies.
        .env("MOZ_CRASHREPORTER_DISABLE", "1");
    let mut firefox = BrowserProcess::spawn(format!("Firefox ({})", binary.display()), cmd, dir)?;

    let ws_url = wait_banner(&mut firefox, deadline)?;
    let mut bidi = Bidi::connect(&ws_url, deadline)
        .map_err(|e| format!("{}: {e}\n{}", firefox.what, firefox.output_tail(40)))?;
    let outcome = drive(&mut bidi, url, page, deadline)
        .map_err(|e| format!("{}: {e}\n{}", firefox.what, firefox.output_tail(40)));
    // Closing politely lets Firefox end its content processes itself; the group is killed on drop
    // whatever happens here.
    let close_deadline = Instant::now() + Duration::from_secs(2);
    if bidi.command("browser.close", json!({}), close_deadline).is_ok() {
        firefox.wait_exit(Duration::from_secs(2));
    }
    outcome
}

/// Waits for `WebDriver BiDi listening on ws://HOST:PORT` on stderr.
fn wait_banner(firefox: &mut BrowserProcess, deadline: Instant) -> Result<String, String> {
    loop {
        let found = firefox.with_stderr(|lines| {
            lines.iter().find_map(|l| l.split(BANNER).nth(1).map(|u| u.trim().to_string()))
        });
        if let Some(url) = found {
            return Ok(url);
        }
        if let Some(status) = firefox.try_exit_status() {
            std::thread::sleep(Duration::from_millis(100));
            return Err(format!(
                "{} exited ({status}) before it printed {BANNER:?}\n{}",
                firefox.what,
                firefox.output_tail(60)
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} did not print {BANNER:?} in time\n{}",
                firefox.what,
                firefox.output_tail(60)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn drive(bidi: &mut Bidi, url: &str, page: &PageRun, deadline: Instant) -> Result<RunOutcome, String> {
    bidi.command("session.new", json!({"capabilities": {}}), deadline)?;
    bidi.command("session.subscribe", json!({"events": ["log.entryAdded"]}), deadline)?;
    let tree = bidi.command("browsingContext.getTree", json!({}), deadline)?;
    let context = tree["contexts"][0]["context"]
        .as_str()
        .ok_or_else(|| format!("browsingContext.getTree gave no tab: {tree}"))?
        .to_string();
    // "none": the command returns at once; the page's report is what we wait for.
    bidi.command(
        "browsingContext.navigate",
        json!({"context": context, "url": url, "wait": "none"}),
        deadline,
    )?;

    let mut report = None;
    loop {
        if report.is_none() {
            report = page.try_result().transpose()?;
        }
        let console = console_of(&bidi.events, &context);
        if let Some(report) = &report {
            if console.iter().any(|m| m.text == page.marker()) {
                settle(bidi, &context, report, deadline)?;
                let console = console_of(&bidi.events, &context);
                let console = console.into_iter().filter(|m| !m.text.starts_with(MARKER)).collect();
                return Ok(RunOutcome { report: report.clone(), console });
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "{url} {} in time; BiDi events so far: {:?}",
                if report.is_some() {
                    "reported, but its console marker never arrived over BiDi"
                } else {
                    "did not report"
                },
                bidi.events
            ));
        }
        bidi.pump(Duration::from_millis(50).min(deadline - now))?;
    }
}

/// Longest wait, once the page's marker has arrived, for a CORS message about a failed probe.
const SETTLE_MAX: Duration = Duration::from_secs(3);
/// How long the console must stay quiet after that, for a second message about the same fetch.
const SETTLE_QUIET: Duration = Duration::from_millis(150);

/// Waits, after the marker, for the console messages that are still on their way. Firefox logs
/// a CORS error from its network code, which reaches BiDi on another path than the page's own
/// `console.log`: on a loaded machine the marker, logged after every `fetch` settled, was seen to
/// arrive first. So: until every failed probe's URL appears in some console message (or
/// `SETTLE_MAX`: a failure that is not a CORS error logs nothing), then `SETTLE_QUIET` more.
fn settle(bidi: &mut Bidi, context: &str, report: &Value, deadline: Instant) -> Result<(), String> {
    let failed: Vec<&str> = report["probes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["ok"] == false)
        .filter_map(|p| p["url"].as_str())
        .filter(|url| url.starts_with("http"))
        .collect();
    let give_up = (Instant::now() + SETTLE_MAX).min(deadline);
    loop {
        let console = console_of(&bidi.events, context);
        let all_seen = failed.iter().all(|url| console.iter().any(|m| m.text.contains(url)));
        let now = Instant::now();
        if all_seen || now >= give_up {
            break;
        }
        bidi.pump(Duration::from_millis(50).min(give_up - now))?;
    }
    bidi.pump(SETTLE_QUIET.min(deadline.saturating_duration_since(Instant::now())))
}

/// The `log.entryAdded` entries of the tab `context`, in order.
fn console_of(events: &[Value], context: &str) -> Vec<ConsoleMessage> {
    events
        .iter()
        .filter(|e| e["method"] == "log.entryAdded")
        .map(|e| &e["params"])
        .filter(|p| p["source"]["context"] == context)
        .map(|p| ConsoleMessage {
            text: p["text"].as_str().unwrap_or_default().to_string(),
            meta: format!("{}/{}", p["type"].as_str().unwrap_or("?"), p["level"].as_str().unwrap_or("?")),
        })
        .collect()
}

/// A minimal WebDriver BiDi client: JSON commands and events over a blocking WebSocket.
struct Bidi {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Every event received so far, in order.
    events: Vec<Value>,
}

impl Bidi {
    fn connect(ws_url: &str, deadline: Instant) -> Result<Bidi, String> {
        let addr = ws_url
            .strip_prefix("ws://")
            .map(|a| a.trim_end_matches('/'))
            .ok_or_else(|| format!("unexpected WebDriver BiDi address {ws_url:?}"))?;
        let timeout = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        let sock = addr
            .parse()
            .map_err(|e| format!("unexpected WebDriver BiDi address {ws_url:?}: {e}"))
            .and_then(|a| {
                TcpStream::connect_timeout(&a, timeout)
                    .map_err(|e| format!("cannot connect to Firefox's WebDriver BiDi at {addr}: {e}"))
            })?;
        sock.set_read_timeout(Some(timeout)).map_err(|e| format!("set_read_timeout: {e}"))?;
        // tungstenite's client handshake sends no `Origin` header, as Firefox requires.
        let url = format!("ws://{addr}/session");
        let (ws, _) = tungstenite::client(url.as_str(), sock)
            .map_err(|e| format!("WebSocket handshake with Firefox at {url} failed: {e}"))?;
        Ok(Bidi { ws, next_id: 0, events: Vec::new() })
    }

    /// One message, waiting up to `timeout`; `None` when nothing came.
    fn read(&mut self, timeout: Duration) -> Result<Option<Value>, String> {
        let _ = self.ws.get_mut().set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        match self.ws.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str())
                .map(Some)
                .map_err(|e| format!("WebDriver BiDi sent something that is not JSON ({e}): {text}")),
            Ok(_) => Ok(None),
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
            {
                Ok(None)
            }
            Err(e) => Err(format!("WebDriver BiDi connection failed: {e}")),
        }
    }

    /// Reads for up to `d`, keeping events.
    fn pump(&mut self, d: Duration) -> Result<(), String> {
        let end = Instant::now() + d;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            if let Some(v) = self.read(end - now)? {
                if v["type"] == "event" {
                    self.events.push(v);
                }
            }
        }
    }

    /// Sends a command and waits for its answer (keeping the events that come first).
    fn command(&mut self, method: &str, params: Value, deadline: Instant) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(Message::text(msg)).map_err(|e| format!("WebDriver BiDi: cannot send {method}: {e}"))?;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(format!("WebDriver BiDi: no answer to {method} in time"));
            }
            let Some(v) = self.read(deadline - now)? else { continue };
            if v["type"] == "event" {
                self.events.push(v);
            } else if v["id"] == id {
                if v["type"] == "error" {
                    return Err(format!("WebDriver BiDi: {method} failed: {} {}", v["error"], v["message"]));
                }
                return Ok(v["result"].clone());
            }
        }
    }
}
