//! A small real-browser harness: headless Chromium + an actix-web page server.
//!
//! How it works:
//!
//! * [`PageServer`] serves, on `127.0.0.1:<port>`, an HTML page at `/` whose inline
//!   script is given by the caller, and accepts `POST /__result` (same origin) with the
//!   JSON report the page sends when its script finishes. Any `Host` header is served,
//!   so the page can be opened as `http://localhost:7401/`, `http://a.app.localhost:7401/`
//!   or `http://evilapp.localhost:7401/` (Chromium resolves `*.localhost` to loopback).
//! * [`run_in_browser`] starts a [`PageServer`] on the port of the page URL, launches
//!   Chromium headless on that URL with a fresh temporary profile, waits for the report,
//!   and then kills Chromium (its whole process group) and stops the server, pass or
//!   fail. All cleanup lives in `Drop` guards, so a panic cleans up too.
//! * [`BackgroundServer`] runs any actix-web server on a background thread (used for
//!   the page server, and handy for the API servers that browser tests talk to).
//!
//! Script convention (the page defines these helpers before the caller's script runs;
//! the caller's script is the body of an `async` function, so `await` works):
//!
//! ```js
//! await probe("name", url, init);   // fetch(url, init) and record the outcome
//! await report();                   // POST the collected outcomes to /__result
//! ```
//!
//! A probe outcome is `{name, ok: true, status, type, headers: {...}, body}` when
//! `fetch` resolves (headers are the ones the page may read, lowercased) or
//! `{name, ok: false, error: "TypeError: Failed to fetch"}` when it rejects (CORS
//! failures reject with `TypeError`). The report is
//! `{href, origin, probes: [...], errors: [...]}`; `errors` collects uncaught script
//! errors. If the script neither calls `report()` nor throws, the report is sent when
//! it returns; if it throws, the report is sent with the error in `errors`.
//!
//! Chromium is `/usr/bin/chromium`, or the path in the `CHROMIUM` environment variable.
//! If it is missing the harness returns an error that says how to install it
//! (`apt-get install -y chromium`); it never passes silently.
//!
//! Set `BROWSER_HARNESS_LOG=1` to print Chromium's own output (stderr) after each run.

use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::Value;

/// Default Chromium binary (Debian's `chromium` package).
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Command-line flags given to Chromium, besides `--user-data-dir` and the page URL.
///
/// Everything that could reach the network on its own (updates, metrics, safe
/// browsing, sync, translation, ...) is turned off, and the host resolver answers
/// only `localhost` and `*.localhost` (IP literals such as `127.0.0.1` need no
/// resolution), so a page cannot reach the outside world either.
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
];

/// Serialises browser runs within one test process: the browser tests use fixed page
/// ports (7401, 7402), and on a 2-core machine one Chromium at a time is plenty.
static BROWSER_LOCK: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------------
// Background actix-web server
// ---------------------------------------------------------------------------------

/// An actix-web server running on its own thread (with its own actix `System`).
/// Dropping it stops the server (non-gracefully) and joins the thread.
pub struct BackgroundServer {
    handle: Option<ServerHandle>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// Runs `make_server` inside a fresh actix `System` on a new thread and serves it
    /// until dropped. `make_server` builds the server, typically
    /// `HttpServer::new(..).workers(1).disable_signals().listen(listener)?.run()`;
    /// it must not install signal handlers (use `disable_signals()`).
    pub fn start<F>(make_server: F) -> Result<BackgroundServer, String>
    where
        F: FnOnce() -> std::io::Result<Server> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Result<ServerHandle, String>>();
        let thread = std::thread::Builder::new()
            .name("browser-harness-server".into())
            .spawn(move || {
                let system = actix_web::rt::System::new();
                system.block_on(async move {
                    match make_server() {
                        Ok(server) => {
                            let _ = tx.send(Ok(server.handle()));
                            let _ = server.await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(format!("cannot start server: {e}")));
                        }
                    }
                });
            })
            .map_err(|e| format!("cannot spawn server thread: {e}"))?;
        match rx.recv() {
            Ok(Ok(handle)) => Ok(BackgroundServer { handle: Some(handle), thread: Some(thread) }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err("server thread died before starting".into())
            }
        }
    }

    /// An actix-web server with `workers(1)`, no signal handlers and a zero shutdown
    /// timeout, listening on `listener`, whose routes `configure` sets up. For anything
    /// fancier (middleware, several workers) use [`start`].
    ///
    /// [`start`]: BackgroundServer::start
    pub fn start_app<F>(listener: TcpListener, configure: F) -> Result<BackgroundServer, String>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        BackgroundServer::start(move || {
            Ok(HttpServer::new(move || App::new().configure(configure.clone()))
                .workers(1)
                .disable_signals()
                .shutdown_timeout(0)
                .listen(listener)?
                .run())
        })
    }

    /// Stops the server and waits for its thread. Also done on drop.
    pub fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // `stop` sends the command immediately; the returned future only waits for
            // completion, which joining the thread below covers.
            drop(handle.stop(false));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds `127.0.0.1:port`, retrying for up to two seconds while the port is busy (e.g.
/// a previous run's socket is still closing).
pub fn bind_loopback(port: u16) -> Result<TcpListener, String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(format!("cannot bind 127.0.0.1:{port}: {e}")),
        }
    }
}

