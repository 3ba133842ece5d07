//! A browser as a child process: a fresh temporary dir (profile, HOME, caches), its own process
//! group, stdout and stderr captured line by line, and on drop the whole group killed and the dir
//! removed, pass or fail.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this many lines are kept per stream (a browser prints a few dozen per run).
const MAX_LINES: usize = 20_000;

type Lines = Arc<Mutex<Vec<String>>>;

/// A running browser; see the module docs.
pub(crate) struct BrowserProcess {
    /// For messages: `Chromium (/usr/bin/chromium)`.
    pub(crate) what: String,
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
    stdout: Lines,
    stderr: Lines,
}

impl BrowserProcess {
    /// A fresh temporary dir for a browser called `prefix` (`cors-chromium-`, ...).
    pub(crate) fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, String> {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .map_err(|e| format!("cannot create a temporary profile dir for the browser: {e}"))
    }

    /// Spawns `cmd` in its own process group, with `HOME` and the XDG dirs inside `dir`, no stdin,
    /// and stdout/stderr captured. The browser is SIGKILLed if the spawning thread dies first.
    pub(crate) fn spawn(
        what: String,
        mut cmd: Command,
        dir: tempfile::TempDir,
    ) -> Result<BrowserProcess, String> {
        cmd.env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so that all of the browser's helpers die with it.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start {what}: {e}"))?;
        let stdout = Lines::default();
        let stderr = Lines::default();
        // The readers are detached: a helper that escaped the group could keep a pipe open, and
        // joining its reader would then hang the test. They end when the pipe closes.
        read_lines(child.stdout.take().expect("piped stdout"), stdout.clone());
        read_lines(child.stderr.take().expect("piped stderr"), stderr.clone());
        Ok(BrowserProcess { what, child: Some(child), dir: Some(dir), stdout, stderr })
    }

    /// Calls `f` with the stderr lines so far.
    pub(crate) fn with_stderr<T>(&self, f: impl FnOnce(&[String]) -> T) -> T {
        f(&self.stderr.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The last `max_lines` lines of stdout and of stderr, for failure messages.
    pub(crate) fn output_tail(&self, max_lines: usize) -> String {
        let tail = |lines: &Lines| {
            let lines = lines.lock().unwrap_or_else(|p| p.into_inner());
            lines[lines.len().saturating_sub(max_lines)..].join("\n")
        };
        format!(
            "---- {} stderr (tail) ----\n{}\n---- stdout (tail) ----\n{}\n---- end ----",
            self.what,
            tail(&self.stderr),
            tail(&self.stdout)
        )
    }

    /// The exit status, if the browser's main process has exited.
    pub(crate) fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Waits up to `timeout` for the main process to exit by itself; whether it did.
    pub(crate) fn wait_exit(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.try_exit_status().is_some() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process group and reaps the main process. Also done on drop.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pgid = child.id() as libc::pid_t;
            // SAFETY: plain syscall; a negative pid addresses the process group we created with
            // `process_group(0)` (its id is the child's pid).
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            // Wait (briefly) until no member of the group runs, so that the dir can be removed.
            // Zombies do not count: the helpers' parent is gone, so whoever adopted them (PID 1
            // or a subreaper) reaps them in its own time.
            let deadline = Instant::now() + Duration::from_secs(3);
            while group_has_live_members(pgid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
                // SAFETY: as above.
                unsafe {
                    libc::kill(-pgid, libc::SIGKILL);
                }
            }
        }
        // Chromium's crashpad handlers call setsid(), so they are outside the process group;
        // find them (and any other straggler) by our unique temporary dir.
        if let Some(dir) = &self.dir {
            kill_processes_mentioning(dir.path());
        }
    }
}

impl Drop for BrowserProcess {
    fn drop(&mut self) {
        if std::env::var_os("BROWSER_HARNESS_LOG").is_some() {
            eprintln!("{}", self.output_tail(MAX_LINES));
        }
        self.kill();
        if let Some(dir) = self.dir.take() {
            // Helpers may take a moment to let go of files; retry removal briefly.
            let path: PathBuf = dir.path().to_path_buf();
            if dir.close().is_err() {
                for _ in 0..40 {
                    std::thread::sleep(Duration::from_millis(25));
                    if std::fs::remove_dir_all(&path).is_ok() || !path.exists() {
                        break;
                    }
                }
            }
        }
    }
}

fn read_lines<R: Read + Send + 'static>(stream: R, sink: Lines) {
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
            let mut lines = sink.lock().unwrap_or_else(|p| p.into_inner());
            if lines.len() >= MAX_LINES {
                lines.drain(..MAX_LINES / 2);
            }
            lines.push(text.trim_end_matches(['\r', '\n']).to_string());
        }
    });
}

/// Whether a process of group `pgid` is still alive (not a zombie), from `/proc/PID/stat`.
fn group_has_live_members(pgid: libc::pid_t) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        if !entry.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())) {
            return false;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `PID (COMM) STATE PPID PGRP ...`; COMM may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<libc::pid_t>().ok());
        pgrp == Some(pgid) && !matches!(state, Some("Z") | Some("X"))
    })
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
