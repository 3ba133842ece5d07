//! The example servers' apps, as functions, so tests can build exactly what the binaries serve.
//!
//! * [`env_server`]: the reference server for black-box tests (`cargo run -p examples --bin env-server`).
//! * [`demo`]: the README's first command (`cargo run -p examples --bin demo`).

pub mod demo;
pub mod env_server;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Starts a `tracing` subscriber that prints the `cors` target's refusals (debug) and the rest at
/// info, unless `RUST_LOG` says otherwise.
pub fn init_logging() {
    init_logging_with(tracing_subscriber::layer::Identity::new());
}

/// Like [`init_logging`], with `extra` receiving every event too (the demo keeps refusals for
/// its page).
pub fn init_logging_with<L>(extra: L)
where
    L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,cors=debug"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let fmt = tracing_subscriber::fmt::layer().with_target(true).with_ansi(ansi).with_filter(filter);
    let _ = tracing_subscriber::registry().with(extra).with(fmt).try_init();
}