// ---------------------------------------------------------------------------------
// Page server
// ---------------------------------------------------------------------------------

/// JS helpers defined before the caller's script (see the module docs).
const HELPERS_JS: &str = r#"
const __outcomes = [];
const __errors = [];
let __reported = false;
window.addEventListener("error", (e) => {
  __errors.push(String(e.error || e.message));
  // A syntax error in the caller's script means it never runs: report what we have.
  if (e.error instanceof SyntaxError) { report(); }
});
window.addEventListener("unhandledrejection", (e) => { __errors.push("unhandled rejection: " + String(e.reason)); });
async function probe(name, url, init) {
  let outcome;
  try {
    const r = await fetch(url, init);
    const headers = {};
    for (const [k, v] of r.headers.entries()) { headers[k] = v; }
    let body = null;
    try { body = await r.text(); } catch (e) { body = null; }
    outcome = { name, ok: true, status: r.status, type: r.type, headers, body };
  } catch (e) {
    outcome = { name, ok: false, error: String(e) };
  }
  __outcomes.push(outcome);
  return outcome;
}
async function report(extra) {
  if (__reported) { return; }
  __reported = true;
  const payload = { href: location.href, origin: location.origin, probes: __outcomes, errors: __errors };
  if (extra !== undefined) { payload.extra = extra; }
  await fetch("/__result", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
}
"#;

fn page_html(script_js: &str) -> String {
    // `</script` inside the caller's script would end the inline script early.
    let script_js = script_js.replace("</script", "<\\/script");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>cors browser test</title>\
         <link rel=\"icon\" href=\"data:,\"></head><body>\n\
         <script>{HELPERS_JS}</script>\n\
         <script>\n(async () => {{\ntry {{\n{script_js}\n}} catch (e) {{ __errors.push(\"script threw: \" + String(e)); }}\n\
         await report();\n}})();\n</script>\n</body></html>\n"
    )
}

/// Serves the test page on `127.0.0.1:<port>` (any `Host`) and collects the report
/// posted to `/__result`. Dropping it stops the server.
pub struct PageServer {
    port: u16,
    results: mpsc::Receiver<Result<Value, String>>,
    // Declared last so that it is dropped after the receiver; order does not matter
    // for correctness, the server just drops its senders when it stops.
    server: BackgroundServer,
}

impl PageServer {
    /// Starts serving a page whose inline script is `script_js` on `127.0.0.1:port`.
    pub fn start(port: u16, script_js: &str) -> Result<PageServer, String> {
        let listener = bind_loopback(port)?;
        let html = page_html(script_js);
        let (tx, rx) = mpsc::channel::<Result<Value, String>>();
        let tx = web::Data::new(Mutex::new(tx));
        let server = BackgroundServer::start_app(listener, move |cfg| {
            let html = html.clone();
            cfg.app_data(tx.clone())
                .route(
                    "/",
                    web::get().to(move || {
                        let html = html.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("text/html; charset=utf-8")
                                .insert_header(("cache-control", "no-store"))
                                .body(html)
                        }
                    }),
                )
                .route("/__result", web::post().to(receive_result));
        })?;
        Ok(PageServer { port, results: rx, server })
    }

    /// The port the page is served on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits up to `timeout` for the page's report.
    pub fn wait_result(&self, timeout: Duration) -> Result<Value, String> {
        match self.results.recv_timeout(timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(format!("no report from the page within {timeout:?}"))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err("page server stopped".into()),
        }
    }

    /// Non-blocking variant of [`wait_result`](PageServer::wait_result).
    pub fn try_result(&self) -> Option<Result<Value, String>> {
        self.results.try_recv().ok()
    }

    /// Stops the server. Also done on drop.
    pub fn stop(&mut self) {
        self.server.stop();
    }
}

