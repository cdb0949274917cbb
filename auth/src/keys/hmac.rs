//! HMAC keys with their key schedule computed once.
//!
//! `jsonwebtoken` builds a fresh `Hmac` (two compression-function calls for the padded key) on
//! every verify; cloning a keyed state is a copy of a few hundred bytes instead.

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq as _;

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

/// An HMAC state that has absorbed the whole blocks of a fixed prefix: what every message that
/// starts with that prefix costs to authenticate up to there, paid once.
///
/// HMAC hashes `(key ⊕ ipad) ‖ message` block by block, so the state after the prefix's whole
/// blocks is the same for every message that begins with them; a key's tokens all begin with
/// its header segment (`VerifyingKey::header_segment`), whose first 64 bytes are one SHA-256
/// block. The tag is exactly the one [`HmacKey::verify`] computes.
#[derive(Clone)]
pub(crate) struct PrefixedHmac {
    state: HmacKey,
    prefix: Box<[u8]>,
}

impl PrefixedHmac {
    /// `key` after the whole blocks of `prefix`; `None` when `prefix` has none.
    pub(crate) fn new(key: &HmacKey, prefix: &[u8]) -> Option<Self> {
        let whole = prefix.len() - prefix.len() % key.block_len();
        let prefix = prefix.get(..whole).filter(|blocks| !blocks.is_empty())?;
        let mut state = key.clone();
        match &mut state {
            HmacKey::Sha256(mac) => mac.update(prefix),
            HmacKey::Sha384(mac) => mac.update(prefix),
            HmacKey::Sha512(mac) => mac.update(prefix),
        }
        Some(Self {
            state,
            prefix: prefix.into(),
        })
    }

    /// [`HmacKey::verify`] for a message that starts with the prefix; `None` for any other.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Option<bool> {
        let rest = message.strip_prefix(&*self.prefix)?;
        Some(self.state.verify(rest, signature))
    }
}

impl HmacKey {
    /// The hash function's block size in bytes.
    fn block_len(&self) -> usize {
        match self {
            Self::Sha256(_) => 64,
            Self::Sha384(_) | Self::Sha512(_) => 128,
        }
    }
}

fn tag<M: Mac + Clone>(mac: &M, message: &[u8]) -> hmac::digest::Output<M> {
    let mut mac = mac.clone();
    mac.update(message);
    mac.finalize().into_bytes()
}

fn check<M: Mac + Clone>(mac: &M, message: &[u8], signature: &[u8]) -> bool {
    tags_equal(&tag(mac, message), signature)
}

/// Whether `given` is the tag `expected`, in a time that depends on their lengths only (a
/// tag's length is public: it follows from the algorithm). A wrong length, the empty one
/// included, is refused.
///
/// The difference is folded a word at a time, and only the fold reaches the one decision,
/// through `subtle`'s optimisation barrier. `Mac::verify_slice` puts each byte through that
/// barrier, which cost more than the rest of the comparison on the request path.
fn tags_equal(expected: &[u8], given: &[u8]) -> bool {
    if expected.len() != given.len() {
        return false;
    }
    let mut expected_words = expected.chunks_exact(8);
    let mut given_words = given.chunks_exact(8);
    let mut difference = 0u64;
    for (a, b) in (&mut expected_words).zip(&mut given_words) {
        difference |= word(a) ^ word(b);
    }
    for (a, b) in expected_words
        .remainder()
        .iter()
        .zip(given_words.remainder())
    {
        difference |= u64::from(a ^ b);
    }
    difference.ct_eq(&0).into()
}

/// Eight bytes as one word (`chunks_exact(8)` hands out exactly eight).
fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
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

