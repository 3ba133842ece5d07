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

    /// Every combination's `Vary` line, indexed by [`index`](Self::index): the tokens in the
    /// fixed order of [`tokens`](Self::tokens), joined by `", "` (empty for no token).
    const LINES: [&'static str; 16] = [
        "",
        "Origin",
        "Access-Control-Request-Method",
        "Origin, Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Headers",
        "Access-Control-Request-Method, Access-Control-Request-Headers",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Private-Network",
        "Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
    ];

    /// A number from 0 to 15 naming this set, for adapters that keep one header value per set.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Every set, in [`index`](Self::index) order.
    pub const ALL: [Vary; 16] = {
        let mut all = [Vary(0); 16];
        let mut i = 0;
        while i < 16 {
            all[i] = Vary(i as u8);
            i += 1;
        }
        all
    };

    /// The `Vary` line of a response that had none: the tokens in the order of
    /// [`tokens`](Self::tokens), joined by `", "`; empty for no token.
    ///
    /// ```
    /// use cors_core::Vary;
    ///
    /// assert_eq!((Vary::ORIGIN | Vary::REQUEST_METHOD).header_value(), "Origin, Access-Control-Request-Method");
    /// assert_eq!(Vary::NONE.header_value(), "");
    /// ```
    pub const fn header_value(self) -> &'static str {
        Vary::LINES[self.0 as usize]
    }

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

#[cfg(test)]
mod tests {
    use super::Vary;

    #[test]
    fn every_line_is_its_tokens_joined() {
        for vary in Vary::ALL {
            assert_eq!(vary.header_value(), vary.tokens().collect::<Vec<_>>().join(", "));
        }
    }
}