async fn receive_result(
    tx: web::Data<Mutex<mpsc::Sender<Result<Value, String>>>>,
    body: web::Bytes,
) -> HttpResponse {
    let parsed = serde_json::from_slice::<Value>(&body).map_err(|e| {
        format!("page posted a report that is not JSON ({e}): {}", String::from_utf8_lossy(&body))
    });
    if let Ok(tx) = tx.lock() {
        let _ = tx.send(parsed);
    }
    HttpResponse::NoContent().finish()
}

// ---------------------------------------------------------------------------------
// Chromium
// ---------------------------------------------------------------------------------

/// Finds the Chromium binary: `$CHROMIUM`, else `/usr/bin/chromium`. The error says
/// how to install it.
pub fn find_chromium() -> Result<PathBuf, String> {
    let (path, from_env) = match std::env::var_os("CHROMIUM") {
        Some(p) if !p.is_empty() => (PathBuf::from(p), true),
        _ => (PathBuf::from(DEFAULT_CHROMIUM), false),
    };
    if path.is_file() {
        Ok(path)
    } else if from_env {
        Err(format!(
            "CHROMIUM={} does not exist; unset it to use {DEFAULT_CHROMIUM}, which Debian's \
             package provides: apt-get install -y chromium",
            path.display()
        ))
    } else {
        Err(format!(
            "Chromium not found at {DEFAULT_CHROMIUM}; the browser tests need it. Install \
             Debian's package with: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"
        ))
    }
}

/// A running headless Chromium with its temporary profile. Dropping it kills the whole
/// process group, reaps the child and then removes the profile dir.
pub struct Chromium {
    child: Option<Child>,
    log_path: PathBuf,
    // Dropped after the process is dead (see `Drop`), which removes the directory.
    dir: Option<tempfile::TempDir>,
}

impl Chromium {
    /// Launches Chromium headless on `url` with a fresh profile in a temporary dir.
    /// Its stdout and stderr go to a log file in that dir (see [`log_tail`]).
    ///
    /// [`log_tail`]: Chromium::log_tail
    pub fn launch(url: &str) -> Result<Chromium, String> {
        let binary = find_chromium()?;
        let dir = tempfile::Builder::new()
            .prefix("cors-chromium-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary profile dir: {e}"))?;
        let profile = dir.path().join("profile");
        let log_path = dir.path().join("chromium.log");
        let log = File::create(&log_path).map_err(|e| format!("cannot create log file: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("cannot clone log file: {e}"))?;
        let mut cmd = Command::new(&binary);
        cmd.args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            // Keep Chromium from touching the real home (caches, fontconfig, ...).
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            // Own process group, so that all of Chromium's helpers die with it.
            .process_group(0);
        let child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        Ok(Chromium { child: Some(child), log_path, dir: Some(dir) })
    }

    /// The exit status, if Chromium has already exited.
    pub fn try_exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// The last `max_bytes` of Chromium's output.
    pub fn log_tail(&self, max_bytes: usize) -> String {
        log_tail(&self.log_path, max_bytes)
    }

    /// Kills Chromium's process group and reaps it. Also done on drop.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pgid = child.id() as libc::pid_t;
            // SAFETY: plain syscall; a negative pid addresses the process group we
            // created with `process_group(0)` (its id is the child's pid).
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // Chromium's crashpad handlers call setsid(), so they are outside the process
        // group; find them (and any other straggler) by our unique profile path.
        if let Some(dir) = &self.dir {
            kill_processes_mentioning(dir.path());
        }
    }
}