/// Decodes an HMAC secret written as text: hex (an even number of hex digits, either case),
/// else base64 in the standard or the URL-safe alphabet, with or without `=` padding. White
/// space around it (a trailing newline) is ignored. A string of hex digits is read as hex:
/// base64 of random bytes is never all hex digits in practice.
///
/// The bytes still go through the checks of [`SigningKey::hmac`](super::SigningKey::hmac)
/// when a key is built from them (security manual, TV-02).
///
/// ```
/// # use auth::keys::decode_secret;
/// // `openssl rand -base64 32` and `openssl rand -hex 32`
/// assert_eq!(decode_secret("J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=\n")?.len(), 32);
/// assert_eq!(
///     decode_secret("27b0e298c52fd0896047bc7f720829e170010bb76cbaf7dc83acd200c867f622")?.len(),
///     32
/// );
/// assert!(decode_secret("not base64!").is_err());
/// # Ok::<(), auth::keys::KeyError>(())
/// ```
pub fn decode_secret(encoded: &str) -> Result<Vec<u8>, KeyError> {
    let text = encoded.trim_ascii();
    if !text.is_empty()
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        decode_hex(text)
    } else {
        decode_base64(text)
    }
}

/// Base64 in the standard or the URL-safe alphabet (not mixed), padding optional.
pub(crate) fn decode_base64(encoded: &str) -> Result<Vec<u8>, KeyError> {
    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);
    let text = encoded.trim_ascii();
    if text.is_empty() {
        return Err(KeyError::SecretEncoding);
    }
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map_err(|_| KeyError::SecretEncoding)
}

/// Hex digits, two per byte, either case.
pub(crate) fn decode_hex(encoded: &str) -> Result<Vec<u8>, KeyError> {
    let text = encoded.trim_ascii().as_bytes();
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return Err(KeyError::SecretEncoding);
    }
    text.chunks_exact(2)
        .map(|pair| {
            let digit = |b: u8| char::from(b).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                // Two hex digits are at most 0xFF.
                #[allow(clippy::cast_possible_truncation)]
                (Some(hi), Some(lo)) => Ok((hi * 16 + lo) as u8),
                _ => Err(KeyError::SecretEncoding),
            }
        })
        .collect()
}

/// Secrets that are published in tutorials and therefore known to every attacker.
const PUBLISHED_SECRETS: &[&[u8]] = &[
    // The FastAPI security tutorial's `SECRET_KEY`.
    b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    b"your-256-bit-secret-your-256-bit-secret",
    b"secretsecretsecretsecretsecretsecret",
    b"changemechangemechangemechangemechangeme",
];

/// The strength a secret must show (security manual, TV-02): 128 bits, the security level of
/// HS256 against brute force.
pub(crate) const MIN_SECRET_BITS: f64 = 128.0;

/// Refuses secrets that are too short for the hash (RFC 7518 §3.2), published, or whose
/// estimated strength is under [`MIN_SECRET_BITS`] (security manual, TV-02).
fn check_secret(alg: Algorithm, secret: &[u8]) -> Result<(), KeyError> {
    let min_len = alg.min_secret_len();
    if secret.len() < min_len {
        return Err(KeyError::WeakSecret {
            algorithm: alg,
            min_len,
        });
    }
    if PUBLISHED_SECRETS.contains(&secret) || estimated_bits(secret) < MIN_SECRET_BITS {
        return Err(KeyError::PublishedOrRepetitiveSecret);
    }
    Ok(())
}

