use std::fmt;

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::Jwk;

use super::hmac::{HmacKey, PrefixedHmac};
use super::public::Components;
use super::{Algorithm, KeyError, Kid, backend};

/// A key that verifies signatures: pinned to one [`Algorithm`] and named by a [`Kid`].
///
/// Built from an HMAC secret, a public key PEM, or a JWK. Cheap to clone.
#[derive(Clone)]
pub struct VerifyingKey {
    alg: Algorithm,
    kid: Kid,
    material: Material,
    /// The base64url header segment of the tokens this key's signing half issues
    /// (`issued_header`), by which the verifier recognises them without decoding.
    header: Box<str>,
    /// For an HMAC key, its state after the whole blocks of `header`, which every token it
    /// issued starts with.
    after_header: Option<PrefixedHmac>,
}

// The HMAC state is kept inline: keys live once, in the shared key set, and a verify saves
// a pointer chase.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Material {
    Hmac(HmacKey),
    Public { key: DecodingKey, jwk: Box<Jwk> },
}

impl VerifyingKey {
    /// An HMAC key (`HS256`, `HS384`, `HS512`). The secret is checked as in
    /// [`SigningKey::hmac`](super::SigningKey::hmac); the key id defaults to one derived from the
    /// secret (not reversible to it).
    pub fn hmac(alg: Algorithm, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        let key = HmacKey::new(alg, secret)?;
        Ok(Self::new(alg, hmac_kid(&key), Material::Hmac(key)))
    }

    /// A public key in PEM (`-----BEGIN PUBLIC KEY-----`, or `BEGIN RSA PUBLIC KEY`) for an
    /// RSA, ECDSA or Ed25519 algorithm. The key id defaults to the key's RFC 7638 thumbprint.
    pub fn from_pem(alg: Algorithm, public_key_pem: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        backend::install();
        Self::from_components(
            alg,
            &Components::from_public_pem(alg, public_key_pem.as_ref())?,
            None,
        )
    }

