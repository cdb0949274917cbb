//! Reading a private key PEM for the configured algorithm. When it does not fit, the error
//! says what the file holds instead, and never quotes any of it.

use auth::keys::{Algorithm, KeyError, SigningKey};

/// What the algorithm's key is called in messages.
fn describe(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::EdDSA => "an Ed25519 (EdDSA)",
        Algorithm::ES256 => "a P-256 (ES256)",
        Algorithm::ES384 => "a P-384 (ES384)",
        _ => "an RSA",
    }
}

/// The key in `pem` for `alg`. `origin` names where it came from (`AUTH_SIGNING_KEY_FILE
/// /etc/key.pem`) and starts every message.
pub(super) fn parse(alg: Algorithm, pem: &str, origin: &str) -> Result<SigningKey, String> {
    let convert = "convert it with `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem`";
    match label(pem) {
        Some("PRIVATE KEY") => {}
        // PKCS#1, the older RSA form, which `auth` reads too.
        Some("RSA PRIVATE KEY") if alg == Algorithm::RS256 => {}
        Some("RSA PRIVATE KEY") => {
            return Err(format!(
                "{origin} holds an RSA key, but AUTH_SIGNING_ALG is {alg}"
            ));
        }
        Some("EC PRIVATE KEY") => {
            return Err(format!(
                "{origin} holds an EC key in SEC1 form; it must be PKCS#8 \
                 (`BEGIN PRIVATE KEY`): {convert}"
            ));
        }
        Some("ENCRYPTED PRIVATE KEY") => {
            return Err(format!(
                "{origin} is encrypted; the server reads an unencrypted PKCS#8 key: {convert}"
            ));
        }
        Some("PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE") => {
            return Err(format!(
                "{origin} holds a public key or a certificate; it must hold the private key \
                 (PKCS#8 PEM, `BEGIN PRIVATE KEY`)"
            ));
        }
        _ => {
            return Err(format!(
                "{origin} is not a private key in PEM; it must hold a PKCS#8 key \
                 (`BEGIN PRIVATE KEY`)"
            ));
        }
    }
    match SigningKey::from_pem(alg, pem) {
        Ok(key) => Ok(key),
        Err(KeyError::InvalidKey { .. }) => Err(match held_algorithm(pem) {
            Some(held) => format!(
                "{origin} holds {} key, but AUTH_SIGNING_ALG is {alg}",
                describe(held)
            ),
            None => format!("{origin} is not a valid {alg} private key"),
        }),
        // Too small an RSA key, and the like: the key error names the rule.
        Err(err) => Err(format!("{origin}: {err}")),
    }
}

/// The label of the first PEM block (`PRIVATE KEY` in `-----BEGIN PRIVATE KEY-----`).
fn label(pem: &str) -> Option<&str> {
    pem.lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
}

/// Which key a PKCS#8 PEM holds, if it is one `auth` reads.
fn held_algorithm(pem: &str) -> Option<Algorithm> {
    [
        Algorithm::EdDSA,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::RS256,
    ]
    .into_iter()
    .find(|alg| SigningKey::from_pem(*alg, pem).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = include_str!("../../../tests/fixtures/keys/ed25519.pem");
    const P256: &str = include_str!("../../../tests/fixtures/keys/p256.pem");
    const P384: &str = include_str!("../../../tests/fixtures/keys/p384.pem");
    const RSA2048: &str = include_str!("../../../tests/fixtures/keys/rsa2048.pem");
    const RSA2048_PKCS1: &str = include_str!("../../../tests/fixtures/keys/rsa2048.pkcs1.pem");
    const RSA1024: &str = include_str!("../../../tests/fixtures/keys/rsa1024.pem");
    const P256_PUBLIC: &str = include_str!("../../../tests/fixtures/keys/p256.pub.pem");

    fn refused(alg: Algorithm, pem: &str) -> String {
        let err = parse(alg, pem, "AUTH_SIGNING_KEY_FILE key.pem").unwrap_err();
        // No line of the key (the base64 body included) is ever quoted.
        for line in pem.lines().filter(|line| line.len() > 8) {
            assert!(!err.contains(line), "{err}");
        }
        err
    }

    #[test]
    fn a_key_of_the_configured_algorithm_is_read() {
        for (alg, pem) in [
            (Algorithm::EdDSA, ED25519),
            (Algorithm::ES256, P256),
            (Algorithm::RS256, RSA2048),
            (Algorithm::RS256, RSA2048_PKCS1),
        ] {
            assert_eq!(parse(alg, pem, "key").unwrap().algorithm(), alg);
        }
    }

    #[test]
    fn a_key_of_another_algorithm_is_named() {
        assert_eq!(
            refused(Algorithm::ES256, ED25519),
            "AUTH_SIGNING_KEY_FILE key.pem holds an Ed25519 (EdDSA) key, but AUTH_SIGNING_ALG \
             is ES256"
        );
        assert_eq!(
            refused(Algorithm::ES256, P384),
            "AUTH_SIGNING_KEY_FILE key.pem holds a P-384 (ES384) key, but AUTH_SIGNING_ALG is \
             ES256"
        );
        assert_eq!(
            refused(Algorithm::EdDSA, RSA2048),
            "AUTH_SIGNING_KEY_FILE key.pem holds an RSA key, but AUTH_SIGNING_ALG is EdDSA"
        );
        assert_eq!(
            refused(Algorithm::ES256, RSA2048_PKCS1),
            "AUTH_SIGNING_KEY_FILE key.pem holds an RSA key, but AUTH_SIGNING_ALG is ES256"
        );
        assert_eq!(
            refused(Algorithm::RS256, P256),
            "AUTH_SIGNING_KEY_FILE key.pem holds a P-256 (ES256) key, but AUTH_SIGNING_ALG is \
             RS256"
        );
    }

    #[test]
    fn what_is_not_a_usable_private_key_is_refused_with_the_reason() {
        let err = refused(Algorithm::ES256, P256_PUBLIC);
        assert!(err.contains("holds a public key or a certificate"), "{err}");
        let err = refused(Algorithm::ES256, "not a key at all\n");
        assert!(err.contains("is not a private key in PEM"), "{err}");
        let err = refused(Algorithm::RS256, RSA1024);
        assert!(err.contains("the RSA key has 1024 bits"), "{err}");
        let sec1 = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n";
        assert!(refused(Algorithm::ES256, sec1).contains("SEC1"));
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(refused(Algorithm::EdDSA, encrypted).contains("is encrypted"));
        // A PKCS#8 block whose body is damaged.
        let damaged = P256.replacen('M', "A", 2);
        let err = refused(Algorithm::ES256, &damaged);
        assert_eq!(
            err,
            "AUTH_SIGNING_KEY_FILE key.pem is not a valid ES256 private key"
        );
    }
}
