//! The key that signs the demo's tokens (`AUTH_SIGNING_ALG`).
//!
//! - `HS256` (the default): the secret of `AUTH_JWT_SECRET`, or a random one.
//! - `EdDSA`, `ES256`, `RS256`: the private key of `AUTH_SIGNING_KEY_FILE`; without it, a
//!   key generated at the first start and kept next to the database (mode 0600), so tokens
//!   and the published `kid` survive a restart. Its public half is served at
//!   `/.well-known/jwks.json`.

mod generate;
mod pem;
mod store;

use std::path::Path;

use auth::keys::{Algorithm, SigningKey};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::config::Config;

/// The signing key, and what else is derived from its secret.
pub(crate) struct DemoKey {
    pub(crate) key: SigningKey,
    /// The key of the cookie transport's CSRF MAC, derived from an asymmetric private key;
    /// `None` for HS256, from whose secret `auth` derives it itself. `auth` derives it only
    /// from keys whose signatures are deterministic, so ES256 and RS256 need one given; EdDSA
    /// gets one too, so the three behave alike.
    pub(crate) csrf_key: Option<[u8; 32]>,
}

/// The signing key the configuration asks for. Start-up errors name the variable or file
/// and the reason, never key material.
pub(crate) fn load(config: &Config) -> Result<DemoKey, String> {
    let alg = config.signing_alg;
    if alg.is_symmetric() {
        return hs256(config.jwt_secret.as_deref());
    }
    let (key, pem) = match &config.signing_key_file {
        Some(path) => from_file(alg, path)?,
        None => generated(alg, &config.database_url)?,
    };
    tracing::info!(alg = %alg, kid = key.kid(), "public key at /.well-known/jwks.json");
    Ok(DemoKey {
        csrf_key: Some(csrf_key(&pem)?),
        key,
    })
}

/// The key of `AUTH_SIGNING_KEY_FILE`, and its PEM.
fn from_file(alg: Algorithm, path: &Path) -> Result<(SigningKey, String), String> {
    let pem = store::read(path).map_err(|err| format!("AUTH_SIGNING_KEY_FILE: {err}"))?;
    let key = pem::parse(
        alg,
        &pem,
        &format!("AUTH_SIGNING_KEY_FILE {}", path.display()),
    )?;
    store::warn_if_shared(path);
    tracing::info!(alg = %alg, path = %path.display(), "signing key read");
    Ok((key, pem))
}

/// The generated key of `alg`, and its PEM: read from next to the database when an earlier
/// start made it, else made now and kept there (or in memory, with an in-memory database).
fn generated(alg: Algorithm, database_url: &str) -> Result<(SigningKey, String), String> {
    let path = match store::home(database_url, alg)? {
        store::Home::File(path) => path,
        store::Home::Memory => {
            tracing::warn!(
                alg = %alg,
                "DATABASE_URL is an in-memory database, so the generated signing key is kept \
                 in memory too: tokens and the published kid change at every start; set \
                 AUTH_SIGNING_KEY_FILE to keep a key"
            );
            let pem = generate::private_key_pem(alg)?;
            let key = pem::parse(alg, &pem, "the generated key")?;
            return Ok((key, pem));
        }
    };
    let pem = if path.exists() {
        tracing::info!(alg = %alg, path = %path.display(), "signing key read");
        store::read(&path)?
    } else {
        let fresh = generate::private_key_pem(alg)?;
        match store::create(&path, &fresh)? {
            store::Created::Written => {
                tracing::info!(alg = %alg, path = %path.display(), "signing key generated and kept, mode 0600");
                fresh
            }
            // Another instance on the same database was first: share its key.
            store::Created::Existing(theirs) => {
                tracing::info!(alg = %alg, path = %path.display(), "signing key read");
                theirs
            }
        }
    };
    let key = pem::parse(alg, &pem, &format!("the key file {}", path.display()))
        .map_err(|err| format!("{err}; delete it to generate a new key"))?;
    store::warn_if_shared(&path);
    Ok((key, pem))
}

/// The HS256 key: the configured secret (checked by `Config`), or a random one.
fn hs256(secret: Option<&[u8]>) -> Result<DemoKey, String> {
    let key = match secret {
        Some(secret) => SigningKey::hs256(secret),
        None => {
            tracing::warn!(
                "AUTH_JWT_SECRET is not set: using a random secret; tokens will not survive a \
                 restart and other instances will not accept them"
            );
            SigningKey::generate_hmac(Algorithm::HS256)
        }
    }
    .map_err(|err| err.to_string())?;
    Ok(DemoKey {
        key,
        csrf_key: None,
    })
}

/// HMAC-SHA256 keyed by the private key's PEM (white space left out, so copies of the file
/// with other line endings agree): every instance sharing the key file derives the same CSRF
/// key, and it survives restarts, without a variable of its own.
fn csrf_key(pem: &str) -> Result<[u8; 32], String> {
    let material: Vec<u8> = pem.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(&material)
        .map_err(|_| "cannot derive the CSRF key from the signing key".to_owned())?;
    mac.update(b"auth-demo: cookie CSRF key v1");
    Ok(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_key_depends_on_the_key_only() {
        let ed = include_str!("../../../tests/fixtures/keys/ed25519.pem");
        let other = include_str!("../../../tests/fixtures/keys/ed25519-b.pem");
        let key = csrf_key(ed).unwrap();
        assert_eq!(key, csrf_key(&ed.replace('\n', "\r\n")).unwrap());
        assert_ne!(key, csrf_key(other).unwrap());
    }
}
