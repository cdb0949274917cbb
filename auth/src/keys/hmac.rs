//! HMAC keys with their key schedule computed once.
//!
//! `jsonwebtoken` builds a fresh `Hmac` (two compression-function calls for the padded key) on
//! every verify; cloning a keyed state is a copy of a few hundred bytes instead.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

use super::{Algorithm, KeyError};

#[derive(Clone)]
pub(crate) enum HmacKey {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

/// The largest HMAC output (SHA-512), so signatures fit on the stack.
pub(crate) const MAX_TAG_LEN: usize = 64;

impl HmacKey {
    pub(crate) fn new(alg: Algorithm, secret: &[u8]) -> Result<Self, KeyError> {
        check_secret(alg, secret)?;
        // `new_from_slice` accepts any length for HMAC; the length was checked above.
        let key = match alg {
            Algorithm::HS256 => Hmac::new_from_slice(secret).map(Self::Sha256),
            Algorithm::HS384 => Hmac::new_from_slice(secret).map(Self::Sha384),
            Algorithm::HS512 => Hmac::new_from_slice(secret).map(Self::Sha512),
            _ => return Err(KeyError::WrongKeyType { algorithm: alg }),
        };
        key.map_err(|_| KeyError::WeakSecret {
            algorithm: alg,
            min_len: alg.min_secret_len(),
        })
    }

    /// Signs `message`, returning the tag in a stack buffer and its length.
    pub(crate) fn sign(&self, message: &[u8]) -> ([u8; MAX_TAG_LEN], usize) {
        let mut out = [0u8; MAX_TAG_LEN];
        let len = match self {
            Self::Sha256(mac) => copy_tag(&mut out, &tag(mac, message)),
            Self::Sha384(mac) => copy_tag(&mut out, &tag(mac, message)),
            Self::Sha512(mac) => copy_tag(&mut out, &tag(mac, message)),
        };
        (out, len)
    }

    /// Verifies `signature` over `message` in constant time.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Sha256(mac) => check(mac, message, signature),
            Self::Sha384(mac) => check(mac, message, signature),
            Self::Sha512(mac) => check(mac, message, signature),
        }
    }
}

fn tag<M: Mac + Clone>(mac: &M, message: &[u8]) -> hmac::digest::Output<M> {
    let mut mac = mac.clone();
    mac.update(message);
    mac.finalize().into_bytes()
}

fn check<M: Mac + Clone>(mac: &M, message: &[u8], signature: &[u8]) -> bool {
    let mut mac = mac.clone();
    mac.update(message);
    // `verify_slice` compares in constant time and rejects a wrong length (including empty).
    mac.verify_slice(signature).is_ok()
}

fn copy_tag(out: &mut [u8; MAX_TAG_LEN], tag: &[u8]) -> usize {
    out[..tag.len()].copy_from_slice(tag);
    tag.len()
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey([redacted])")
    }
}

/// Secrets that are published in tutorials and therefore known to every attacker.
const PUBLISHED_SECRETS: &[&[u8]] = &[
    // The FastAPI security tutorial's `SECRET_KEY`.
    b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    b"your-256-bit-secret-your-256-bit-secret",
    b"secretsecretsecretsecretsecretsecret",
    b"changemechangemechangemechangemechangeme",
];

/// Refuses secrets that are too short for the hash (RFC 7518 §3.2), or obviously not random.
fn check_secret(alg: Algorithm, secret: &[u8]) -> Result<(), KeyError> {
    let min_len = alg.min_secret_len();
    if secret.len() < min_len {
        return Err(KeyError::WeakSecret {
            algorithm: alg,
            min_len,
        });
    }
    // A random secret of 32 or more bytes has many distinct byte values; "aaaa…" or "abab…"
    // has a handful. Eight is far below what any CSPRNG output of this length shows.
    let mut seen = [false; 256];
    let distinct = secret
        .iter()
        .filter(|&&b| !std::mem::replace(&mut seen[usize::from(b)], true))
        .count();
    if distinct < 8 || PUBLISHED_SECRETS.contains(&secret) {
        return Err(KeyError::PublishedOrRepetitiveSecret);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_per_hash_size() {
        for (alg, len) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let ok: Vec<u8> = (0..len).map(|i| u8::try_from(i).unwrap()).collect();
            assert!(HmacKey::new(alg, &ok).is_ok(), "{alg}");
            assert!(matches!(
                HmacKey::new(alg, &ok[..len - 1]),
                Err(KeyError::WeakSecret { min_len, .. }) if min_len == len
            ));
        }
        assert!(HmacKey::new(Algorithm::HS256, b"").is_err());
    }

    #[test]
    fn repetitive_and_published_secrets_are_refused() {
        assert!(matches!(
            HmacKey::new(Algorithm::HS256, &[0u8; 64]),
            Err(KeyError::PublishedOrRepetitiveSecret)
        ));
        assert!(HmacKey::new(Algorithm::HS256, &b"ab".repeat(32)).is_err());
        assert!(HmacKey::new(Algorithm::HS256, PUBLISHED_SECRETS[0]).is_err());
    }

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        let key = HmacKey::new(
            Algorithm::HS512,
            b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-",
        )
        .unwrap();
        let (tag, len) = key.sign(b"message");
        assert_eq!(len, 64);
        assert!(key.verify(b"message", &tag[..len]));
        assert!(!key.verify(b"messagf", &tag[..len]));
        assert!(!key.verify(b"message", &tag[..len - 1]));
        assert!(!key.verify(b"message", b""));
    }
}
