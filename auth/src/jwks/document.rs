//! Reading a JWKS document (RFC 7517 §5) into a verify-only [`KeySet`].
//!
//! A JWKS published by an identity provider carries more than signature keys: Keycloak lists an
//! `RSA-OAEP` encryption key next to its `RS256` key, Azure AD omits `alg` altogether, and a
//! provider may add a key type this crate does not support. So the document is read key by
//! key: a key that cannot be used is **skipped** (with a `tracing` record naming its `kid` and
//! why), and only a document that is not a JWKS at all, is too large, lists too many keys, or
//! leaves no usable key, is an error.
//!
//! What is never done: guess an algorithm. A key is used with the algorithm its `alg` names,
//! or with the [`JwksConfig::default_algorithm`] the application configured; a key with
//! neither is skipped. A shared secret (`kty: oct`, `HS256`...) is never taken from a JWKS,
//! and neither is `alg: none`.

use std::fmt;
use std::io::Read as _;
use std::path::Path;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyOperations, PublicKeyUse};
use serde::Deserialize;

use crate::keys::{Algorithm, KeyError, KeySet, Kid, VerifyingKey};

/// The largest JWKS document read by default: 1 MiB (a provider's JWKS is a few KiB).
pub(crate) const MAX_JWKS_SIZE: usize = 1024 * 1024;
/// The most keys a JWKS document may list by default: 100 (providers list two to ten).
pub(crate) const MAX_JWKS_KEYS: usize = 100;

/// How a JWKS document is read. [`Default`] is the strict reading.
///
/// ```
/// use auth::jwks::JwksConfig;
/// use auth::keys::{Algorithm, KeySet};
///
/// // Azure AD publishes RSA keys without `alg`; it signs with RS256.
/// let mut config = JwksConfig::default();
/// config.default_algorithm = Some(Algorithm::RS256);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwksConfig {
    /// The algorithm of keys whose JWK has no `alg`, when the key type fits it (an `RSA` key
    /// for `RS256`/`PS256`..., an `EC` P-256 key for `ES256`...). It comes from the
    /// application, never from a token. Symmetric algorithms are refused whatever this says.
    ///
    /// Defaults to `None`: keys without `alg` are skipped.
    pub default_algorithm: Option<Algorithm>,
    /// The most keys the document may list (usable or not); more is an error. Defaults to
    /// 100 (providers list two to ten).
    pub max_keys: usize,
    /// The largest document read, in bytes (a file, or an HTTP response body); larger is an
    /// error. Defaults to 1 MiB (a provider's JWKS is a few KiB).
    pub max_size: usize,
}

impl Default for JwksConfig {
    fn default() -> Self {
        Self {
            default_algorithm: None,
            max_keys: MAX_JWKS_KEYS,
            max_size: MAX_JWKS_SIZE,
        }
    }
}

/// Why a JWKS document could not be read or fetched.
///
/// Messages never contain key material or tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The document is larger than [`JwksConfig::max_size`].
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The document lists more keys than [`JwksConfig::max_keys`].
    TooManyKeys {
        /// The limit.
        limit: usize,
    },
    /// The document is not a JSON object with a `keys` array.
    Malformed,
    /// No key of the document can verify signatures (see the `tracing` records for why each
    /// was skipped).
    NoUsableKey,
    /// The file could not be read.
    Io(std::io::ErrorKind),
    /// The JWKS URL is not an absolute `https` URL (or `http` to a loopback address), or
    /// carries credentials.
    InvalidUrl(&'static str),
    /// The JWKS endpoint answered with another status than 200.
    Status(u16),
    /// The JWKS endpoint could not be reached (connection, TLS or HTTP error).
    Fetch(String),
    /// The JWKS endpoint did not answer within the timeout.
    Timeout,
    /// A setting of the remote JWKS is out of range.
    InvalidConfig(&'static str),
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { limit } => {
                write!(f, "the JWKS document is larger than {limit} bytes")
            }
            Self::TooManyKeys { limit } => {
                write!(f, "the JWKS document lists more than {limit} keys")
            }
            Self::Malformed => {
                f.write_str("not a JWKS document (a JSON object with a `keys` array)")
            }
            Self::NoUsableKey => f.write_str(
                "the JWKS document has no usable signature key (each needs `alg` naming an \
                 asymmetric algorithm this crate supports, or a configured default algorithm)",
            ),
            Self::Io(kind) => write!(f, "cannot read the JWKS file: {kind}"),
            Self::InvalidUrl(why) => write!(f, "invalid JWKS URL: {why}"),
            Self::Status(status) => write!(f, "the JWKS endpoint answered with status {status}"),
            Self::Fetch(why) => write!(f, "cannot fetch the JWKS: {why}"),
            Self::Timeout => f.write_str("the JWKS endpoint did not answer in time"),
            Self::InvalidConfig(why) => write!(f, "invalid remote JWKS setting: {why}"),
        }
    }
}

