//! G: algorithm and signature (TV-01, TV-02, TV-03). The algorithm comes from the key the
//! `kid` selects, never from the header; signatures are checked over the bytes received.

use auth::keys::{Algorithm, SigningKey};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::json;

use super::{attempt, mixed_keys, refused};
use crate::common::*;

fn mixed() -> auth::Authenticator {
    authenticator_with(mixed_keys())
}

/// Every form in which an attacker finds a public key: the PEM as served, without its final
/// newline, the DER inside it, and the JWKS document of the service.
fn public_key_encodings(auth: &auth::Authenticator) -> Vec<Vec<u8>> {
    let mut secrets = Vec::new();
    for file in ["rsa2048.pub.pem", "p256.pub.pem", "ed25519.pub.pem"] {
        let pem = key(file);
        let text = String::from_utf8(pem.clone()).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        secrets.push(pem.clone());
        secrets.push(text.trim_end().as_bytes().to_vec());
        secrets.push(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap(),
        );
    }
    secrets.push(serde_json::to_vec(&auth.jwks()).unwrap());
    for jwk in &auth.jwks().keys {
        secrets.push(serde_json::to_vec(jwk).unwrap());
    }
    secrets
}

/// G06, CVE-2015-9235 / CVE-2022-29217 / CVE-2024-33663: the RS256 (or ES256, EdDSA) public
/// key used as an HS256 secret, under every `kid` of the set and none.
#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let auth = mixed();
    for secret in public_key_encodings(&auth) {
        for kid in [Some("rsa"), Some("es"), Some("ed"), Some(KID), None] {
            let mut header = json!({"alg": "HS256", "typ": "at+jwt"});
            if let Some(kid) = kid {
                header["kid"] = json!(kid);
            }
            let token = forge_hs256_raw(&header.to_string(), &good_payload().to_string(), &secret);
            let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
            refused(&reply, runs, INVALID);
        }
    }
}

/// G01 G02: `none` in any spelling, under every `kid`, with no signature or an HMAC one.
#[tokio::test]
async fn alg_none_is_refused_under_every_kid_with_any_signature() {
    let auth = mixed();
    for alg in ["none", "None", "NONE", "nOnE"] {
        for kid in ["rsa", "es", "ed", KID] {
            let header = json!({"alg": alg, "typ": "at+jwt", "kid": kid});
            let signed = forge(&header, &good_payload());
            let unsigned = &signed[..=signed.rfind('.').unwrap()];
            for token in [signed.as_str(), unsigned] {
                let (reply, runs) = attempt(&auth, get_bearer("/admin", token)).await;
                refused(&reply, runs, INVALID);
            }
        }
    }
}

/// G05 G07: a genuine signature by the right key, but with another algorithm of its family
/// named in the header (RS512, PS256 for an RS256 key; HS384 for an HS256 secret). Each key
/// verifies with exactly one algorithm.
#[tokio::test]
async fn a_genuine_signature_under_another_algorithm_of_the_family_is_refused() {
    use jsonwebtoken::Algorithm as Jwt;
    let auth = mixed();
    let rsa = key("rsa2048.pem");
    for alg in [Jwt::RS384, Jwt::RS512, Jwt::PS256, Jwt::PS512] {
        let header = json!({"alg": format!("{alg:?}"), "typ": "at+jwt", "kid": "rsa"});
        let token = forge_asymmetric(&header, &good_payload(), alg, &rsa);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    // The control: RS256, as the key is pinned, verifies.
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa"});
    let token = forge_asymmetric(&header, &good_payload(), Jwt::RS256, &rsa);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    assert_eq!((reply.status.as_u16(), runs), (200, 1), "{}", reply.text());

    for (alg, sign) in [
        ("HS384", hmac_sha384 as fn(&[u8]) -> Vec<u8>),
        ("HS512", hmac_sha512),
    ] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": KID});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(good_payload().to_string().as_bytes())
        );
        let token = format!("{input}.{}", b64(&sign(input.as_bytes())));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

fn hmac_sha384(input: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha384>::new_from_slice(SECRET).unwrap();
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha512(input: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(SECRET).unwrap();
    mac.update(input);
    mac.finalize().into_bytes().to_vec()
}

/// G07 G10: an ES256 token whose header names another key (`kid` of the RSA key, of the HMAC
/// key), or the right `kid` with a signature by another P-256 key.
#[tokio::test]
async fn a_signature_by_one_key_under_another_keys_kid_is_refused() {
    use jsonwebtoken::Algorithm as Jwt;
    let auth = mixed();
    for kid in ["rsa", KID, "ed"] {
        let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": kid});
        let token = forge_asymmetric(&header, &good_payload(), Jwt::ES256, &key("p256.pem"));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "es"});
    let token = forge_asymmetric(&header, &good_payload(), Jwt::ES256, &key("p256-b.pem"));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    refused(&reply, runs, INVALID);
    let header = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": "ed"});
    let token = forge_asymmetric(&header, &good_payload(), Jwt::EdDSA, &key("ed25519-b.pem"));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    refused(&reply, runs, INVALID);
}

/// G11, CVE-2022-21449 ("psychic signatures"): r = s = 0, raw and DER-encoded, and r = s = n.
#[tokio::test]
async fn ecdsa_signature_with_r_and_s_zero_is_refused() {
    let auth = mixed();
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "es"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(good_payload().to_string().as_bytes())
    );
    let order = super::revocation::P256_ORDER;
    let mut r_s_n = order.to_vec();
    r_s_n.extend_from_slice(&order);
    for signature in [
        vec![0u8; 64],
        vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00],
        r_s_n,
        vec![0u8; 1],
    ] {
        let token = format!("{input}.{}", b64(&signature));
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// G: the signature of one valid token glued onto another's header and payload (an admin's
/// payload with a viewer's signature).
#[tokio::test]
async fn a_signature_swapped_from_another_valid_token_is_refused() {
    let auth = authenticator();
    let viewer = issue(&auth, &user("bob", &[Role::Viewer]));
    let admin_payload = with(good_payload(), "sub", json!("bob"));
    let admin = forge_hs256_raw(
        &good_header().to_string(),
        &admin_payload.to_string(),
        b"not-the-server-secret-0123456789abcdefgh",
    );
    let viewer_signature = &viewer[viewer.rfind('.').unwrap()..];
    let swapped = format!("{}{viewer_signature}", &admin[..admin.rfind('.').unwrap()]);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &swapped)).await;
    refused(&reply, runs, INVALID);
}

/// G03 G04 (TV-02): the service does not start with an empty, short, repetitive or published
/// HMAC secret, nor with a 1024-bit RSA key.
#[test]
fn weak_keys_cannot_be_configured() {
    for secret in [
        &b""[..],
        b"secret",
        &SECRET[..31],
        &[0u8; 64],
        &b"ab".repeat(32),
        b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    ] {
        assert!(SigningKey::hs256(secret).is_err(), "{secret:?}");
        assert!(
            auth::keys::VerifyingKey::hmac(Algorithm::HS256, secret).is_err(),
            "{secret:?}"
        );
    }
    assert!(SigningKey::hs512(SECRET).is_err(), "HS512 needs 64 bytes");
    assert!(SigningKey::from_pem(Algorithm::RS256, key("rsa1024.pem")).is_err());
}
