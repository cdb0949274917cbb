//! Pieces shared by the strict JSON parsers: the token header and payload (`token`), and the
//! roles claim (`claims::Roles`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// An object member name, borrowed from the input unless it contained escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Remembers member names to refuse duplicates: RFC 7515/7519 allow "lexically last wins",
/// but two parsers disagreeing on which duplicate counts is how tokens get reinterpreted
/// (RFC 8725 §2.6), so any duplicate makes the object invalid.
///
/// Keys borrowed from the input (no escapes: the common case) are kept in a small array on
/// the stack; only escaped keys and objects with many members allocate.
pub(crate) struct SeenKeys<'de, const N: usize> {
    inline: [&'de str; INLINE],
    inline_len: usize,
    spilled: Vec<Cow<'de, str>>,
}

const INLINE: usize = 24;

impl<'de, const N: usize> SeenKeys<'de, N> {
    pub(crate) fn new() -> Self {
        Self {
            inline: [""; INLINE],
            inline_len: 0,
            spilled: Vec::new(),
        }
    }

    /// Records `key`; an error if it was seen before or the object has more than `N` members.
    // `&Cow`, not `&str`: a key borrowed from the input is kept borrowed.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn insert<E: de::Error>(&mut self, key: &Cow<'de, str>) -> Result<(), E> {
        let text: &str = key;
        if self.inline[..self.inline_len].contains(&text) || self.spilled.iter().any(|k| k == key) {
            return Err(E::custom("duplicate member"));
        }
        if self.inline_len + self.spilled.len() == N {
            return Err(E::custom("too many members"));
        }
        match key {
            Cow::Borrowed(borrowed) if self.inline_len < INLINE => {
                self.inline[self.inline_len] = borrowed;
                self.inline_len += 1;
            }
            _ => self.spilled.push(key.clone()),
        }
        Ok(())
    }
}
