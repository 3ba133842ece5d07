//! Cross-crate integration and real-browser test support.

pub mod browser;
pub mod env_server;
pub mod inproc;
pub mod log;
pub mod wire;