impl std::error::Error for JwksError {}

/// The outer shape of a JWKS: its keys stay raw JSON until each is read on its own, so one
/// key of an unexpected shape does not reject the others.
#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

impl JwksConfig {
    /// A verify-only key set from a parsed JWKS; unusable keys are skipped (see the module
    /// docs).
    pub fn key_set(&self, jwks: &JwkSet) -> Result<KeySet, JwksError> {
        if jwks.keys.len() > self.max_keys {
            return Err(JwksError::TooManyKeys {
                limit: self.max_keys,
            });
        }
        Self::collect(
            jwks.keys
                .iter()
                .enumerate()
                .filter_map(|(index, jwk)| self.usable(index, jwk)),
        )
    }

    /// A verify-only key set from the JSON text of a JWKS document.
    pub fn key_set_from_json(&self, json: impl AsRef<[u8]>) -> Result<KeySet, JwksError> {
        let json = json.as_ref();
        if json.len() > self.max_size {
            return Err(JwksError::TooLarge {
                limit: self.max_size,
            });
        }
        let raw: RawJwks = serde_json::from_slice(json).map_err(|_| JwksError::Malformed)?;
        if raw.keys.len() > self.max_keys {
            return Err(JwksError::TooManyKeys {
                limit: self.max_keys,
            });
        }
        Self::collect(
            raw.keys
                .into_iter()
                .enumerate()
                .filter_map(
                    |(index, value)| match serde_json::from_value::<Jwk>(value) {
                        Ok(jwk) => self.usable(index, &jwk),
                        Err(_) => {
                            tracing::warn!(index, "JWKS key skipped: not a JWK");
                            None
                        }
                    },
                ),
        )
    }

    /// A verify-only key set from a JWKS file (at most [`max_size`](Self::max_size) bytes).
    pub fn key_set_from_file(&self, path: impl AsRef<Path>) -> Result<KeySet, JwksError> {
        let file = std::fs::File::open(path).map_err(|err| JwksError::Io(err.kind()))?;
        let mut json = Vec::new();
        let limit = u64::try_from(self.max_size).unwrap_or(u64::MAX);
        file.take(limit.saturating_add(1))
            .read_to_end(&mut json)
            .map_err(|err| JwksError::Io(err.kind()))?;
        self.key_set_from_json(json)
    }

    /// The verifying key of one JWK, or `None` (and a log record) when it cannot be used.
    fn usable(&self, index: usize, jwk: &Jwk) -> Option<VerifyingKey> {
        // The kid is only logged once it is known to be of the safe charset.
        let kid = jwk.common.key_id.as_deref();
        let shown = kid.filter(|kid| Kid::is_valid(kid)).unwrap_or("-");
        if kid.is_some_and(|kid| !Kid::is_valid(kid)) {
            tracing::warn!(
                index,
                "JWKS key skipped: its `kid` is not 1-64 of `A-Za-z0-9._-`"
            );
            return None;
        }
        // Encryption keys sit next to signature keys in many JWKS (Keycloak's `RSA-OAEP`):
        // expected, so not worth a warning.
        match &jwk.common.public_key_use {
            None | Some(PublicKeyUse::Signature) => {}
            Some(_) => {
                tracing::debug!(index, kid = shown, "JWKS key skipped: not a signature key");
                return None;
            }
        }
        if let Some(ops) = &jwk.common.key_operations
            && !ops.contains(&KeyOperations::Verify)
        {
            tracing::debug!(
                index,
                kid = shown,
                "JWKS key skipped: `key_ops` without `verify`"
            );
            return None;
        }
        let alg = match jwk.common.key_algorithm {
            Some(named) => {
                let Some(alg) = Algorithm::from_name(&named.to_string()) else {
                    tracing::warn!(
                        index,
                        kid = shown,
                        "JWKS key skipped: its `alg` is not a supported signature algorithm"
                    );
                    return None;
                };
                alg
            }
            None => {
                let Some(alg) = self.default_algorithm else {
                    tracing::warn!(
                        index,
                        kid = shown,
                        "JWKS key skipped: no `alg`, and no default algorithm is configured \
                         (the algorithm is never guessed)"
                    );
                    return None;
                };
                alg
            }
        };
        match VerifyingKey::from_jwk_with_algorithm(jwk, alg) {
            Ok(key) => Some(key),
            Err(err) => {
                tracing::warn!(index, kid = shown, %alg, reason = %err, "JWKS key skipped");
                None
            }
        }
    }

