//! What the middleware logs, captured for assertions: a `tracing` subscriber that writes into a
//! buffer, for the duration of one actix system.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// The captured log; clones share it.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// What was logged since the last call.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner())))
            .into_owned()
    }
}

/// Runs `f` in an actix system with a subscriber (debug and up, no colours) writing into the
/// buffer it is given.
pub fn with_log<F: std::future::Future<Output = ()>>(f: impl FnOnce(Buffer) -> F) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || actix_web::rt::System::new().block_on(f(buffer)));
}
