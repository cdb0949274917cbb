use std::fmt;
use std::sync::Arc;

use super::KeyError;

/// A key id (`kid`): selects a key from a static key set, nothing more (RFC 8725 §3.10).
///
/// Restricted to 1–64 characters of `A-Z a-z 0-9 . _ -`, so that it can never carry a path, a
/// URL or a header-breaking byte into anything that logs or stores it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Kid(Arc<str>);

impl Kid {
    /// The longest key id accepted.
    pub const MAX_LEN: usize = 64;

    /// Validates a key id.
    pub fn new(kid: &str) -> Result<Self, KeyError> {
        if Self::is_valid(kid) {
            Ok(Self(kid.into()))
        } else {
            Err(KeyError::InvalidKid)
        }
    }

    /// For ids built from an alphabet that is a subset of the valid one.
    pub(crate) fn from_valid(kid: &str) -> Self {
        debug_assert!(Self::is_valid(kid), "{kid:?}");
        Self(kid.into())
    }

    /// Whether `kid` is 1–64 characters of `A-Z a-z 0-9 . _ -`.
    pub fn is_valid(kid: &str) -> bool {
        (1..=Self::MAX_LEN).contains(&kid.len())
            && kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }

    /// The key id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_safe_charset_is_accepted() {
        assert!(Kid::new("2026-11.key_1").is_ok());
        assert!(Kid::new(&"a".repeat(64)).is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "a b",
            "k\r\nx",
            "é",
            "a/b",
            &"a".repeat(65),
        ] {
            assert_eq!(Kid::new(bad), Err(KeyError::InvalidKid), "{bad:?}");
        }
    }
}
