//! Keys: every algorithm family signs and verifies its own tokens and no other family's, weak
//! keys are refused when they are built, and the JWKS document publishes public keys only.

mod common;

use auth::keys::{Algorithm, KeyError, KeySet, SigningKey, VerifyingKey};
use auth::token::TokenError;
use base64::Engine as _;
use common::*;

struct Family {
    alg: Algorithm,
    private: &'static str,
    public: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        alg: Algorithm::RS256,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::RS384,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::RS512,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::PS256,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::PS384,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::PS512,
        private: "rsa2048.pem",
        public: "rsa2048.pub.pem",
    },
    Family {
        alg: Algorithm::ES256,
        private: "p256.pem",
        public: "p256.pub.pem",
    },
    Family {
        alg: Algorithm::ES384,
        private: "p384.pem",
        public: "p384.pub.pem",
    },
    Family {
        alg: Algorithm::EdDSA,
        private: "ed25519.pem",
        public: "ed25519.pub.pem",
    },
];

fn hmac_keys() -> Vec<SigningKey> {
    vec![
        SigningKey::hs256(&SECRET[..32]).unwrap(),
        SigningKey::hs384(b"2qqzaiRHTn_o7vrTD1B9dSGDx3-EWUPW4LZUvbH5kYMPapDA").unwrap(),
        SigningKey::hs512(b"g0ar2B_AOX52z_EZOUJU5QhmMPhEEJKDaViqnd9NUDLv4YhHzFRxTjgY68HRADYL")
            .unwrap(),
    ]
}

fn all_signing_keys() -> Vec<SigningKey> {
    let mut keys = hmac_keys();
    for family in FAMILIES {
        keys.push(SigningKey::from_pem(family.alg, key(family.private)).unwrap());
    }
    keys
}

#[test]
fn every_algorithm_round_trips() {
    for signing in all_signing_keys() {
        let alg = signing.algorithm();
        let auth = authenticator_with(KeySet::new(signing));
        let token = issue(&auth, &user("alice", &[Role::Editor]));
        let verified = auth
            .verify_without_revocation(&token)
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(verified.subject(), "alice", "{alg}");
        assert_eq!(
            verified.roles::<Role>().iter().collect::<Vec<_>>(),
            [Role::Editor]
        );
    }
}

#[test]
fn public_key_pem_verifies_tokens_of_its_private_key() {
    for family in FAMILIES {
        let signer = authenticator_with(KeySet::new(
            SigningKey::from_pem(family.alg, key(family.private)).unwrap(),
        ));
        let token = issue(&signer, &user("alice", &[]));
        let verifying = VerifyingKey::from_pem(family.alg, key(family.public)).unwrap();
        // The default kid is the RFC 7638 thumbprint on both sides.
        assert_eq!(
            verifying.kid(),
            signer.keys().signing_key().unwrap().kid(),
            "{}",
            family.alg
        );
        let verifier = authenticator_with(KeySet::verify_only([verifying]).unwrap());
        assert!(
            verifier.verify_without_revocation(&token).is_ok(),
            "{}",
            family.alg
        );
    }
}

#[test]
fn a_token_of_one_key_never_verifies_under_another() {
    // Same kid everywhere, so only the key and its algorithm differ.
    let keys: Vec<SigningKey> = all_signing_keys()
        .into_iter()
        .map(|k| k.with_kid("same").unwrap())
        .collect();
    let tokens: Vec<(Algorithm, String)> = keys
        .iter()
        .map(|k| {
            (
                k.algorithm(),
                issue(&authenticator_with(KeySet::new(k.clone())), &user("a", &[])),
            )
        })
        .collect();
    for (i, verifier_key) in keys.iter().enumerate() {
        let verifier = authenticator_with(KeySet::new(verifier_key.clone()));
        for (j, (alg, token)) in tokens.iter().enumerate() {
            let result = verifier.verify_without_revocation(token);
            let same_key = i == j
                // RS*/PS* share one RSA key in these fixtures, but each verifier is pinned to one
                // algorithm, so only the identical algorithm verifies.
                || (verifier_key.algorithm() == *alg);
            if same_key {
                assert!(result.is_ok(), "{alg} under {}", verifier_key.algorithm());
            } else {
                let err = result.expect_err("must not verify");
                assert!(
                    matches!(
                        err,
                        TokenError::AlgorithmMismatch | TokenError::BadSignature
                    ),
                    "{alg} under {}: {err:?}",
                    verifier_key.algorithm()
                );
            }
        }
    }
}

#[test]
fn a_second_key_of_the_same_family_does_not_verify() {
    for (alg, a, b) in [
        (Algorithm::RS256, "rsa2048.pem", "rsa2048-b.pem"),
        (Algorithm::ES256, "p256.pem", "p256-b.pem"),
        (Algorithm::EdDSA, "ed25519.pem", "ed25519-b.pem"),
    ] {
        let signer = authenticator_with(KeySet::new(
            SigningKey::from_pem(alg, key(a))
                .unwrap()
                .with_kid("k")
                .unwrap(),
        ));
        let verifier = authenticator_with(KeySet::new(
            SigningKey::from_pem(alg, key(b))
                .unwrap()
                .with_kid("k")
                .unwrap(),
        ));
        let token = issue(&signer, &user("a", &[]));
        assert_eq!(
            verifier.verify_without_revocation(&token).err(),
            Some(TokenError::BadSignature),
            "{alg}"
        );
    }
}

