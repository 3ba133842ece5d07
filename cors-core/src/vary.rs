//! `Vary`: the request headers a response depends on, and merging them into a response.

use std::ops::BitOr;

/// A set of `Vary` tokens this library adds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vary(u8);

impl Vary {
    /// No token.
    pub const NONE: Vary = Vary(0);
    /// `Origin`
    pub const ORIGIN: Vary = Vary(1);
    /// `Access-Control-Request-Method`
    pub const REQUEST_METHOD: Vary = Vary(2);
    /// `Access-Control-Request-Headers`
    pub const REQUEST_HEADERS: Vary = Vary(4);
    /// `Access-Control-Request-Private-Network`
    pub const REQUEST_PRIVATE_NETWORK: Vary = Vary(8);

    const NAMES: [(Vary, &'static str); 4] = [
        (Vary::ORIGIN, "Origin"),
        (Vary::REQUEST_METHOD, "Access-Control-Request-Method"),
        (Vary::REQUEST_HEADERS, "Access-Control-Request-Headers"),
        (Vary::REQUEST_PRIVATE_NETWORK, "Access-Control-Request-Private-Network"),
    ];

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every token of `other` is in this set.
    pub fn contains(self, other: Vary) -> bool {
        self.0 & other.0 == other.0
    }

    /// The tokens, in a fixed order.
    pub fn tokens(self) -> impl Iterator<Item = &'static str> {
        Vary::NAMES.into_iter().filter(move |(v, _)| self.contains(*v)).map(|(_, n)| n)
    }

    /// Merges these tokens into a response's existing `Vary` lines.
    ///
    /// Returns `None` when nothing needs to change: the set is empty, a line is `*`, or every
    /// token is already there (compared without regard to case). Otherwise returns the one
    /// line to replace all existing lines with: the existing tokens, then the missing ones.
    ///
    /// ```
    /// use cors_core::Vary;
    ///
    /// let merged = Vary::ORIGIN.merge_into([&b"Accept-Encoding"[..]]);
    /// assert_eq!(merged.as_deref(), Some("Accept-Encoding, Origin"));
    /// assert_eq!(Vary::ORIGIN.merge_into([&b"*"[..]]), None);
    /// assert_eq!(Vary::ORIGIN.merge_into([&b"origin"[..]]), None);
    /// ```
    pub fn merge_into<'v, I>(self, existing: I) -> Option<String>
    where
        I: IntoIterator<Item = &'v [u8]> + Clone,
    {
        if self.is_empty() {
            return None;
        }
        let tokens = || {
            existing
                .clone()
                .into_iter()
                .flat_map(|line| line.split(|&b| b == b','))
                .map(|t| t.trim_ascii())
                .filter(|t| !t.is_empty())
        };
        let mut present = Vary::NONE;
        for token in tokens() {
            if token == b"*" {
                return None;
            }
            for (v, name) in Vary::NAMES {
                if token.eq_ignore_ascii_case(name.as_bytes()) {
                    present = present | v;
                }
            }
        }
        if present.contains(self) {
            return None;
        }
        let mut out = String::new();
        let mut seen: Vec<&[u8]> = Vec::new();
        for token in tokens() {
            if seen.iter().any(|s| s.eq_ignore_ascii_case(token)) {
                continue;
            }
            seen.push(token);
            if let Ok(t) = std::str::from_utf8(token) {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(t);
            }
        }
        for (v, name) in Vary::NAMES {
            if self.contains(v) && !present.contains(v) {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(name);
            }
        }
        Some(out)
    }
}

impl BitOr for Vary {
    type Output = Vary;
    fn bitor(self, rhs: Vary) -> Vary {
        Vary(self.0 | rhs.0)
    }
}
