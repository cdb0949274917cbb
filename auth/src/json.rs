//! Pieces shared by the strict JSON parsers: the token header and payload (`token`), and the
//! roles claim (`claims::Roles`).
//!
//! The token parsers read JSON that is I-JSON (RFC 7493) in the parts that matter to security
//! (security manual, TV-04): the whole text is UTF-8 ([`utf8`]), every string, read or not, is
//! free of lone surrogate escapes, and no object at any depth has a member twice ([`Strict`]).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// The text of a decoded token segment: `None` unless it is UTF-8 as a whole, bytes that are
/// skipped included. Checked once, so that the parser can read from a `&str` (serde_json
/// does not validate strings from a `&str` again).
pub(crate) fn utf8(json: &[u8]) -> Option<&str> {
    std::str::from_utf8(json).ok()
}

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
    /// A fingerprint of each inline key ([`tag`]): keys are compared by tag first, so the
    /// usual short claim names (`iss`, `aud`, `exp`, all three bytes long) never reach a
    /// byte-wise comparison.
    tags: [u64; INLINE],
    inline_len: usize,
    spilled: Vec<Cow<'de, str>>,
}

/// The length and the first seven bytes of `key`: equal for equal keys, and different for
/// different keys of at most seven bytes.
fn tag(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let mut packed = [0u8; 8];
    let head = bytes.len().min(7);
    packed[..head].copy_from_slice(&bytes[..head]);
    // Lengths past 255 share the top byte; the byte-wise comparison still tells them apart.
    packed[7] = u8::try_from(bytes.len()).unwrap_or(u8::MAX);
    u64::from_le_bytes(packed)
}

const INLINE: usize = 24;

impl<'de, const N: usize> SeenKeys<'de, N> {
    pub(crate) fn new() -> Self {
        Self {
            inline: [""; INLINE],
            tags: [0; INLINE],
            inline_len: 0,
            spilled: Vec::new(),
        }
    }

    /// Records `key`; an error if it was seen before or the object has more than `N` members.
    // `&Cow`, not `&str`: a key borrowed from the input is kept borrowed.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn insert<E: de::Error>(&mut self, key: &Cow<'de, str>) -> Result<(), E> {
        let text: &str = key;
        let tag = tag(text);
        let seen_inline = self.tags[..self.inline_len]
            .iter()
            .zip(&self.inline)
            .any(|(&seen_tag, &seen)| seen_tag == tag && (text.len() <= 7 || seen == text));
        if seen_inline || self.spilled.iter().any(|k| k == key) {
            return Err(E::custom("duplicate member"));
        }
        if self.inline_len + self.spilled.len() == N {
            return Err(E::custom("too many members"));
        }
        match key {
            Cow::Borrowed(borrowed) if self.inline_len < INLINE => {
                self.inline[self.inline_len] = borrowed;
                self.tags[self.inline_len] = tag;
                self.inline_len += 1;
            }
            _ => self.spilled.push(key.clone()),
        }
        Ok(())
    }
}

/// Any JSON value, read only to be checked, where a parser used to skip it with `IgnoredAny`
/// (which checks neither surrogates nor duplicates): every string is parsed as a string (a
/// lone surrogate escape such as `"\ud800"` is an error), every object has each member once
/// and at most `N` members, at any depth. Numbers must fit an `f64` (RFC 7493 §2.2); nesting
/// is limited by serde_json (128 levels).
pub(crate) struct Strict<const N: usize>;

impl<'de, const N: usize> de::Deserialize<'de> for Strict<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor::<N>)
    }
}

struct StrictVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for StrictVisitor<N> {
    type Value = Strict<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Strict)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Strict<N>>()?.is_some() {}
        Ok(Strict)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = SeenKeys::<'de, N>::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            seen.insert(&key)?;
            map.next_value::<Strict<N>>()?;
        }
        Ok(Strict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> bool {
        let mut de = serde_json::Deserializer::from_str(json);
        de::Deserialize::deserialize(&mut de)
            .map(|Strict::<4>| ())
            .is_ok()
            && de.end().is_ok()
    }

    #[test]
    fn keys_are_told_apart_by_every_byte_whatever_their_length() {
        let insert = |keys: &[&'static str]| {
            let mut seen = SeenKeys::<64>::new();
            keys.iter()
                .try_for_each(|key| seen.insert::<serde_json::Error>(&Cow::Borrowed(*key)))
                .is_ok()
        };
        let long_a: &'static str = Box::leak(format!("{}a", "k".repeat(300)).into_boxed_str());
        let long_b: &'static str = Box::leak(format!("{}b", "k".repeat(300)).into_boxed_str());
        assert!(insert(&[
            "iss", "aud", "exp", "nbf", "iat", "jti", "sub", ""
        ]));
        assert!(insert(&[
            "a", "a\0", "ab", "abcdefg", "abcdefgh", "abcdefgi"
        ]));
        assert!(insert(&["abcdefgh_one", "abcdefgh_two", long_a, long_b]));
        for duplicate in [
            &["iss", "aud", "iss"][..],
            &["", ""],
            &["abcdefgh_one", "abcdefgh_one"],
            &[long_a, "x", long_a],
        ] {
            assert!(!insert(duplicate), "{duplicate:?}");
        }
    }

    #[test]
    fn duplicates_are_refused_at_any_depth_and_escaped_names_count() {
        for good in [
            r#"{"a":{"a":1,"b":[{"a":1},{"a":2}]},"b":null}"#,
            r#"[1,-1,1.5,true,false,null,"x",[],{}]"#,
            r#""\ud83d\ude00""#,
            "1E300",
        ] {
            assert!(check(good), "{good}");
        }
        for bad in [
            r#"{"a":1,"a":2}"#,
            r#"{"x":{"a":1,"a":2}}"#,
            r#"{"x":[{"a":1,"\u0061":2}]}"#,
            r#"[[[{"deep":{"a":{},"a":{}}}]]]"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5}"#,
            r#"{"x":{"a":1,"b":2,"c":3,"d":4,"e":5}}"#,
        ] {
            assert!(!check(bad), "{bad}");
        }
    }

    #[test]
    fn lone_surrogates_and_overflowing_numbers_are_refused() {
        for bad in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800x""#,
            r#"{"x":["\udfff"]}"#,
            r#"{"\ud800":1}"#,
            "1E400",
        ] {
            assert!(!check(bad), "{bad}");
        }
    }

    #[test]
    fn utf8_is_checked_over_the_whole_text() {
        let text = "{\"a\":\"caf\u{e9}\"}";
        assert_eq!(utf8(text.as_bytes()), Some(text));
        assert!(utf8(b"{\"a\":\"Andr\xe9\"}").is_none());
        assert!(utf8(b"{\"a\":1} \xff").is_none());
    }
}
