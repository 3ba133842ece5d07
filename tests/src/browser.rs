//! A small real-browser harness: headless Chromium or Firefox, and an actix-web page server.
//!
//! How it works:
//!
//! * One page server per test process listens on `127.0.0.1:<a port the OS picks>` and serves
//!   any `Host`, so [`page_url`]`("app.localhost")` is `http://app.localhost:PORT/` and
//!   [`page_origin`]`("partner.localhost")` is `http://partner.localhost:PORT`: distinct origins
//!   for distinct roles, with no fixed port (both engines resolve `*.localhost` to loopback by
//!   themselves). Two test processes on one machine each have their own port.
//! * [`run_in_browser`]`(engine, page_url, script)` registers `script` under a fresh run id,
//!   launches the engine headless with a fresh temporary profile on `page_url` (with
//!   `__run=ID` added to its query), waits until the page has posted its report and the
//!   console marker the page logs just before has arrived, and returns the report with every
//!   console message the engine gave during the run ([`BrowserRun`]). The browser (its whole
//!   process group) is killed and its profile removed before this returns, pass or fail: all
//!   cleanup lives in `Drop` guards, so a panic cleans up too.
//! * The console comes from where each engine puts it: Chromium's stderr `INFO:CONSOLE` lines
//!   (with `--enable-logging=stderr`), Firefox's WebDriver BiDi `log.entryAdded` events (Firefox
//!   prints its CORS errors nowhere else). See [`chromium`] and [`firefox`].
//! * A page URL whose port is not the page server's gets a page server of its own on that
//!   port, for that run; if the port is taken, the run fails at once saying so.
//! * [`BackgroundServer`] runs any actix-web server on a background thread (the page server,
//!   and the API servers of harness tests).
//!
//! Script convention (the page defines these helpers before the caller's script runs; the
//! caller's script is the body of an `async` function, so `await` works):
//!
//! ```js
//! await probe("name", url, init);   // fetch(url, init) and record the outcome
//! await report();                   // POST the collected outcomes to /__result/ID
//! ```
//!
//! A probe outcome is `{name, url, ok: true, status, type, headers: {...}, body}` when `fetch`
//! resolves (headers are the ones the page may read, lowercased) or `{name, url, ok: false,
//! error: "TypeError: Failed to fetch"}` when it rejects (CORS failures reject with a
//! `TypeError`: [`Engine::fetch_error`]). The report is `{href, origin, probes: [...], errors:
//! [...]}`; `errors` collects uncaught script errors. If the script neither calls `report()`
//! nor throws, the report is sent when it returns; if it throws, the report is sent with the
//! error in `errors`.
//!
//! Browsers: `/usr/bin/chromium` (or `$CHROMIUM`) and `/usr/bin/firefox-esr` (or `$FIREFOX`).
//! A missing one makes the run fail with how to install it (`apt-get install -y chromium
//! firefox-esr`); nothing passes silently. Nothing is downloaded at test time: Firefox is
//! driven over the WebDriver BiDi server it has built in, not geckodriver.
//!
//! Set `BROWSER_HARNESS_LOG=1` to print each browser's own output after its run.

pub mod chromium;
pub mod firefox;
mod process;

use std::collections::HashMap;
use std::fmt;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

pub use chromium::CHROMIUM_FLAGS;

/// Default Chromium binary (Debian's `chromium` package).
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// Default Firefox binary (Debian's `firefox-esr` package).
pub const DEFAULT_FIREFOX: &str = "/usr/bin/firefox-esr";
/// How long one run may take, from launch to report, unless the caller says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What the page logs just before it posts its report; the harness waits for it in the console,
/// so that every message of the run has arrived. Not part of [`BrowserRun::console`].
const MARKER: &str = "cors-harness: done ";

// ---------------------------------------------------------------------------------
// Engines
// ---------------------------------------------------------------------------------

/// A browser engine the harness can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Headless Chromium; console from stderr.
    Chromium,
    /// Headless Firefox (ESR); console over WebDriver BiDi.
    Firefox,
}

impl Engine {
    /// Both engines.
    pub const ALL: [Engine; 2] = [Engine::Chromium, Engine::Firefox];

    /// `chromium` or `firefox`, as in test names.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }

    /// What `String(error)` is when this engine's `fetch` rejects for CORS (the reason is only
    /// in the console).
    pub fn fetch_error(self) -> &'static str {
        match self {
            Engine::Chromium => "TypeError: Failed to fetch",
            Engine::Firefox => "TypeError: NetworkError when attempting to fetch resource.",
        }
    }

    /// The browser binary: `$CHROMIUM` / `$FIREFOX`, else Debian's. The error says how to
    /// install it.
    pub fn binary(self) -> Result<PathBuf, String> {
        let (var, default, package) = match self {
            Engine::Chromium => ("CHROMIUM", DEFAULT_CHROMIUM, "chromium"),
            Engine::Firefox => ("FIREFOX", DEFAULT_FIREFOX, "firefox-esr"),
        };
        let (path, from_env) = match std::env::var_os(var) {
            Some(p) if !p.is_empty() => (PathBuf::from(p), true),
            _ => (PathBuf::from(default), false),
        };
        if path.is_file() {
            Ok(path)
        } else if from_env {
            Err(format!(
                "{var}={} does not exist; unset it to use {default}, which Debian's package \
                 provides: apt-get install -y {package}",
                path.display()
            ))
        } else {
            Err(format!(
                "{self} not found at {default}; the browser tests need it. Install Debian's \
                 package with: apt-get install -y {package} (or set {var}=/path/to/binary)"
            ))
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
        })
    }
}

/// Finds the Chromium binary (see [`Engine::binary`]).
pub fn find_chromium() -> Result<PathBuf, String> {
    Engine::Chromium.binary()
}

/// One console message of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleMessage {
    /// The message, verbatim.
    pub text: String,
    /// Where it came from, as the engine says it. Chromium: `source: URL (LINE)` (line 0 for
    /// the browser's own messages; stderr gives no level). Firefox: `TYPE/LEVEL`, e.g.
    /// `javascript/error` for a CORS error, `console/info` for a page's `console.log`.
    pub meta: String,
}

impl fmt::Display for ConsoleMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.meta, self.text)
    }
}

/// A finished browser run.
#[derive(Debug, Clone)]
pub struct BrowserRun {
    /// The engine that ran it.
    pub engine: Engine,
    /// The JSON the page posted (see the module docs for its shape).
    pub report: Value,
    /// Every console message the engine gave for the page during the run, in order.
    pub console: Vec<ConsoleMessage>,
    /// From launching the browser to having the report and the whole console.
    pub elapsed: Duration,
}

impl BrowserRun {
    /// The texts of the CORS messages about a request to exactly `url` (the URL as the page
    /// fetched it; `http://h:1/a` is not `http://h:1/a?b`), in order.
    pub fn console_about(&self, url: &str) -> Vec<String> {
        self.console
            .iter()
            .filter(|m| cors_message_url(&m.text) == Some(url))
            .map(|m| m.text.clone())
            .collect()
    }

    /// The whole console, one message a line, for failure messages.
    pub fn console_dump(&self) -> String {
        if self.console.is_empty() {
            return "(no console messages)".into();
        }
        self.console.iter().map(|m| format!("  {m}")).collect::<Vec<_>>().join("\n")
    }
}

/// The URL a CORS console message is about, in either engine's wording:
/// Chromium `Access to fetch at 'URL' from origin …`, Firefox `… the remote resource at URL.
/// (Reason: …` or `… at ‘URL’. (Reason: …`.
pub fn cors_message_url(text: &str) -> Option<&str> {
    if let Some(rest) = text.strip_prefix("Access to fetch at '") {
        return rest.split_once("' from origin '").map(|(url, _)| url);
    }
    let rest = text.split_once("the remote resource at ")?.1;
    if let Some(quoted) = rest.strip_prefix('\u{2018}') {
        return quoted.split_once('\u{2019}').map(|(url, _)| url);
    }
    rest.split_once(". (Reason: ").map(|(url, _)| url)
}

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

/// Binds `127.0.0.1:port` (0: a port the OS picks), retrying for up to two seconds while the
/// port is busy (e.g. a previous run's socket is still closing). The error names the address
/// and, when the port is taken, says so.
pub fn bind_loopback(port: u16) -> Result<TcpListener, String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match TcpListener::bind(("127.0.0.1", port)) {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(format!(
                    "cannot bind 127.0.0.1:{port}: {e}: another process holds this port (for 2 s \
                     now); free it, or let the OS pick one (port 0, as tests::browser::page_url does)"
                ))
            }
            Err(e) => return Err(format!("cannot bind 127.0.0.1:{port}: {e}")),
        }
    }
}

// ---------------------------------------------------------------------------------
// Page server
// ---------------------------------------------------------------------------------