/// SIGKILLs every process whose command line mentions `path` (a unique temp dir).
fn kill_processes_mentioning(path: &Path) {
    let needle = path.as_os_str().as_encoded_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !cmdline.is_empty() && cmdline.windows(needle.len()).any(|w| w == needle) {
            // SAFETY: plain syscall on a pid we just identified as ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if std::env::var_os("BROWSER_HARNESS_LOG").is_some() {
            eprintln!("---- Chromium output ----\n{}\n---- end ----", self.log_tail(64 * 1024));
        }
        self.kill();
        if let Some(dir) = self.dir.take() {
            // Helpers may take a moment to let go of files; retry removal briefly.
            let path = dir.path().to_path_buf();
            if dir.close().is_err() {
                for _ in 0..20 {
                    std::thread::sleep(Duration::from_millis(25));
                    if std::fs::remove_dir_all(&path).is_ok() || !path.exists() {
                        break;
                    }
                }
            }
        }
    }
}

fn log_tail(path: &Path, max_bytes: usize) -> String {
    let mut buf = Vec::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.read_to_end(&mut buf);
    }
    let start = buf.len().saturating_sub(max_bytes);
    String::from_utf8_lossy(&buf[start..]).into_owned()
}

// ---------------------------------------------------------------------------------
// run_in_browser
// ---------------------------------------------------------------------------------

/// Splits `http://host:port/...` into host and port. The port must be explicit.
pub fn parse_http_url(url: &str) -> Result<(String, u16), String> {
    let rest =
        url.strip_prefix("http://").ok_or_else(|| format!("page url must start with http://: {url}"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) =
        authority.rsplit_once(':').ok_or_else(|| format!("page url must have an explicit port: {url}"))?;
    let port = port.parse::<u16>().map_err(|_| format!("bad port in page url: {url}"))?;
    if host.is_empty() {
        return Err(format!("page url has no host: {url}"));
    }
    Ok((host.to_string(), port))
}

/// A finished browser run: the page's report and how long it took.
#[derive(Debug, Clone)]
pub struct BrowserRun {
    /// The JSON the page posted to `/__result` (see the module docs for its shape).
    pub report: Value,
    /// From launching Chromium to receiving the report.
    pub elapsed: Duration,
}

/// Opens `page_url` (e.g. `http://localhost:7401/`) in headless Chromium, serving a
/// page that runs `script_js`, and returns the page's report with timing.
///
/// The page server listens on `127.0.0.1:<port of page_url>`. Chromium and the server
/// are stopped before this returns, whatever happens.
pub fn run_in_browser_timed(
    page_url: &str,
    script_js: &str,
    timeout: Duration,
) -> Result<BrowserRun, String> {
    let (_host, port) = parse_http_url(page_url)?;
    // Fail early (before binding anything) when Chromium is missing.
    find_chromium()?;
    let _lock = BROWSER_LOCK.lock().unwrap_or_else(|p| p.into_inner());

    // Drop order (reverse of declaration): Chromium first, then the page server.
    let server = PageServer::start(port, script_js)?;
    let started = Instant::now();
    let mut chromium = Chromium::launch(page_url)?;

    let deadline = started + timeout;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "no result from {page_url} within {timeout:?}; Chromium output (tail):\n{}",
                chromium.log_tail(4000)
            ));
        }
        let slice = (deadline - now).min(Duration::from_millis(100));
        match server.wait_result(slice) {
            Ok(report) => {
                let elapsed = started.elapsed();
                return Ok(BrowserRun { report, elapsed });
            }
            Err(e) if e.starts_with("no report") => {}
            Err(e) => return Err(format!("{e}; Chromium output (tail):\n{}", chromium.log_tail(4000))),
        }
        if let Some(status) = chromium.try_exit_status() {
            // One last look, in case the report raced with the exit.
            if let Some(r) = server.try_result() {
                return r.map(|report| BrowserRun { report, elapsed: started.elapsed() });
            }
            return Err(format!(
                "Chromium exited ({status}) before {page_url} reported; output (tail):\n{}",
                chromium.log_tail(4000)
            ));
        }
    }
}

/// Like [`run_in_browser_timed`], returning just the page's report.
pub fn run_in_browser(page_url: &str, script_js: &str, timeout: Duration) -> Result<Value, String> {
    run_in_browser_timed(page_url, script_js, timeout).map(|r| r.report)
}

/// The probe named `name` in a report, if any.
pub fn probe<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["probes"].as_array()?.iter().find(|p| p["name"].as_str() == Some(name))
}

/// Quotes `s` as a JS string literal (JSON strings are valid JS), for building scripts.
pub fn js_str(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}
