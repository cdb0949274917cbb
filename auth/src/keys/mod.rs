//! Signing and verification keys, key rotation by `kid`, and JWKS publication and reading.
//!
//! A [`KeySet`] holds one active [`SigningKey`] and any number of [`VerifyingKey`]s. Every key
//! is pinned to one [`Algorithm`] when it is built: a token's header selects a key by `kid`
//! and must name exactly that key's algorithm, so the header never chooses the algorithm
//! (no `none`, no RS256 public key used as an HS256 secret; RFC 8725 §3.1).
//!
//! # Rotation without downtime
//!
//! ```
//! use auth::keys::{KeySet, SigningKey};
//!
//! // Each from `openssl rand -base64 32`, kept out of the source in a real application.
//! let old = SigningKey::hs256_from_base64("J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=")?;
//! let new = SigningKey::hs256_from_base64("dmeXlKh0VjWHxSa5cPPvJqq6FgU1MN8UQHe4SbsVt2c=")?;
//!
//! // New tokens carry the new key's kid; tokens signed by the old key verify until they expire.
//! let keys = KeySet::new(new).with_verifying_key(old.verifying_key().clone())?;
//! assert_eq!(keys.len(), 2);
//! # Ok::<(), auth::keys::KeyError>(())
//! ```

mod algorithm;
mod backend;
mod error;
mod hmac;
mod kid;
mod public;
mod signing;
mod verifying;

pub use algorithm::Algorithm;
pub use error::KeyError;
pub use hmac::decode_secret;
pub use kid::Kid;
pub use signing::SigningKey;
pub use verifying::VerifyingKey;

pub(crate) use backend::install as install_backend;
pub(crate) use verifying::ACCESS_TOKEN_TYPE;

/// One active signing key and the keys that verify, selected by `kid`.
#[derive(Clone, Debug)]
pub struct KeySet {
    signing: Option<SigningKey>,
    /// Includes the signing key's own verifying half, first.
    verifying: Vec<VerifyingKey>,
}

impl KeySet {
    /// A key set that signs with `signing` and verifies its tokens.
    pub fn new(signing: SigningKey) -> Self {
        let verifying = vec![signing.verifying_key().clone()];
        Self {
            signing: Some(signing),
            verifying,
        }
    }

    /// A key set that only verifies (a resource server that trusts another service's tokens).
    pub fn verify_only(keys: impl IntoIterator<Item = VerifyingKey>) -> Result<Self, KeyError> {
        keys.into_iter().try_fold(
            Self {
                signing: None,
                verifying: Vec::new(),
            },
            Self::with_verifying_key,
        )
    }

    /// Adds a key that verifies (for example the previous signing key, after a rotation).
    ///
    /// Two keys with the same `kid` are refused: the `kid` must select exactly one key.
    pub fn with_verifying_key(mut self, key: VerifyingKey) -> Result<Self, KeyError> {
        if self.find(key.kid()).is_some() {
            return Err(KeyError::DuplicateKid(key.kid().to_owned()));
        }
        self.verifying.push(key);
        Ok(self)
    }

    /// The signing key, if this key set signs.
    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.as_ref()
    }

    /// The verifying key named `kid`.
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifying.iter().find(|key| key.kid() == kid)
    }

    /// The key whose issued header segment is exactly `segment`
    /// ([`VerifyingKey::header_segment`]): the key a token this crate issued names.
    pub(crate) fn find_by_header_segment(&self, segment: &[u8]) -> Option<&VerifyingKey> {
        self.verifying
            .iter()
            .find(|key| key.header_segment().as_bytes() == segment)
    }

    /// The key that verifies a token without a `kid`: only when the set has exactly one key,
    /// so a missing `kid` never makes the verifier try keys in turn.
    pub(crate) fn sole_key(&self) -> Option<&VerifyingKey> {
        match self.verifying.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// All verifying keys, the signing key's first.
    pub fn verifying_keys(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.verifying.iter()
    }

    /// The number of verifying keys.
    pub fn len(&self) -> usize {
        self.verifying.len()
    }

    /// Whether the set has no verifying key.
    pub fn is_empty(&self) -> bool {
        self.verifying.is_empty()
    }

    /// Whether `self` and `other` hold exactly the same verifying keys (in any order).
    pub(crate) fn same_keys(&self, other: &Self) -> bool {
        self.len() == other.len() && self.verifying.iter().all(|key| other.contains(key))
    }

    /// Whether this very key (kid, algorithm and public key) is in the set.
    pub(crate) fn contains(&self, key: &VerifyingKey) -> bool {
        self.find(key.kid()).is_some_and(|own| own.same_key(key))
    }

    /// The public keys as a JWKS document (RFC 7517 §5), to serve at
    /// `/.well-known/jwks.json` so other services can verify tokens statelessly. HMAC keys are
    /// never included.
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        jsonwebtoken::jwk::JwkSet {
            keys: self
                .verifying
                .iter()
                .filter_map(VerifyingKey::jwk)
                .cloned()
                .collect(),
        }
    }
}
