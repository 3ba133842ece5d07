//! Cross-crate integration and real-browser test support.

pub mod browser;