    /// A public JWK (RFC 7517), as published in a JWKS document.
    ///
    /// The algorithm comes from the JWK's `alg`; a JWK without `alg` is refused, because the
    /// algorithm must never be guessed (use [`VerifyingKey::from_jwk_with_algorithm`]). The key
    /// id comes from the JWK's `kid`, or is its thumbprint.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        let alg = jwk
            .common
            .key_algorithm
            .and_then(|alg| Algorithm::from_name(&alg.to_string()))
            .ok_or(KeyError::UnknownAlgorithm)?;
        Self::from_jwk_with_algorithm(jwk, alg)
    }

    /// A public JWK used with `alg`. If the JWK names an algorithm, it must be `alg`.
    pub fn from_jwk_with_algorithm(jwk: &Jwk, alg: Algorithm) -> Result<Self, KeyError> {
        backend::install();
        if let Some(named) = jwk.common.key_algorithm
            && Algorithm::from_name(&named.to_string()) != Some(alg)
        {
            return Err(KeyError::WrongKeyType { algorithm: alg });
        }
        if alg.is_symmetric() {
            // A JWKS publishes public keys; an `oct` key in it would be a shared secret.
            return Err(KeyError::WrongKeyType { algorithm: alg });
        }
        let kid = jwk.common.key_id.as_deref().map(Kid::new).transpose()?;
        Self::from_components(alg, &Components::from_jwk(alg, jwk)?, kid)
    }

    pub(crate) fn from_components(
        alg: Algorithm,
        components: &Components,
        kid: Option<Kid>,
    ) -> Result<Self, KeyError> {
        components.check(alg)?;
        let key = components.decoding_key(alg)?;
        let kid = match kid {
            Some(kid) => kid,
            None => Kid::new(&components.thumbprint())?,
        };
        let jwk = Box::new(components.to_jwk(alg, kid.as_str()));
        Ok(Self::new(alg, kid, Material::Public { key, jwk }))
    }

    fn new(alg: Algorithm, kid: Kid, material: Material) -> Self {
        let mut key = Self {
            alg,
            header: Box::default(),
            kid,
            material,
            after_header: None,
        };
        key.derive_from_kid();
        key
    }

    /// Recomputes what depends on the key id: the issued header and the HMAC state after it.
    fn derive_from_kid(&mut self) {
        self.header = issued_header(self.alg, &self.kid);
        self.after_header = match &self.material {
            Material::Hmac(key) => PrefixedHmac::new(key, self.header.as_bytes()),
            Material::Public { .. } => None,
        };
    }

    /// Replaces the key id.
    pub fn with_kid(mut self, kid: &str) -> Result<Self, KeyError> {
        self.kid = Kid::new(kid)?;
        self.derive_from_kid();
        if let Material::Public { jwk, .. } = &mut self.material {
            jwk.common.key_id = Some(kid.to_owned());
        }
        Ok(self)
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        self.kid.as_str()
    }

    /// The public JWK of an asymmetric key; `None` for HMAC keys, whose secret is never
    /// published.
    pub fn jwk(&self) -> Option<&Jwk> {
        match &self.material {
            Material::Hmac(_) => None,
            Material::Public { jwk, .. } => Some(jwk),
        }
    }

    /// The header segment of the tokens this key's signing half issues: base64url of
    /// `{"alg":..,"typ":"at+jwt","kid":..}`, exactly as the issuer writes it.
    pub(crate) fn header_segment(&self) -> &str {
        &self.header
    }

    /// Whether `other` is this very key: same `kid`, same algorithm, same public key. HMAC
    /// keys never compare equal (their secret is not kept in comparable form), which errs on
    /// the side of "changed".
    pub(crate) fn same_key(&self, other: &Self) -> bool {
        self.alg == other.alg
            && self.kid == other.kid
            && match (&self.material, &other.material) {
                (Material::Public { jwk: a, .. }, Material::Public { jwk: b, .. }) => a == b,
                _ => false,
            }
    }

    /// Verifies `signature` over `message` with this key's algorithm.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.material {
            Material::Hmac(key) => self
                .after_header
                .as_ref()
                .and_then(|issued| issued.verify(message, signature))
                .unwrap_or_else(|| key.verify(message, signature)),
            Material::Public { key, .. } => {
                // The verifier is rebuilt per call: `jsonwebtoken`'s boxed verifiers are not
                // `Send`, so they cannot be kept in a shared key set. Building one parses the
                // public key, which is small next to the signature check itself.
                let Ok(verifier) = (backend::provider().verifier_factory)(&self.alg.to_jwt(), key)
                else {
                    return false;
                };
                verifier.verify(message, &signature.to_vec()).is_ok()
            }
        }
    }
}

/// The `typ` of the tokens the issuer writes (RFC 9068 §2.1), which the verifier requires
/// (`token::header`).
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The base64url header segment of every token signed by `alg` with key `kid`: computed once
/// per key, written by the issuer (`token::issue`), and recognised by the verifier by
/// comparison (`token::verify`).
fn issued_header(alg: Algorithm, kid: &Kid) -> Box<str> {
    use base64::Engine as _;
    // `alg` is a registered name and `kid` is restricted to `[A-Za-z0-9._-]`: neither needs
    // JSON escaping.
    let json = format!(
        r#"{{"alg":"{}","typ":"{ACCESS_TOKEN_TYPE}","kid":"{}"}}"#,
        alg.as_str(),
        kid.as_str()
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json)
        .into_boxed_str()
}

/// The default key id of an HMAC key: a MAC of a fixed label, so it names the key without
/// revealing anything about the secret.
pub(crate) fn hmac_kid(key: &HmacKey) -> Kid {
    use base64::Engine as _;
    let (tag, _) = key.sign(b"auth kid");
    // 16 characters of the base64url alphabet: always a valid kid.
    Kid::from_valid(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..12]))
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
