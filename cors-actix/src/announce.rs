//! Startup lines, logged once per process however many workers build the same app.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// Whether `line` is announced for the first time in this process.
pub(crate) fn first_time(line: &str) -> bool {
    static ANNOUNCED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut announced = ANNOUNCED.lock().unwrap_or_else(PoisonError::into_inner);
    announced.get_or_insert_with(HashSet::new).insert(line.to_owned())
}

/// Logs a configuration warning (target `cors`) the first time it is found in this process.
pub(crate) fn warn_once(line: &str) {
    if first_time(line) {
        tracing::warn!(target: "cors", "CORS configuration: {line}");
    }
}