#[test]
fn pkcs1_rsa_private_keys_are_accepted() {
    let key = SigningKey::from_pem(Algorithm::RS256, key("rsa2048.pkcs1.pem")).unwrap();
    let auth = authenticator_with(KeySet::new(key));
    assert!(
        auth.verify_without_revocation(&issue(&auth, &user("a", &[])))
            .is_ok()
    );
}

#[test]
fn weak_and_mismatched_keys_are_refused_at_build_time() {
    assert!(matches!(
        SigningKey::from_pem(Algorithm::RS256, key("rsa1024.pem")),
        Err(KeyError::RsaKeyTooSmall { bits: 1024 })
    ));
    assert!(matches!(
        VerifyingKey::from_pem(Algorithm::RS256, key("rsa1024.pub.pem")),
        Err(KeyError::RsaKeyTooSmall { bits: 1024 })
    ));
    // Curve and family must fit the algorithm.
    assert!(SigningKey::from_pem(Algorithm::ES384, key("p256.pem")).is_err());
    assert!(SigningKey::from_pem(Algorithm::ES256, key("p384.pem")).is_err());
    assert!(VerifyingKey::from_pem(Algorithm::ES384, key("p256.pub.pem")).is_err());
    assert!(SigningKey::from_pem(Algorithm::EdDSA, key("p256.pem")).is_err());
    assert!(SigningKey::from_pem(Algorithm::RS256, key("ed25519.pem")).is_err());
    assert!(SigningKey::from_pem(Algorithm::HS256, key("rsa2048.pem")).is_err());
    assert!(SigningKey::from_pem(Algorithm::RS256, b"not a pem").is_err());
    assert!(SigningKey::hmac(Algorithm::RS256, SECRET).is_err());
    // HMAC secrets shorter than the hash output.
    assert!(matches!(
        SigningKey::hs256(b"short"),
        Err(KeyError::WeakSecret { min_len: 32, .. })
    ));
    assert!(matches!(
        SigningKey::hs384(&SECRET[..40]),
        Err(KeyError::WeakSecret { min_len: 48, .. })
    ));
    assert!(SigningKey::hs256(b"").is_err());
    // The error text explains the fix and contains no key material.
    let message = SigningKey::hs256(b"hunter2hunter2")
        .unwrap_err()
        .to_string();
    assert!(message.contains("at least 32"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

/// TV-02: a secret of the right length that is typed rather than random (few distinct
/// characters, sequences, a repeated phrase) is refused, with a message that says how to make
/// one; the same bytes given in base64 or hex are refused alike, and random bytes in either
/// encoding are accepted.
#[test]
fn typed_secrets_are_refused_and_encoded_random_ones_accepted() {
    for typed in [
        &b"p4ssw0rdP4SSW0RDp4ssw0rdP4SSW0RD"[..],
        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
        b"my-jwt-secret-my-jwt-secret-my-jwt-secret",
    ] {
        for result in [
            SigningKey::hs256(typed),
            SigningKey::hs256_from_base64(&base64::engine::general_purpose::STANDARD.encode(typed)),
            SigningKey::hmac_from_hex(Algorithm::HS256, &hex(typed)),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err, KeyError::PublishedOrRepetitiveSecret);
            let message = err.to_string();
            assert!(message.contains("openssl rand -base64 32"), "{message}");
        }
    }
    let base64 = "J7DimMUv0IlgR7x/cggp4XABC7dsuvfcg6zSAMhn9iI=";
    let from_base64 = SigningKey::hs256_from_base64(base64).unwrap();
    let from_url_safe = SigningKey::hs256_from_base64(&base64.replace('/', "_")).unwrap();
    let bytes = auth::keys::decode_secret(base64).unwrap();
    let from_hex = SigningKey::hmac_from_hex(Algorithm::HS256, &hex(&bytes)).unwrap();
    // One secret, one key: the same derived key id.
    assert_eq!(from_base64.kid(), from_url_safe.kid());
    assert_eq!(from_base64.kid(), from_hex.kid());
    assert_eq!(from_base64.kid(), SigningKey::hs256(&bytes).unwrap().kid());
    for bad in ["not base64!", "", "J7Dim"] {
        assert!(SigningKey::hs256_from_base64(bad).is_err(), "{bad}");
    }
    assert_eq!(
        SigningKey::hmac_from_hex(Algorithm::HS256, "0g").unwrap_err(),
        KeyError::SecretEncoding
    );
    // 24 random bytes are too short for HS256, whatever the encoding.
    assert!(matches!(
        SigningKey::hs256_from_base64("J7DimMUv0IlgR7x/cggp4XABC7dsuvfc"),
        Err(KeyError::WeakSecret { min_len: 32, .. })
    ));
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[test]
fn key_ids_are_validated_and_unique_within_a_set() {
    assert_eq!(
        hs256_key().with_kid("a/b").err(),
        Some(KeyError::InvalidKid)
    );
    let a = hs256_key();
    let b = SigningKey::hs256(b"9tOEE_mIdT_Navwra3XILYV658XdK1BleHd6DgGd")
        .unwrap()
        .with_kid(KID)
        .unwrap();
    assert_eq!(
        KeySet::new(a)
            .with_verifying_key(b.verifying_key().clone())
            .err(),
        Some(KeyError::DuplicateKid(KID.into()))
    );
}

#[test]
fn jwks_publishes_public_keys_with_kid_alg_and_use_and_never_hmac_secrets() {
    let es = SigningKey::from_pem(Algorithm::ES256, key("p256.pem"))
        .unwrap()
        .with_kid("es-1")
        .unwrap();
    let ed = VerifyingKey::from_pem(Algorithm::EdDSA, key("ed25519.pub.pem"))
        .unwrap()
        .with_kid("ed-1")
        .unwrap();
    let rsa = VerifyingKey::from_pem(Algorithm::RS256, key("rsa2048.pub.pem")).unwrap();
    let hmac = hs256_key();
    let keys = KeySet::new(es)
        .with_verifying_key(ed)
        .unwrap()
        .with_verifying_key(rsa.clone())
        .unwrap()
        .with_verifying_key(hmac.verifying_key().clone())
        .unwrap();
    let jwks = serde_json::to_value(keys.jwks()).unwrap();
    let listed: Vec<(&str, &str, &str, &str)> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["kid"].as_str().unwrap(),
                k["alg"].as_str().unwrap(),
                k["kty"].as_str().unwrap(),
                k["use"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("es-1", "ES256", "EC", "sig"),
            ("ed-1", "EdDSA", "OKP", "sig"),
            (rsa.kid(), "RS256", "RSA", "sig")
        ]
    );
    let text = jwks.to_string();
    assert!(
        !text.contains("\"d\""),
        "a private component leaked: {text}"
    );
    assert!(!text.contains("oct"), "an HMAC key leaked: {text}");

    // A JWK from the document rebuilds a key that verifies the issuer's tokens.
    let signer = authenticator_with(KeySet::new(
        SigningKey::from_pem(Algorithm::ES256, key("p256.pem"))
            .unwrap()
            .with_kid("es-1")
            .unwrap(),
    ));
    let token = issue(&signer, &user("a", &[]));
    let jwk = keys.jwks().find("es-1").unwrap().clone();
    let rebuilt = VerifyingKey::from_jwk(&jwk).unwrap();
    assert_eq!(rebuilt.kid(), "es-1");
    assert!(
        authenticator_with(KeySet::verify_only([rebuilt]).unwrap())
            .verify_without_revocation(&token)
            .is_ok()
    );
}

#[test]
fn a_jwk_without_alg_or_with_a_secret_is_refused() {
    let mut jwk = VerifyingKey::from_pem(Algorithm::ES256, key("p256.pub.pem"))
        .unwrap()
        .jwk()
        .unwrap()
        .clone();
    assert!(VerifyingKey::from_jwk_with_algorithm(&jwk, Algorithm::ES384).is_err());
    jwk.common.key_algorithm = None;
    assert_eq!(
        VerifyingKey::from_jwk(&jwk).err(),
        Some(KeyError::UnknownAlgorithm)
    );
    assert!(VerifyingKey::from_jwk_with_algorithm(&jwk, Algorithm::ES256).is_ok());
    let secret: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::json!({
        "kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "alg": "HS256", "kid": "s"
    }))
    .unwrap();
    assert!(VerifyingKey::from_jwk(&secret).is_err());
}

#[test]
fn issuing_needs_a_signing_key() {
    let verifying = VerifyingKey::from_pem(Algorithm::EdDSA, key("ed25519.pub.pem")).unwrap();
    let auth = authenticator_with(KeySet::verify_only([verifying]).unwrap());
    assert!(auth.issue(&user("a", &[])).is_err());
}

#[test]
fn a_token_without_kid_verifies_only_against_a_single_key_set() {
    use serde_json::json;
    let header = json!({"alg": "HS256", "typ": "at+jwt"});
    let token = forge(&header, &good_payload());
    assert!(authenticator().verify_without_revocation(&token).is_ok());
    let two = KeySet::new(hs256_key())
        .with_verifying_key(
            SigningKey::hs256(b"9tOEE_mIdT_Navwra3XILYV658XdK1BleHd6DgGd")
                .unwrap()
                .verifying_key()
                .clone(),
        )
        .unwrap();
    assert_eq!(
        authenticator_with(two)
            .verify_without_revocation(&token)
            .err(),
        Some(TokenError::UnknownKey)
    );
}
