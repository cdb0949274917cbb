use std::fmt;

use super::Algorithm;

/// Why a key or key set could not be built. Raised at start-up, never per request.
///
/// Messages name the algorithm and the rule that was broken; they never contain key material.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The algorithm name is not one of [`Algorithm`]'s (names are case-sensitive).
    UnknownAlgorithm,
    /// An HMAC secret shorter than the hash output (RFC 7518 §3.2).
    WeakSecret {
        /// The algorithm the secret was meant for.
        algorithm: Algorithm,
        /// The shortest accepted secret, in bytes.
        min_len: usize,
    },
    /// An HMAC secret published in a tutorial, or whose estimated strength is under 128 bits:
    /// runs, sequences, repeated fragments or too few distinct bytes, as typed text has
    /// (security manual, TV-02).
    PublishedOrRepetitiveSecret,
    /// An HMAC secret given as text ([`decode_secret`](super::decode_secret),
    /// [`SigningKey::hmac_from_base64`](super::SigningKey::hmac_from_base64)) is not valid
    /// base64 or hex.
    SecretEncoding,
    /// The constructor does not fit the algorithm (an HMAC secret for `RS256`, a PEM key for
    /// `HS256`, ...).
    WrongKeyType {
        /// The algorithm asked for.
        algorithm: Algorithm,
    },
    /// The PEM or JWK could not be parsed as a key for the algorithm, or the key pair is
    /// inconsistent.
    InvalidKey {
        /// The algorithm asked for.
        algorithm: Algorithm,
    },
    /// An RSA key shorter than 2048 bits (RFC 7518 §3.3).
    RsaKeyTooSmall {
        /// The modulus size of the key that was given.
        bits: usize,
    },
    /// A key id that is empty, longer than 64 characters, or has characters outside
    /// `A-Z a-z 0-9 . _ -`.
    InvalidKid,
    /// Two keys of one key set share a key id.
    DuplicateKid(String),
    /// The key set has no key to sign with (a verify-only key set was asked to issue).
    NoSigningKey,
    /// The operating system's random number generator failed.
    Random,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAlgorithm => f.write_str(
                "unknown JWS algorithm; expected one of HS256, HS384, HS512, RS256, RS384, RS512, \
                 PS256, PS384, PS512, ES256, ES384, EdDSA",
            ),
            Self::WeakSecret { algorithm, min_len } => write!(
                f,
                "the {algorithm} secret is too short: it must be at least {min_len} random bytes \
                 (RFC 7518 §3.2); generate one with `openssl rand -base64 {min_len}`"
            ),
            Self::PublishedOrRepetitiveSecret => f.write_str(
                "the HMAC secret is not random enough (a published example, or text whose runs, \
                 sequences, repeats or few distinct characters put it under an estimated 128 \
                 bits); generate one with `openssl rand -base64 32` and give it base64-decoded \
                 (SigningKey::hmac_from_base64)",
            ),
            Self::SecretEncoding => f.write_str(
                "the HMAC secret is not valid base64 or hex; generate one with \
                 `openssl rand -base64 32`",
            ),
            Self::WrongKeyType { algorithm } => {
                write!(f, "this kind of key cannot be used with {algorithm}")
            }
            Self::InvalidKey { algorithm } => write!(f, "not a valid {algorithm} key"),
            Self::RsaKeyTooSmall { bits } => write!(
                f,
                "the RSA key has {bits} bits; at least 2048 are required (RFC 7518 §3.3)"
            ),
            Self::InvalidKid => {
                f.write_str("invalid key id: use 1 to 64 characters from `A-Z a-z 0-9 . _ -`")
            }
            Self::DuplicateKid(kid) => write!(f, "two keys share the key id `{kid}`"),
            Self::NoSigningKey => f.write_str("the key set has no signing key"),
            Self::Random => f.write_str("the operating system's random number generator failed"),
        }
    }
}

impl std::error::Error for KeyError {}
