//! The example servers' apps, as functions, so tests can build exactly what the binaries serve.
//!
//! * [`env_server`]: the reference server for black-box tests (`cargo run -p examples --bin env-server`).
//! * [`demo`]: the README's first command (`cargo run -p examples --bin demo`).

pub mod demo;
pub mod env_server;

/// Starts a `tracing` subscriber that prints the `cors` target's refusals (debug) and the rest at
/// info, unless `RUST_LOG` says otherwise.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,cors=debug"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(true).with_ansi(ansi).try_init();
}
