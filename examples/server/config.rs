//! Configuration from the environment, checked before anything starts.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use auth::keys::{Algorithm, SigningKey};

/// What to do about an `AUTH_JWT_SECRET` that cannot be used.
const SECRET_HELP: &str = "AUTH_JWT_SECRET must be at least 32 bytes of random text, not a \
                           typed passphrase; generate one with `openssl rand -base64 32`";

/// The signing algorithms the demo offers (`AUTH_SIGNING_ALG`), the default first.
pub(crate) const SIGNING_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::HS256,
    Algorithm::EdDSA,
    Algorithm::ES256,
    Algorithm::RS256,
];

/// What the server reads from its environment.
pub(crate) struct Config {
    /// `BIND`: where to listen. Defaults to `127.0.0.1:3000`.
    pub(crate) bind: SocketAddr,
    /// `DATABASE_URL`: the database of users, posts and (without Redis) tokens: SQLite
    /// (`sqlite:…`, the file created on first start) or PostgreSQL (`postgres://…`, an
    /// existing database, its tables created on first start). Defaults to
    /// `sqlite://auth-demo.db` in the working directory.
    pub(crate) database_url: String,
    /// `AUTH_JWT_SECRET`: the HS256 secret. Its bytes are the key, as other JWT libraries
    /// (PyJWT, `jsonwebtoken`) take a secret string, so a client can share it as it is. It
    /// must be at least 32 bytes with an estimated strength of 128 bits: the text that
    /// `openssl rand -base64 32` prints passes, a typed passphrase does not. When unset a
    /// random one is generated (tokens then stop verifying at the next restart) and a
    /// warning is logged.
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
    /// `DEMO_CLIENT_SECRET`: the secret of the seeded service client `reports-exporter`.
    /// When unset a random one is printed once, at the first start.
    pub(crate) demo_client_secret: Option<String>,
    /// `AUTH_COOKIES`: `true` or `1` turns on the cookie transport for browsers (with its
    /// CSRF checks) and the page at `/`; `false` or `0` leaves it off. Defaults to off.
    pub(crate) cookies: bool,
    /// `AUTH_SIGNING_ALG`: `HS256`, `EdDSA`, `ES256` or `RS256` (any case). Defaults to
    /// `HS256`, whose secret is `AUTH_JWT_SECRET`.
    pub(crate) signing_alg: Algorithm,
    /// `AUTH_SIGNING_KEY_FILE`: the private key of an asymmetric `signing_alg`, PKCS#8 PEM.
    /// When unset, a key is generated at the first start and kept next to the database.
    pub(crate) signing_key_file: Option<PathBuf>,
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
        if crate::db::Kind::of(&database_url).is_none() {
            return Err(ConfigError(
                "DATABASE_URL must be a SQLite or PostgreSQL URL, such as \
                 sqlite://auth-demo.db or postgres://demo@127.0.0.1/auth_demo"
                    .into(),
            ));
        }
        let jwt_secret = match var("AUTH_JWT_SECRET") {
            Some(text) => Some(jwt_secret(&text)?),
            None => None,
        };
        let cookies = match var("AUTH_COOKIES") {
            Some(text) => flag(&text).ok_or_else(|| {
                ConfigError("AUTH_COOKIES must be `true` or `false` (or `1` or `0`)".into())
            })?,
            None => false,
        };
        let signing_alg = match var("AUTH_SIGNING_ALG") {
            Some(name) => signing_alg(&name)?,
            None => Algorithm::HS256,
        };
        let signing_key_file = var("AUTH_SIGNING_KEY_FILE").map(PathBuf::from);
        check_key_source(
            signing_alg,
            jwt_secret.is_some(),
            signing_key_file.is_some(),
        )?;
        let demo_password = var("DEMO_PASSWORD");
        if let Some(password) = &demo_password
            && password.len() < 8
        {
            return Err(ConfigError(
                "DEMO_PASSWORD must be at least 8 characters".into(),
            ));
        }
        let demo_client_secret = var("DEMO_CLIENT_SECRET");
        if let Some(secret) = &demo_client_secret
            && secret.len() < 16
        {
            return Err(ConfigError(
                "DEMO_CLIENT_SECRET must be at least 16 characters".into(),
            ));
        }
        Ok(Self {
            bind,
            demo_client_secret,
            database_url,
            jwt_secret,
            issuer: var("AUTH_ISSUER").unwrap_or_else(|| "auth-demo".into()),
            audience: var("AUTH_AUDIENCE").unwrap_or_else(|| "auth-demo-api".into()),
            redis_url: var("REDIS_URL"),
            demo_password,
            cookies,
            signing_alg,
            signing_key_file,
        })
    }
}