    /// Builds the key set; keys that share a `kid` are all dropped, since a `kid` must select
    /// exactly one key.
    fn collect(keys: impl Iterator<Item = VerifyingKey>) -> Result<KeySet, JwksError> {
        let keys: Vec<VerifyingKey> = keys.collect();
        let mut set = KeySet::verify_only([]).map_err(|_| JwksError::NoUsableKey)?;
        for (i, key) in keys.iter().enumerate() {
            let shared = keys
                .iter()
                .enumerate()
                .any(|(j, other)| i != j && other.kid() == key.kid());
            if shared {
                tracing::warn!(
                    kid = key.kid(),
                    "JWKS key skipped: another key has its `kid`"
                );
                continue;
            }
            set = set
                .with_verifying_key(key.clone())
                .map_err(|_: KeyError| JwksError::NoUsableKey)?;
        }
        if set.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const P256_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn ec(kid: &str, alg: Option<&str>) -> serde_json::Value {
        let mut key =
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": P256_X, "y": P256_Y, "kid": kid});
        if let Some(alg) = alg {
            key["alg"] = alg.into();
        }
        key
    }

    fn doc(keys: &[serde_json::Value]) -> String {
        serde_json::json!({ "keys": keys }).to_string()
    }

    #[test]
    fn usable_keys_are_kept_and_the_rest_skipped() {
        let json = doc(&[
            ec("good", Some("ES256")),
            ec("no-alg", None),
            ec("wrong-curve", Some("ES384")),
            ec("none", Some("none")),
            serde_json::json!({"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "alg": "HS256", "kid": "secret"}),
            serde_json::json!({"kty": "EC", "use": "enc", "crv": "P-256", "x": P256_X, "y": P256_Y, "alg": "ES256", "kid": "enc"}),
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": P256_X, "y": P256_Y, "alg": "ES256", "kid": "bad kid"}),
            serde_json::json!({"kty": "RSA", "alg": "RS256", "kid": "no-modulus"}),
            serde_json::json!("not an object"),
        ]);
        let set = JwksConfig::default().key_set_from_json(&json).unwrap();
        let kids: Vec<&str> = set.verifying_keys().map(VerifyingKey::kid).collect();
        assert_eq!(kids, ["good"]);
    }

    #[test]
    fn a_default_algorithm_is_used_only_when_configured() {
        let json = doc(&[ec("no-alg", None)]);
        assert_eq!(
            JwksConfig::default().key_set_from_json(&json).err(),
            Some(JwksError::NoUsableKey)
        );
        let mut config = JwksConfig {
            default_algorithm: Some(Algorithm::ES256),
            ..JwksConfig::default()
        };
        let set = config.key_set_from_json(&json).unwrap();
        assert_eq!(set.find("no-alg").unwrap().algorithm(), Algorithm::ES256);
        // A default that does not fit the key type does not make it usable.
        config.default_algorithm = Some(Algorithm::RS256);
        assert!(config.key_set_from_json(&json).is_err());
        config.default_algorithm = Some(Algorithm::HS256);
        assert!(config.key_set_from_json(&json).is_err());
    }

    #[test]
    fn keys_sharing_a_kid_are_all_dropped() {
        let json = doc(&[
            ec("same", Some("ES256")),
            ec("same", Some("ES256")),
            ec("other", Some("ES256")),
        ]);
        let set = JwksConfig::default().key_set_from_json(&json).unwrap();
        assert!(set.find("same").is_none());
        assert!(set.find("other").is_some());
    }

    #[test]
    fn documents_are_bounded() {
        for bad in ["", "[]", "{}", r#"{"keys": {}}"#, r#"{"keys": [1"#] {
            assert_eq!(
                JwksConfig::default().key_set_from_json(bad).err(),
                Some(JwksError::Malformed),
                "{bad}"
            );
        }
        let mut config = JwksConfig {
            max_keys: 2,
            ..JwksConfig::default()
        };
        let three = doc(&[
            ec("a", Some("ES256")),
            ec("b", Some("ES256")),
            ec("c", Some("ES256")),
        ]);
        assert_eq!(
            config.key_set_from_json(&three).err(),
            Some(JwksError::TooManyKeys { limit: 2 })
        );
        config.max_size = 10;
        assert_eq!(
            config.key_set_from_json(&three).err(),
            Some(JwksError::TooLarge { limit: 10 })
        );
        assert_eq!(
            JwksConfig::default()
                .key_set_from_json(r#"{"keys": []}"#)
                .err(),
            Some(JwksError::NoUsableKey)
        );
    }

    #[test]
    fn files_are_read_with_the_size_cap() {
        let dir = std::env::temp_dir().join(format!("auth-jwks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwks.json");
        std::fs::write(&path, doc(&[ec("file", Some("ES256"))])).unwrap();
        assert!(
            JwksConfig::default()
                .key_set_from_file(&path)
                .unwrap()
                .find("file")
                .is_some()
        );
        let config = JwksConfig {
            max_size: 16,
            ..JwksConfig::default()
        };
        assert_eq!(
            config.key_set_from_file(&path).err(),
            Some(JwksError::TooLarge { limit: 16 })
        );
        assert!(matches!(
            JwksConfig::default().key_set_from_file(dir.join("missing.json")),
            Err(JwksError::Io(std::io::ErrorKind::NotFound))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
