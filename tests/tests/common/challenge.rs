//! The RFC 6750 `WWW-Authenticate` oracle, shared by the property tests and the fuzz targets
//! (which include this file by path). Written from the RFC, independently of the crate.

use std::collections::BTreeSet;

/// RFC 6750 §3: `Bearer`, then `key="value"` pairs of the allowed keys, each at most once,
/// values in %x20-21 / %x23-5B / %x5D-7E. Written from the RFC, independently of the crate.
pub fn is_valid_challenge(challenge: &str) -> bool {
    let Some(rest) = challenge.strip_prefix("Bearer") else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(mut rest) = rest.strip_prefix(' ') else {
        return false;
    };
    let mut seen = BTreeSet::new();
    loop {
        let Some((key, after)) = rest.split_once("=\"") else {
            return false;
        };
        if !["realm", "scope", "error", "error_description", "error_uri"].contains(&key)
            || !seen.insert(key)
        {
            return false;
        }
        let Some(end) = after.find('"') else {
            return false;
        };
        let value = &after[..end];
        if !value
            .bytes()
            .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        {
            return false;
        }
        rest = &after[end + 1..];
        if rest.is_empty() {
            return true;
        }
        let Some(next) = rest.strip_prefix(", ") else {
            return false;
        };
        rest = next;
    }
}
