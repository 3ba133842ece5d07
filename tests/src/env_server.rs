//! The `env-server` binary as a child process: built once per test run into the test binary's
//! own target directory (so it matches the sources under test), started with only the `CORS_*`
//! variables a test gives, on `127.0.0.1:<port the OS picks>`, and killed on drop, pass or fail
//! (also when the test process dies: `PR_SET_PDEATHSIG`).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Builds `env-server` once per test process, into the target dir of this test binary.
pub fn env_server_binary() -> PathBuf {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(build_env_server) {
        Ok(path) => path.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn build_env_server() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // <target>/<profile>/deps/<test>-<hash>
    let profile_dir = exe.parent().and_then(|d| d.parent()).ok_or("unexpected test binary location")?;
    let target_dir = profile_dir.parent().ok_or("unexpected test binary location")?;
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(&workspace)
        .args(["build", "--quiet", "-p", "examples", "--bin", "env-server", "--target-dir"])
        .arg(target_dir);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let out = cmd.output().map_err(|e| format!("cannot run cargo build for env-server: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo build -p examples --bin env-server` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bin = profile_dir.join("env-server");
    bin.is_file().then_some(bin.clone()).ok_or_else(|| format!("{} does not exist", bin.display()))
}

/// How much of the server's output is kept (the tail), for failure messages.
const KEEP: usize = 64 * 1024;

/// A running `env-server`; dropping it kills the process.
pub struct EnvServer {
    child: Child,
    /// `127.0.0.1:<port>`
    pub addr: String,
    output: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl EnvServer {
    /// Starts `env-server` on `127.0.0.1:0` with these `CORS_*` variables only.
    pub fn start(vars: &[(&str, &str)]) -> EnvServer {
        let bin = env_server_binary();
        let mut cmd = Command::new(&bin);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CORS_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env_remove("RUST_LOG")
            .env("BIND", "127.0.0.1:0")
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let readers = vec![
            reader(child.stdout.take().expect("piped stdout"), output.clone(), Some(tx)),
            reader(child.stderr.take().expect("piped stderr"), output.clone(), None),
        ];
        let mut server = EnvServer { child, addr: String::new(), output, readers };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(addr) => {
                    server.addr = addr;
                    return server;
                }
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = server.child.try_wait() {
                        std::thread::sleep(Duration::from_millis(100));
                        panic!("env-server {vars:?} exited ({status}):\n{}", server.output());
                    }
                }
                Err(_) => panic!("env-server {vars:?} did not start:\n{}", server.output()),
            }
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).expect("env-server printed host:port")
    }

    /// `http://<host>:<port>`: the server under a loopback host name, e.g. `api.localhost`
    /// (which browsers resolve to loopback themselves; the server listens on 127.0.0.1).
    pub fn base_on(&self, host: &str) -> String {
        format!("http://{host}:{}", self.port())
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The tail of what the server printed (stdout and stderr).
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits up to `timeout` for `needle` to appear in the output; returns the output.
    pub fn wait_output(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.output();
            if out.contains(needle) || Instant::now() >= deadline {
                return out;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for EnvServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

fn reader<R: Read + Send + 'static>(
    stream: R,
    output: Arc<Mutex<String>>,
    listening: Option<mpsc::Sender<String>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut stream = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match stream.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            if let (Some(tx), Some(addr)) = (&listening, text.strip_prefix("listening on http://")) {
                let _ = tx.send(addr.trim().to_string());
            }
            let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(&text);
            if out.len() > 2 * KEEP {
                let mut cut = out.len() - KEEP;
                while !out.is_char_boundary(cut) {
                    cut += 1;
                }
                out.drain(..cut);
            }
        }
    })
}