/// A conservative estimate of the strength of `secret`, in bits: `(L − P) × log2(D)`, where
/// `L` is its length, `D` the number of distinct byte values in it, and `P` the number of
/// *predictable* bytes: a byte that continues the step of the two before it when that step
/// is −1, 0 or +1 (the third `a` of `aaa`, the `c` of `abc`, the `1` of `321`), or that ends
/// a three-byte sequence already seen earlier in the secret (`secret-secret`).
///
/// Random bytes score close to 8 bits per byte up to `log2(L)`: 32 random bytes about 157
/// bits (never below 128 in practice), the 44 characters of `openssl rand -base64 32` about
/// 210, the 64 of `openssl rand -hex 32` about 250. Typed patterns score low: 32 bytes with 8
/// distinct values at most 96, `0123456789abcdef…` about 30, a phrase repeated twice under
/// 100. It does not recognise words: a long passphrase of dictionary words can pass, which
/// is why secrets should come from `openssl rand` (see [`decode_secret`]).
pub(crate) fn estimated_bits(secret: &[u8]) -> f64 {
    let mut seen = [false; 256];
    let mut distinct = 0u32;
    for &b in secret {
        if !std::mem::replace(&mut seen[usize::from(b)], true) {
            distinct += 1;
        }
    }
    let mut triples = HashSet::with_capacity(secret.len());
    let mut predictable = 0usize;
    for window in secret.windows(3) {
        let [a, b, c] = [window[0], window[1], window[2]].map(i16::from);
        let continues_step = c - b == b - a && (b - a).abs() <= 1;
        let repeated = !triples.insert([window[0], window[1], window[2]]);
        if continues_step || repeated {
            predictable += 1;
        }
    }
    let counted = u32::try_from(secret.len() - predictable).unwrap_or(u32::MAX);
    f64::from(counted) * f64::from(distinct.max(1)).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    use sha2::Digest as _;

    /// 64 bytes that look random (and are the same in every run).
    fn random_bytes() -> Vec<u8> {
        Sha512::digest(b"auth hmac test secret").to_vec()
    }

    /// The state after a prefix gives the tag of the whole message, for every hash size,
    /// and only for messages that start with that prefix.
    #[test]
    fn a_prefixed_state_verifies_exactly_what_the_key_verifies() {
        let message: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let key = HmacKey::new(alg, &random_bytes()).unwrap();
            let (tag, len) = key.sign(&message);
            let tag = &tag[..len];
            let mut forged = tag.to_vec();
            forged[0] ^= 1;
            for prefix_len in [key.block_len(), key.block_len() + 10, 3 * key.block_len()] {
                let prefixed = PrefixedHmac::new(&key, &message[..prefix_len]).unwrap();
                assert_eq!(prefixed.prefix.len() % key.block_len(), 0, "{alg}");
                assert_eq!(prefixed.verify(&message, tag), Some(true), "{alg}");
                assert_eq!(prefixed.verify(&message, &forged), Some(false), "{alg}");
                assert_eq!(prefixed.verify(&message, &[]), Some(false), "{alg}");
                let mut other = message.clone();
                other[prefix_len - 1 - prefix_len % key.block_len()] ^= 1;
                assert_eq!(prefixed.verify(&other, tag), None, "{alg}");
                assert_eq!(prefixed.verify(&message[..10], tag), None, "{alg}");
            }
            assert!(PrefixedHmac::new(&key, &message[..key.block_len() - 1]).is_none());
        }
    }

    /// Every bit of the tag counts, in the words and in the tail, and so does the length.
    #[test]
    fn a_tag_equals_only_itself() {
        for len in [1, 7, 8, 9, 31, 32, 48, 64] {
            let tag: Vec<u8> = (0u8..)
                .take(len)
                .map(|i| i.wrapping_mul(37) ^ 0x5a)
                .collect();
            assert!(tags_equal(&tag, &tag.clone()), "{len}");
            for byte in 0..len {
                for bit in 0..8 {
                    let mut other = tag.clone();
                    other[byte] ^= 1 << bit;
                    assert!(!tags_equal(&tag, &other), "{len} {byte} {bit}");
                }
            }
            assert!(!tags_equal(&tag, &[&tag[..], &[0]].concat()), "{len}");
            assert!(!tags_equal(&tag, &tag[..len - 1]), "{len}");
            assert!(!tags_equal(&tag, &[]), "{len}");
        }
    }

    #[test]
    fn short_secrets_are_refused_per_hash_size() {
        for (alg, len) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let ok = &random_bytes()[..len];
            assert!(HmacKey::new(alg, ok).is_ok(), "{alg}");
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
    fn the_estimate_is_the_documented_formula() {
        // (L − P) × log2(D)
        assert!(estimated_bits(b"aaaa").abs() < f64::EPSILON); // D = 1
        assert!((estimated_bits(b"abcd") - 2.0 * 2.0).abs() < 1e-9); // `c`, `d` continue
        assert!((estimated_bits(b"dcba") - 2.0 * 2.0).abs() < 1e-9);
        assert!((estimated_bits(b"abXabX") - 5.0 * 3f64.log2()).abs() < 1e-9); // `abX` again
        assert!((estimated_bits(b"ab") - 2.0).abs() < 1e-9);
        assert!((estimated_bits(b"aXbXc") - 5.0 * 2.0).abs() < 1e-9);
    }

    /// Security manual, TV-02: typed text of the right length is refused when its estimated
    /// strength is under 128 bits.
    #[test]
    fn patterned_text_is_refused_even_when_long_enough() {
        for weak in [
            // 32 bytes, 8 distinct values: at most 32 × 3 = 96 bits
            &b"p4ssw0rdP4SSW0RDp4ssw0rdP4SSW0RD"[..],
            b"s3cr3t!!s3cr3t!!s3cr3t!!s3cr3t!!",
            b"hunter2:qwerty9=hunter2:qwerty9=",
            // sequences, the classic test secret
            b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
            b"abcdefghijklmnopqrstuvwxyz0123456789",
            // a phrase said twice
            b"old-secret-old-secret-0123456789ab",
            b"passwordpasswordpasswordpassword",
            b"your-256-bit-secret-your-256-bit-secret",
            b"correcthorsebatterystaple12345678",
        ] {
            assert!(
                estimated_bits(weak) < MIN_SECRET_BITS,
                "{}",
                weak.escape_ascii()
            );
            assert_eq!(
                HmacKey::new(Algorithm::HS256, weak).err(),
                Some(KeyError::PublishedOrRepetitiveSecret),
                "{}",
                weak.escape_ascii()
            );
        }
    }

    #[test]
    fn random_secrets_pass_raw_and_as_text() {
        let raw = random_bytes();
        let base64 = b"J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=";
        let hex = b"27b0e298c52fd0896047bc7f720829e170010bb76cbaf7dc83acd200c867f622";
        for secret in [
            &raw[..32],
            &raw[..],
            &base64[..],
            &hex[..],
            b"kvJ1bP0x8Zq3mW7nR2tY5uA9cD4fG6hK",
        ] {
            assert!(
                HmacKey::new(Algorithm::HS256, secret).is_ok(),
                "{} ({} bits)",
                secret.escape_ascii(),
                estimated_bits(secret)
            );
        }
        assert!(HmacKey::new(Algorithm::HS512, &raw).is_ok());
    }

    #[test]
    fn secrets_decode_from_base64_or_hex() {
        let bytes = decode_secret("J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=").unwrap();
        assert_eq!(bytes.len(), 32);
        for same in [
            "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI",
            "J7DimMUv0IlgR7x_cggp4XABC7dsuvfcg6zSAMhn9iI=",
            " J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=\n",
            "27b0e298c52fd0896047bc7f720829e170010bb76cbaf7dc83acd200c867f622",
            "27B0E298C52FD0896047BC7F720829E170010BB76CBAF7DC83ACD200C867F622",
        ] {
            assert_eq!(decode_secret(same).unwrap(), bytes, "{same}");
        }
        for bad in [
            "",
            "  ",
            "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI_",
            "J7Dim MUv0IlgR7x",
            "not base64!",
            "é",
        ] {
            assert_eq!(decode_secret(bad), Err(KeyError::SecretEncoding), "{bad}");
        }
        assert_eq!(decode_hex("abc"), Err(KeyError::SecretEncoding));
        assert_eq!(decode_hex("zz"), Err(KeyError::SecretEncoding));
        assert_eq!(decode_hex("0aFf").unwrap(), [0x0a, 0xff]);
    }

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        let key = HmacKey::new(Algorithm::HS512, &random_bytes()).unwrap();
        let (tag, len) = key.sign(b"message");
        assert_eq!(len, 64);
        assert!(key.verify(b"message", &tag[..len]));
        assert!(!key.verify(b"messagf", &tag[..len]));
        assert!(!key.verify(b"message", &tag[..len - 1]));
        assert!(!key.verify(b"message", b""));
    }
}
