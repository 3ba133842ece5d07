//! A real shared cache in front of the `env-server` binary (issue 7): Debian's nginx with
//! `proxy_cache`, on loopback, caching `GET /api/echo` (which sends no `Cache-Control`, so
//! `proxy_cache_valid 200 1m` makes it cacheable). nginx honours `Vary` when it caches (since
//! 1.7.7), so the `Vary: Origin` the middleware puts on every response of an origin-dependent
//! policy is what keeps one origin's grant away from another origin and from requests without
//! `Origin`. `X-Cache-Status` (`$upstream_cache_status`) shows hits, so each test also proves
//! the cache is active: a repeated identical request is a HIT.
//!
//! nginx is required: without it the tests fail with the install command (`apt-get install -y
//! nginx`; `bash .ci/run` installs it). Each test starts its own env-server and nginx, with a
//! config file, cache and logs in a temporary directory, both bound to `127.0.0.1` on ports
//! picked for the test, and stops them on drop.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tests::env_server::EnvServer;
use tests::wire::{send, Response};

const A: &str = "https://a.example";
const B: &str = "https://b.example";
/// Not allowed.
const C: &str = "https://evil.example";

// ---------------------------------------------------------------------------------------------
// nginx

fn find_nginx() -> PathBuf {
    if let Some(path) = std::env::var_os("NGINX") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx not found (needed for the shared-cache tests): install it with \
                 `apt-get update && apt-get install -y nginx` (`bash .ci/run` does), or set NGINX=/path/to/nginx"
            )
        })
}

/// A port free on 127.0.0.1 right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind 127.0.0.1:0").port()
}