/// JS helpers defined before the caller's script (see the module docs). `__RUN__` is replaced by
/// the run id.
const HELPERS_JS: &str = r#"
const __run = "__RUN__";
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
    outcome = { name, url, ok: true, status: r.status, type: r.type, headers, body };
  } catch (e) {
    outcome = { name, url, ok: false, error: String(e) };
  }
  __outcomes.push(outcome);
  return outcome;
}
async function report(extra) {
  if (__reported) { return; }
  __reported = true;
  const payload = { href: location.href, origin: location.origin, probes: __outcomes, errors: __errors };
  if (extra !== undefined) { payload.extra = extra; }
  // Logged after every probe has settled, so after every console message about them: the
  // harness waits for this line to know that it has the whole console.
  console.log("cors-harness: done " + __run);
  await fetch("/__result/" + __run, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
}
"#;

fn page_html(run: u64, script_js: &str) -> String {
    // `</script` inside the caller's script would end the inline script early.
    let script_js = script_js.replace("</script", "<\\/script");
    let helpers = HELPERS_JS.replace("__RUN__", &run.to_string());
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>cors browser test</title>\
         <link rel=\"icon\" href=\"data:,\"></head><body>\n\
         <script>{helpers}</script>\n\
         <script>\n(async () => {{\ntry {{\n{script_js}\n}} catch (e) {{ __errors.push(\"script threw: \" + String(e)); }}\n\
         await report();\n}})();\n</script>\n</body></html>\n"
    )
}

type ReportSender = mpsc::Sender<Result<Value, String>>;

/// The runs a page server serves: id → (page, where its report goes).
#[derive(Default)]
struct Runs(Mutex<HashMap<u64, (String, ReportSender)>>);

/// Serves test pages on `127.0.0.1:<port>` (any `Host`, any path; the page is chosen by the
/// `__run` query parameter) and collects the reports posted to `/__result/ID`. Dropping it
/// stops the server.
pub struct PageServer {
    port: u16,
    runs: Arc<Runs>,
    server: BackgroundServer,
}

impl PageServer {
    /// Starts a page server on `127.0.0.1:port` (0: a port the OS picks).
    pub fn start(port: u16) -> Result<PageServer, String> {
        let listener = bind_loopback(port).map_err(|e| format!("browser harness page server: {e}"))?;
        let port = listener.local_addr().map_err(|e| format!("page server local_addr: {e}"))?.port();
        let runs = Arc::new(Runs::default());
        let data = web::Data::from(runs.clone());
        let server = BackgroundServer::start(move || {
            Ok(HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .route("/__result/{run}", web::post().to(receive_result))
                    .default_service(web::get().to(serve_page))
            })
            .workers(2)
            .disable_signals()
            .shutdown_timeout(0)
            .listen(listener)?
            .run())
        })
        .map_err(|e| format!("browser harness page server on 127.0.0.1:{port}: {e}"))?;
        Ok(PageServer { port, runs, server })
    }

    /// The port the pages are served on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves a page running `script_js` until the returned guard is dropped.
    pub fn register(&self, script_js: &str) -> PageRun {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.runs.0.lock().unwrap_or_else(|p| p.into_inner()).insert(id, (page_html(id, script_js), tx));
        PageRun { id, marker: format!("{MARKER}{id}"), results: rx, runs: self.runs.clone() }
    }

    /// Stops the server. Also done on drop.
    pub fn stop(&mut self) {
        self.server.stop();
    }
}

/// One page served by a [`PageServer`]; dropping it stops serving the page.
pub struct PageRun {
    id: u64,
    marker: String,
    results: mpsc::Receiver<Result<Value, String>>,
    runs: Arc<Runs>,
}

impl PageRun {
    /// `page_url` with this run's `__run` query parameter.
    pub fn url(&self, page_url: &str) -> String {
        let (base, fragment) = match page_url.split_once('#') {
            Some((b, f)) => (b, format!("#{f}")),
            None => (page_url, String::new()),
        };
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}__run={}{fragment}", self.id)
    }

    /// The report, if the page has posted it.
    pub fn try_result(&self) -> Option<Result<Value, String>> {
        self.results.try_recv().ok()
    }

    /// The console line the page logs just before it reports.
    pub(crate) fn marker(&self) -> &str {
        &self.marker
    }
}

