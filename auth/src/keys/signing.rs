use std::fmt;

use jsonwebtoken::EncodingKey;

use super::algorithm::Family;
use super::hmac::{HmacKey, decode_base64, decode_hex};
use super::public::Components;
use super::{Algorithm, KeyError, VerifyingKey, backend};

/// The key that signs access tokens: pinned to one [`Algorithm`], named by a [`Kid`](super::Kid), and
/// carrying the [`VerifyingKey`] that checks its own signatures.
///
/// ```
/// use auth::keys::{Algorithm, SigningKey};
///
/// // 32 random bytes from `openssl rand -base64 32`, kept out of the source (an environment
/// // variable, a secret store) in a real application.
/// let key = SigningKey::hs256_from_base64("J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=")?;
/// assert_eq!(key.algorithm(), Algorithm::HS256);
///
/// // Too short for HS256 (RFC 7518 §3.2), or typed rather than random: refused when the key
/// // is built.
/// assert!(SigningKey::hs256(b"secret").is_err());
/// assert!(SigningKey::hs256(b"p4ssw0rdP4SSW0RDp4ssw0rdP4SSW0RD").is_err());
/// # Ok::<(), auth::keys::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    material: Material,
    verifying: VerifyingKey,
}

// The HMAC state is kept inline: keys live once, in the shared key set, and a verify saves
// a pointer chase.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Material {
    Hmac(HmacKey),
    Private(EncodingKey),
}

impl SigningKey {
    /// An HMAC key. The secret must be at least as long as the hash output (32 bytes for
    /// `HS256`, 48 for `HS384`, 64 for `HS512`), and random: secrets published in tutorials,
    /// and secrets whose estimated strength is under 128 bits (runs such as `aaaa`, sequences
    /// such as `abcd` or `1234`, repeated fragments, few distinct bytes: typed text) are
    /// refused with [`KeyError::PublishedOrRepetitiveSecret`] (security manual, TV-02).
    ///
    /// Generate a secret with `openssl rand -base64 32` and give it with
    /// [`hmac_from_base64`](Self::hmac_from_base64), or decode it with
    /// [`decode_secret`](super::decode_secret).
    pub fn hmac(alg: Algorithm, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let verifying = VerifyingKey::hmac(alg, secret.as_ref())?;
        let key = HmacKey::new(alg, secret.as_ref())?;
        Ok(Self {
            alg,
            material: Material::Hmac(key),
            verifying,
        })
    }

    /// An `HS256` key; see [`SigningKey::hmac`].
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::hmac(Algorithm::HS256, secret)
    }

    /// An HMAC key from its secret in base64, standard or URL-safe alphabet, padded or not
    /// (what `openssl rand -base64 32` prints; white space around it is ignored). The decoded
    /// bytes are checked as by [`SigningKey::hmac`]; text that is not base64 is
    /// [`KeyError::SecretEncoding`].
    pub fn hmac_from_base64(alg: Algorithm, encoded: &str) -> Result<Self, KeyError> {
        Self::hmac(alg, decode_base64(encoded)?)
    }

    /// An `HS256` key from its secret in base64; see [`SigningKey::hmac_from_base64`].
    pub fn hs256_from_base64(encoded: &str) -> Result<Self, KeyError> {
        Self::hmac_from_base64(Algorithm::HS256, encoded)
    }

    /// An HMAC key from its secret in hex, two digits per byte, either case (what
    /// `openssl rand -hex 32` prints); see [`SigningKey::hmac_from_base64`].
    pub fn hmac_from_hex(alg: Algorithm, encoded: &str) -> Result<Self, KeyError> {
        Self::hmac(alg, decode_hex(encoded)?)
    }

    /// An `HS384` key; see [`SigningKey::hmac`].
    pub fn hs384(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::hmac(Algorithm::HS384, secret)
    }

    /// An `HS512` key; see [`SigningKey::hmac`].
    pub fn hs512(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::hmac(Algorithm::HS512, secret)
    }

    /// An HMAC key with a fresh random secret of twice the minimum length.
    ///
    /// Tokens it signs stop verifying when the process restarts; use it for tests and for
    /// development servers only.
    pub fn generate_hmac(alg: Algorithm) -> Result<Self, KeyError> {
        if !alg.is_symmetric() {
            return Err(KeyError::WrongKeyType { algorithm: alg });
        }
        let mut secret = vec![0u8; alg.min_secret_len() * 2];
        getrandom::fill(&mut secret).map_err(|_| KeyError::Random)?;
        Self::hmac(alg, &secret)
    }

    /// A private key in PEM for an RSA (`RS*`, `PS*`), ECDSA (`ES256` on P-256, `ES384` on
    /// P-384) or Ed25519 (`EdDSA`) algorithm. PKCS#8 (`BEGIN PRIVATE KEY`) for all of them;
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`) for RSA.
    ///
    /// The public half is derived from it, checked (RSA ≥ 2048 bits, the curve of the
    /// algorithm), and a test signature is verified before the key is accepted. The key id
    /// defaults to the RFC 7638 thumbprint of the public key.
    pub fn from_pem(alg: Algorithm, private_key_pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        backend::install();
        let pem = private_key_pem.as_ref();
        let invalid = |_| KeyError::InvalidKey { algorithm: alg };
        let key = match alg.family() {
            Family::Rsa => EncodingKey::from_rsa_pem(pem).map_err(invalid)?,
            Family::Ec => EncodingKey::from_ec_pem(pem).map_err(invalid)?,
            Family::Ed => EncodingKey::from_ed_pem(pem).map_err(invalid)?,
            Family::Hmac => return Err(KeyError::WrongKeyType { algorithm: alg }),
        };
        let components = Components::from_private_der(alg, key.as_bytes())?;
        let verifying = VerifyingKey::from_components(alg, &components, None)?;
        let this = Self {
            alg,
            material: Material::Private(key),
            verifying,
        };
        // A key pair that cannot verify its own signature is refused now, not at login.
        let probe = b"auth key self-test";
        let signature = this.sign(probe)?;
        if !this.verifying.verify(probe, &signature) {
            return Err(KeyError::InvalidKey { algorithm: alg });
        }
        Ok(this)
    }

    /// Replaces the key id (also on the verifying half and in the JWK).
    pub fn with_kid(mut self, kid: &str) -> Result<Self, KeyError> {
        self.verifying = self.verifying.with_kid(kid)?;
        Ok(self)
    }

    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id written into the header of every token this key signs.
    pub fn kid(&self) -> &str {
        self.verifying.kid()
    }

    /// The key that verifies this key's signatures. Keep it in the key set after rotating to
    /// a new signing key, so tokens signed before the rotation keep verifying.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// Signs `message` (the JWS signing input).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.material {
            Material::Hmac(key) => {
                let (tag, len) = key.sign(message);
                Ok(tag[..len].to_vec())
            }
            Material::Private(key) => {
                let invalid = KeyError::InvalidKey {
                    algorithm: self.alg,
                };
                let signer = (backend::provider().signer_factory)(&self.alg.to_jwt(), key)
                    .map_err(|_| invalid.clone())?;
                signer.try_sign(message).map_err(|_| invalid)
            }
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}