/// A boolean variable: exactly `true`, `false`, `1` or `0`. Anything else is refused rather
/// than read as `false`, so a typo such as `AUTH_COOKIES=ture` does not silently leave
/// browsers without their transport.
fn flag(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `AUTH_SIGNING_ALG`: one of [`SIGNING_ALGORITHMS`], in any case (`eddsa` is meant as
/// `EdDSA`; the name maps onto a fixed set, so leniency cannot select anything else).
fn signing_alg(name: &str) -> Result<Algorithm, ConfigError> {
    SIGNING_ALGORITHMS
        .into_iter()
        .find(|alg| alg.as_str().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            ConfigError(format!(
                "AUTH_SIGNING_ALG must be one of {}",
                SIGNING_ALGORITHMS.map(Algorithm::as_str).join(", ")
            ))
        })
}

/// Each algorithm takes its key from one place: HS256 from `AUTH_JWT_SECRET`, the others
/// from `AUTH_SIGNING_KEY_FILE`. A variable the algorithm would ignore is refused, so the
/// operator never believes tokens are signed with a key they are not.
fn check_key_source(alg: Algorithm, secret: bool, key_file: bool) -> Result<(), ConfigError> {
    if alg.is_symmetric() && key_file {
        return Err(ConfigError(
            "AUTH_SIGNING_KEY_FILE holds the private key of EdDSA, ES256 or RS256: set \
             AUTH_SIGNING_ALG to its algorithm (the HS256 secret is AUTH_JWT_SECRET)"
                .into(),
        ));
    }
    if !alg.is_symmetric() && secret {
        return Err(ConfigError(format!(
            "AUTH_JWT_SECRET is the HS256 secret, unused with AUTH_SIGNING_ALG={alg}: unset it \
             (the {alg} key comes from AUTH_SIGNING_KEY_FILE, or is generated)"
        )));
    }
    Ok(())
}

/// `AUTH_JWT_SECRET`, checked as the key will be (security manual, TV-02): a short or
/// typed secret is refused here rather than at the first login, with a message that never
/// contains the value.
fn jwt_secret(text: &str) -> Result<Vec<u8>, ConfigError> {
    let secret = text.as_bytes().to_vec();
    SigningKey::hs256(&secret).map_err(|_| ConfigError(SECRET_HELP.into()))?;
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
    fn the_secret_is_random_text_used_as_it_is() {
        for text in [
            // `openssl rand -base64 32` and `openssl rand -hex 32`
            "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=",
            "27b0e298c52fd0896047bc7f720829e170010bb76cbaf7dc83acd200c867f622",
            "kvJ1bP0x8Zq3mW7nR2tY5uA9cD4fG6hK",
        ] {
            let secret = config(&[("AUTH_JWT_SECRET", text)])
                .unwrap()
                .jwt_secret
                .unwrap();
            assert_eq!(secret, text.as_bytes());
        }
        for bad in [
            "hunter2",
            // 32 bytes, 8 distinct values: at most 96 bits
            "p4ssw0rdP4SSW0RDp4ssw0rdP4SSW0RD",
            // a sequence, the classic test secret
            "e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            // a phrase said again and again
            "test-secret-test-secret-test-secret!!",
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
            err.contains("at least 32 bytes of random text") && !err.contains("hunter2"),
            "{err}"
        );
        assert!(config(&[("BIND", "nowhere")]).is_err());
        assert!(config(&[("DEMO_PASSWORD", "short")]).is_err());
        assert!(config(&[("REDIS_URL", "")]).unwrap().redis_url.is_none());
    }

    #[test]
    fn the_database_is_sqlite_or_postgresql() {
        for url in [
            "sqlite://auth-demo.db",
            "sqlite::memory:",
            "postgres://demo@127.0.0.1/auth_demo",
            "postgresql://demo:secret@db.internal:5432/auth_demo?sslmode=disable",
        ] {
            assert_eq!(config(&[("DATABASE_URL", url)]).unwrap().database_url, url);
        }
        for bad in [
            "mysql://demo@127.0.0.1/auth_demo",
            "auth-demo.db",
            "postgres:auth_demo",
            "POSTGRES://demo@127.0.0.1/auth_demo",
        ] {
            let err = config(&[("DATABASE_URL", bad)]).err().unwrap().to_string();
            assert!(
                err.starts_with("DATABASE_URL must be a SQLite or PostgreSQL URL"),
                "{bad}: {err}"
            );
        }
        // A password in the URL is not echoed.
        let err = config(&[("DATABASE_URL", "mysql://demo:hunter2@127.0.0.1/x")])
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn cookies_are_off_unless_turned_on() {
        assert!(!config(&[]).unwrap().cookies);
        for (text, on) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            assert_eq!(
                config(&[("AUTH_COOKIES", text)]).unwrap().cookies,
                on,
                "{text}"
            );
        }
        // Empty is unset, like every variable.
        assert!(!config(&[("AUTH_COOKIES", "")]).unwrap().cookies);
    }

    #[test]
    fn a_cookie_flag_that_is_not_a_boolean_is_refused() {
        for bad in ["yes", "on", "TRUE", "ture", "2", " true"] {
            let err = config(&[("AUTH_COOKIES", bad)]).err().unwrap().to_string();
            assert_eq!(
                err, "AUTH_COOKIES must be `true` or `false` (or `1` or `0`)",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_signing_algorithm_defaults_to_hs256_and_takes_four_names() {
        let config_of = |name: &str| config(&[("AUTH_SIGNING_ALG", name)]).unwrap();
        assert_eq!(config(&[]).unwrap().signing_alg, Algorithm::HS256);
        for (name, alg) in [
            ("HS256", Algorithm::HS256),
            ("EdDSA", Algorithm::EdDSA),
            ("eddsa", Algorithm::EdDSA),
            ("ES256", Algorithm::ES256),
            ("rs256", Algorithm::RS256),
        ] {
            let config = config_of(name);
            assert_eq!(config.signing_alg, alg, "{name}");
            assert!(config.signing_key_file.is_none());
        }
        let with_file = config(&[
            ("AUTH_SIGNING_ALG", "ES256"),
            ("AUTH_SIGNING_KEY_FILE", "/etc/demo/es256.pem"),
        ])
        .unwrap();
        assert_eq!(
            with_file.signing_key_file.as_deref(),
            Some(std::path::Path::new("/etc/demo/es256.pem"))
        );
    }

    #[test]
    fn an_algorithm_the_demo_does_not_offer_is_refused() {
        // `none`, HMAC and RSA variants the crate has but the demo does not offer, typos.
        for bad in ["none", "HS512", "ES384", "PS256", "Ed25519", "RS-256"] {
            let err = config(&[("AUTH_SIGNING_ALG", bad)])
                .err()
                .unwrap()
                .to_string();
            assert_eq!(
                err, "AUTH_SIGNING_ALG must be one of HS256, EdDSA, ES256, RS256",
                "{bad}"
            );
        }
    }

    #[test]
    fn each_algorithm_takes_its_key_from_one_variable() {
        let secret = "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=";
        let err = config(&[("AUTH_SIGNING_ALG", "EdDSA"), ("AUTH_JWT_SECRET", secret)])
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.starts_with(
                "AUTH_JWT_SECRET is the HS256 secret, unused with AUTH_SIGNING_ALG=EdDSA"
            ) && !err.contains(secret),
            "{err}"
        );
        for env in [
            &[("AUTH_SIGNING_KEY_FILE", "key.pem")][..],
            &[
                ("AUTH_SIGNING_ALG", "HS256"),
                ("AUTH_SIGNING_KEY_FILE", "key.pem"),
            ],
        ] {
            let err = config(env).err().unwrap().to_string();
            assert!(
                err.starts_with("AUTH_SIGNING_KEY_FILE holds the private key"),
                "{err}"
            );
        }
    }
}