/// nginx caching in front of `upstream`; dropping it stops nginx and removes its directory.
struct Nginx {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstream: &str) -> Nginx {
        let bin = find_nginx();
        let mut last_error = String::new();
        // The port is picked, released, then bound by nginx: retry if another process took it.
        for _ in 0..3 {
            let dir = tempfile::Builder::new().prefix("cors-nginx-").tempdir().expect("temp dir");
            let port = free_port();
            let d = dir.path().display();
            // As root, nginx would run its workers as `nobody`, who cannot enter the private
            // temporary directory.
            // SAFETY: geteuid has no preconditions.
            let user = if unsafe { libc::geteuid() } == 0 { "user root;" } else { "" };
            let conf = format!(
                r#"daemon off;
master_process on;
worker_processes 1;
{user}
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy_temp;
    fastcgi_temp_path {d}/fastcgi_temp;
    uwsgi_temp_path {d}/uwsgi_temp;
    scgi_temp_path {d}/scgi_temp;
    proxy_cache_path {d}/cache levels=1:2 keys_zone=cors_test:1m max_size=16m inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache cors_test;
            proxy_cache_valid 200 1m;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"#
            );
            let conf_path = dir.path().join("nginx.conf");
            std::fs::File::create(&conf_path)
                .and_then(|mut f| f.write_all(conf.as_bytes()))
                .expect("write nginx.conf");
            let mut cmd = Command::new(&bin);
            cmd.arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(&conf_path)
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // If the test process dies, nginx's master gets SIGTERM and stops its workers.
            // SAFETY: prctl is async-signal-safe and touches no memory of ours.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
            let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut nginx = Nginx { child, addr: format!("127.0.0.1:{port}"), dir };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(status)) = nginx.child.try_wait() {
                    last_error = format!("nginx exited ({status}):\n{}", nginx.error_log());
                    break;
                }
                if TcpStream::connect(&nginx.addr).is_ok() {
                    return nginx;
                }
                if Instant::now() > deadline {
                    panic!("nginx did not listen on {} within 10 s:\n{}", nginx.addr, nginx.error_log());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("{last_error}");
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// `GET path` through the cache, with these `Origin` lines.
    fn get(&self, path: &str, origin: Option<&str>) -> Response {
        let mut raw = format!("GET {path} HTTP/1.1\r\nHost: cache.test\r\nConnection: close\r\n");
        if let Some(o) = origin {
            raw.push_str(&format!("Origin: {o}\r\n"));
        }
        raw.push_str("\r\n");
        send(&self.addr, raw.as_bytes())
            .unwrap_or_else(|e| panic!("GET {path} via nginx: {e}\n{}", self.error_log()))
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: fast shutdown, the master stops its workers; SIGKILL if it takes too long.
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

fn cache_status(res: &Response) -> &str {
    res.header("x-cache-status").unwrap_or("(none)")
}

/// The response is the one meant for `origin`: granted to an allowed origin (and only to it),
/// nothing for a refused origin or a request without `Origin`; always `Vary: Origin`.
fn assert_meant_for(res: &Response, origin: Option<&str>, what: &str) {
    assert_eq!(res.status, 200, "{what}: {res:?}");
    assert_eq!(res.body, b"ok", "{what}: {res:?}");
    assert!(res.vary().iter().any(|t| t == "origin"), "{what}: no Vary: Origin: {res:?}");
    match origin {
        Some(o) if o != C => {
            assert_eq!(res.header("access-control-allow-origin"), Some(o), "{what}: {res:?}");
            assert_eq!(res.header("access-control-allow-credentials"), Some("true"), "{what}: {res:?}");
            assert_eq!(res.header("access-control-expose-headers"), Some("x-request-id"), "{what}: {res:?}");
        }
        _ => {
            assert!(
                !res.headers.iter().any(|(n, _)| n.starts_with("access-control-")),
                "{what}: CORS headers on a response meant for {origin:?}: {res:?}"
            );
        }
    }
}

fn start() -> (EnvServer, Nginx) {
    let server = EnvServer::start(&[
        ("CORS_ALLOWED_ORIGINS", &format!("{A},{B}")),
        ("CORS_ALLOW_CREDENTIALS", "true"),
        ("CORS_EXPOSED_HEADERS", "x-request-id"),
    ]);
    let nginx = Nginx::start(&server.addr);
    (server, nginx)
}

/// Sends the sequence through the cache; every response must be the one meant for its request.
/// Returns the cache statuses.
fn run(nginx: &Nginx, path: &str, sequence: &[Option<&str>]) -> Vec<String> {
    let mut statuses = Vec::new();
    for (i, origin) in sequence.iter().enumerate() {
        let res = nginx.get(path, *origin);
        let what = format!(
            "request {i} ({origin:?}) of {sequence:?} on {path}, X-Cache-Status {}",
            cache_status(&res)
        );
        assert_meant_for(&res, *origin, &what);
        statuses.push(cache_status(&res).to_string());
    }
    eprintln!("[shared_cache] {path}: {:?}", sequence.iter().zip(&statuses).collect::<Vec<_>>());
    statuses
}

/// A response granted to origin A is never served to B (allowed too), to C (refused) or to a
/// request without `Origin`, while A's own repeat is a HIT.
#[test]
fn granted_response_is_never_served_to_another_origin() {
    let (_server, nginx) = start();
    let s = run(&nginx, "/api/echo?case=granted", &[Some(A), Some(A), Some(B), Some(C), None]);
    assert_eq!(s[0], "MISS", "the first request fills the cache");
    assert_eq!(s[1], "HIT", "an identical request from A is served from the cache: it is active");
    for (i, status) in s.iter().enumerate().skip(2) {
        assert_ne!(status, "HIT", "request {i} was served A's cached response");
    }
    // Every variant is cached separately: each repeat is served from the cache, still its own.
    let s = run(&nginx, "/api/echo?case=granted", &[Some(B), Some(C), None, Some(A), Some(B)]);
    assert!(s.iter().all(|s| s == "HIT"), "each variant has its own cache entry: {s:?}");
}

/// The reverse: a cached response to a request without `Origin` (or from a refused origin) is
/// never served to an allowed origin, which still gets its grant, and then hits its own entry.
#[test]
fn cached_response_without_grant_is_never_served_to_an_allowed_origin() {
    let (_server, nginx) = start();
    let s = run(&nginx, "/api/echo?case=no-origin", &[None, None, Some(A), Some(A), None]);
    assert_eq!(s[0], "MISS", "the first request fills the cache");
    assert_eq!(s[1], "HIT", "an identical request without Origin is served from the cache");
    assert_ne!(s[2], "HIT", "A was served the cached response without Origin");
    assert_eq!(s[3], "HIT", "A's repeat is served from the cache");

    let s = run(&nginx, "/api/echo?case=refused", &[Some(C), Some(C), Some(A), Some(B), Some(A)]);
    assert_eq!(s[1], "HIT", "the refused origin's repeat is served from the cache");
    assert_ne!(s[2], "HIT", "A was served the refused origin's cached response");
    assert_ne!(s[3], "HIT", "B was served a cached response meant for another origin");
}

/// Where the answer does not depend on the origin (`#[cors(any_origin)]` on `/public/data`: `*`,
/// no `Vary: Origin`), the cache shares one entry between origins, and that is correct.
#[test]
fn any_origin_response_is_shared_by_the_cache() {
    let (_server, nginx) = start();
    let mut statuses = Vec::new();
    for origin in [Some(A), Some(C), None, Some(B)] {
        let res = nginx.get("/public/data", origin);
        assert_eq!(res.status, 200, "{res:?}");
        assert_eq!(res.body, b"public", "{res:?}");
        // The first response fills the cache; it may carry `*` (it came with an Origin); a
        // response served later is the same entry, and `*` is right for anyone.
        if let Some(acao) = res.header("access-control-allow-origin") {
            assert_eq!(acao, "*", "{res:?}");
        }
        assert!(res.header("access-control-allow-credentials").is_none(), "{res:?}");
        statuses.push(cache_status(&res).to_string());
    }
    assert_eq!(statuses[0], "MISS");
    assert!(statuses[1..].iter().all(|s| s == "HIT"), "one shared entry: {statuses:?}");
}