impl Drop for PageRun {
    fn drop(&mut self) {
        self.runs.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

async fn serve_page(req: HttpRequest, runs: web::Data<Runs>) -> HttpResponse {
    let run = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("__run="))
        .and_then(|id| id.parse::<u64>().ok());
    let html =
        run.and_then(|id| runs.0.lock().unwrap_or_else(|p| p.into_inner()).get(&id).map(|r| r.0.clone()));
    match html {
        Some(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("cache-control", "no-store"))
            .body(html),
        None => HttpResponse::NotFound().body("browser harness: no such run"),
    }
}

async fn receive_result(path: web::Path<u64>, runs: web::Data<Runs>, body: web::Bytes) -> HttpResponse {
    let parsed = serde_json::from_slice::<Value>(&body).map_err(|e| {
        format!("page posted a report that is not JSON ({e}): {}", String::from_utf8_lossy(&body))
    });
    if let Some((_, tx)) = runs.0.lock().unwrap_or_else(|p| p.into_inner()).get(&path.into_inner()) {
        let _ = tx.send(parsed);
    }
    HttpResponse::NoContent().finish()
}

/// The page server of this test process, started on first use on a port the OS picks.
fn shared_pages() -> Result<&'static PageServer, String> {
    static SHARED: OnceLock<Result<PageServer, String>> = OnceLock::new();
    SHARED.get_or_init(|| PageServer::start(0)).as_ref().map_err(Clone::clone)
}

/// `http://HOST:PORT/`, on this process's page server: give each role of a test its own host
/// (`app.localhost`, `partner.localhost`, `evil.localhost`, `a.app.localhost`, ...) and the
/// origins differ with no fixed port. Panics if the page server cannot start, saying why.
pub fn page_url(host: &str) -> String {
    format!("{}/", page_origin(host))
}

/// `http://HOST:PORT`: the origin of [`page_url`]`(host)`.
pub fn page_origin(host: &str) -> String {
    match shared_pages() {
        Ok(pages) => format!("http://{host}:{}", pages.port()),
        Err(e) => panic!("{e}"),
    }
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

/// What an engine's run gives back.
pub(crate) struct RunOutcome {
    pub(crate) report: Value,
    pub(crate) console: Vec<ConsoleMessage>,
}

/// Opens `page_url` (e.g. [`page_url`]`("app.localhost")`) in headless `engine`, serving a page
/// that runs `script_js`, and returns the page's report with the console messages the engine
/// gave meanwhile. Gives up after [`DEFAULT_TIMEOUT`].
pub fn run_in_browser(engine: Engine, page_url: &str, script_js: &str) -> Result<BrowserRun, String> {
    run_in_browser_timeout(engine, page_url, script_js, DEFAULT_TIMEOUT)
}

/// [`run_in_browser`] with its own timeout.
///
/// `page_url` is served by this process's page server when it has that server's port (as
/// [`page_url`] gives), else by a page server started on the URL's port for this run, which
/// fails at once, naming the port, if the port is taken. The browser and any page server of the
/// run are stopped before this returns, whatever happens.
pub fn run_in_browser_timeout(
    engine: Engine,
    page_url: &str,
    script_js: &str,
    timeout: Duration,
) -> Result<BrowserRun, String> {
    let (_host, port) = parse_http_url(page_url)?;
    // Fail early (before binding anything) when the browser is missing.
    let binary = engine.binary()?;
    // No lock: runs share no fixed resource (every port is the OS's pick, every profile fresh),
    // and two browsers at once (the test harness's two threads on two cores) finish the suite
    // faster than one at a time, with no failure.

    let shared = shared_pages()?;
    let own;
    let pages = if port == shared.port() {
        shared
    } else {
        own = PageServer::start(port).map_err(|e| format!("{e} (needed for the page {page_url})"))?;
        &own
    };
    let page = pages.register(script_js);
    let url = page.url(page_url);
    let started = Instant::now();
    let deadline = started + timeout;
    let outcome = match engine {
        Engine::Chromium => chromium::run(&binary, &url, &page, deadline),
        Engine::Firefox => firefox::run(&binary, &url, &page, deadline),
    }?;
    Ok(BrowserRun { engine, report: outcome.report, console: outcome.console, elapsed: started.elapsed() })
}

/// The probe named `name` in a report, if any.
pub fn probe<'a>(report: &'a Value, name: &str) -> Option<&'a Value> {
    report["probes"].as_array()?.iter().find(|p| p["name"].as_str() == Some(name))
}

/// Quotes `s` as a JS string literal (JSON strings are valid JS), for building scripts.
pub fn js_str(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}
