//! Configuration from the environment, checked before anything starts.

use std::fmt;
use std::net::SocketAddr;

use auth::keys::{SigningKey, decode_secret};

/// What to do about an `AUTH_JWT_SECRET` that cannot be used.
const SECRET_HELP: &str = "AUTH_JWT_SECRET must be base64 (or hex) of at least 32 random bytes; \
                           generate one with `openssl rand -base64 32`";

/// What the server reads from its environment.
pub(crate) struct Config {
    /// `BIND`: where to listen. Defaults to `127.0.0.1:3000`.
    pub(crate) bind: SocketAddr,
    /// `DATABASE_URL`: the SQLite database of users, posts and (without Redis) tokens.
    /// Defaults to `sqlite://auth-demo.db` in the working directory, created on first start.
    pub(crate) database_url: String,
    /// `AUTH_JWT_SECRET`: the HS256 secret, as base64 (or hex) of at least 32 random bytes,
    /// such as `openssl rand -base64 32` prints; decoded here. When unset a random one is
    /// generated (tokens then stop verifying at the next restart) and a warning is logged.
    pub(crate) jwt_secret: Option<Vec<u8>>,
    /// `AUTH_ISSUER`. Defaults to `auth-demo`.
    pub(crate) issuer: String,
    /// `AUTH_AUDIENCE`. Defaults to `auth-demo-api`.
    pub(crate) audience: String,
    /// `REDIS_URL`: when set, refresh tokens and revocations live in Redis, shared by every
    /// instance that points at it.
    pub(crate) redis_url: Option<String>,
    /// `DEMO_PASSWORD`: the password of the seeded users. When unset a random one is printed
    /// once, at the first start.
    pub(crate) demo_password: Option<String>,
}

/// A configuration value that cannot be used. The message names the variable; it never
/// contains the value (it may be a secret).
#[derive(Debug)]
pub(crate) struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub(crate) fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `var`, so it is testable without touching the
    /// process environment. Empty values count as unset.
    pub(crate) fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| var(name).filter(|value| !value.is_empty());
        let bind = match var("BIND") {
            Some(bind) => bind.parse().map_err(|_| {
                ConfigError("BIND must be an address and port, such as 127.0.0.1:3000".into())
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://auth-demo.db".into());
        if !database_url.starts_with("sqlite:") {
            return Err(ConfigError(
                "DATABASE_URL must be a SQLite URL, such as sqlite://auth-demo.db".into(),
            ));
        }
        let jwt_secret = match var("AUTH_JWT_SECRET") {
            Some(text) => Some(jwt_secret(&text)?),
            None => None,
        };
        let demo_password = var("DEMO_PASSWORD");
        if let Some(password) = &demo_password
            && password.len() < 8
        {
            return Err(ConfigError(
                "DEMO_PASSWORD must be at least 8 characters".into(),
            ));
        }
        Ok(Self {
            bind,
            database_url,
            jwt_secret,
            issuer: var("AUTH_ISSUER").unwrap_or_else(|| "auth-demo".into()),
            audience: var("AUTH_AUDIENCE").unwrap_or_else(|| "auth-demo-api".into()),
            redis_url: var("REDIS_URL"),
            demo_password,
        })
    }
}

/// `AUTH_JWT_SECRET` decoded, and checked as the key will be (security manual, TV-02): a
/// typed passphrase, even encoded, is refused here rather than at the first login.
fn jwt_secret(text: &str) -> Result<Vec<u8>, ConfigError> {
    let secret = decode_secret(text)
        .ok()
        .filter(|secret| secret.len() >= 32)
        .ok_or_else(|| ConfigError(SECRET_HELP.into()))?;
    SigningKey::hs256(&secret).map_err(|err| ConfigError(format!("AUTH_JWT_SECRET: {err}")))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config(&[]).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, "sqlite://auth-demo.db");
        assert!(config.jwt_secret.is_none() && config.redis_url.is_none());
        assert_eq!(
            (config.issuer.as_str(), config.audience.as_str()),
            ("auth-demo", "auth-demo-api")
        );
    }

    #[test]
    fn the_secret_is_base64_or_hex_of_32_random_bytes() {
        let base64 = "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=";
        let hex = "27b0e298c52fd0896047bc7f720829e170010bb76cbaf7dc83acd200c867f622";
        for text in [base64, hex, "J7DimMUv0IlgR7x_cggp4XABC7dsuvfcg6zSAMhn9iI"] {
            let secret = config(&[("AUTH_JWT_SECRET", text)])
                .unwrap()
                .jwt_secret
                .unwrap();
            assert_eq!(secret.len(), 32, "{text}");
        }
        for bad in [
            "hunter2",
            // 32 characters of text, not an encoding of 32 bytes
            "correct-horse-battery-staple-42!",
            // base64 of 24 bytes only
            "J7DimMUv0IlgR7x/cggp4XABC7dsuvfc",
            // base64 of 32 bytes of a typed passphrase
            "cGFzc3dvcmRwYXNzd29yZHBhc3N3b3JkcGFzc3dvcmQ=",
        ] {
            let err = config(&[("AUTH_JWT_SECRET", bad)])
                .err()
                .unwrap()
                .to_string();
            assert!(
                err.contains("openssl rand -base64 32") && !err.contains(bad),
                "{err}"
            );
        }
    }

    #[test]
    fn bad_values_are_refused_without_echoing_them() {
        let err = config(&[("AUTH_JWT_SECRET", "hunter2")])
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("at least 32 random bytes") && !err.contains("hunter2"),
            "{err}"
        );
        assert!(config(&[("BIND", "nowhere")]).is_err());
        assert!(config(&[("DATABASE_URL", "postgres://x")]).is_err());
        assert!(config(&[("DEMO_PASSWORD", "short")]).is_err());
        assert!(config(&[("REDIS_URL", "")]).unwrap().redis_url.is_none());
    }
}
