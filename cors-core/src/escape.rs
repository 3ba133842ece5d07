//! Showing request values in logs: they come from the client, so they are truncated and escaped.

use std::fmt;

/// The most bytes of one client value shown in a log line or a debug body.
pub const MAX_SHOWN: usize = 128;

/// A client-supplied value shown safely: printable ASCII as is, `"` and `\` escaped, every other
/// byte as `\xNN`, cut after [`MAX_SHOWN`] bytes with `...`.
///
/// ```
/// use cors_core::ClientValue;
///
/// assert_eq!(ClientValue(b"x\n\"y\"").to_string(), r#"x\x0a\"y\""#);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ClientValue<'a>(pub &'a [u8]);

impl fmt::Display for ClientValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(MAX_SHOWN)];
        for &b in shown {
            match b {
                b'"' => f.write_str("\\\"")?,
                b'\\' => f.write_str("\\\\")?,
                0x20..=0x7e => fmt::Write::write_char(f, b as char)?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        if self.0.len() > MAX_SHOWN {
            write!(f, "... ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}
