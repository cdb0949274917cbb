//! X: logout and revocation (RV-01 … RV-04). The denylist is keyed by `jti`, so every
//! encoding of a token dies with it; logout answers the same whatever it is given.

use auth::Authenticator;
use auth::keys::{Algorithm, KeySet};
use auth::store::MemoryStore;
use axum::http::{StatusCode, header};
use base64::Engine as _;
use serde_json::json;

use super::{attempt, public_key, refused};
use crate::common::*;
use crate::support_endpoints::{Setup, assert_token_response, form};

/// The order n of the P-256 group, big-endian.
pub(crate) const P256_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// `n − s` for 32-byte big-endian numbers, `s < n`.
fn order_minus(s: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(P256_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = u8::try_from(digit).unwrap();
    }
    assert_eq!(borrow, 0);
    out
}

/// `(r, s)` → `(r, n − s)`: the other valid ECDSA signature of the same message.
fn malleate(token: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cut = token.rfind('.').unwrap();
    let signature = engine.decode(&token[cut + 1..]).unwrap();
    assert_eq!(signature.len(), 64);
    let mut other = signature[..32].to_vec();
    other.extend_from_slice(&order_minus(&signature[32..]));
    format!("{}.{}", &token[..cut], engine.encode(other))
}

/// X05 X06 (RV-02, security manual, J11): `(r, n − s)` is a second valid encoding of an ES256
/// token. It verifies (ECDSA is malleable; the library documents it), and revoking the `jti`
/// kills both encodings, whether or not they were in the verified-token cache.
#[tokio::test]
async fn ecdsa_malleated_signature_verifies_and_revocation_by_jti_still_kills_it() {
    for cache in [0, 100] {
        let store = MemoryStore::new();
        let auth = Authenticator::builder()
            .keys(
                KeySet::verify_only([public_key(Algorithm::ES256, "p256.pub.pem", "es")]).unwrap(),
            )
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .revocation(store)
            .token_cache(cache)
            .build()
            .unwrap();
        let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "es"});
        let payload = good_payload();
        let token = forge_asymmetric(
            &header,
            &payload,
            jsonwebtoken::Algorithm::ES256,
            &key("p256.pem"),
        );
        let twin = malleate(&token);
        assert_ne!(twin, token);
        let (app, runs) = app(auth.clone());
        for t in [&token, &twin] {
            let reply = send(&app, get_bearer("/admin", t)).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "cache {cache}: {}",
                reply.text()
            );
        }
        assert_eq!(runs.count(), 2);

        // Logout-style revocation of the original, by its `jti`.
        let verified = auth.verify_without_revocation(&token).unwrap();
        assert_eq!(
            auth.verify_without_revocation(&twin).unwrap().jwt_id(),
            verified.jwt_id()
        );
        auth.revoke(&verified).await.unwrap();
        for t in [&token, &twin] {
            let reply = send(&app, get_bearer("/admin", t)).await;
            reply.assert_invalid_token("The access token was revoked");
        }
        assert_eq!(runs.count(), 2, "a revoked token ran the handler");
    }
}

/// X07 (RV-03, RFC 7009 §2.2): logout is no token-validity oracle: a live, spent, unknown,
/// malformed or foreign refresh token gets byte for byte the same answer.
#[tokio::test]
async fn logout_answers_the_same_whatever_token_it_is_given() {
    let h = Setup::default().build().await;
    let live = h.pair("alice").await;
    let spent = h.pair("bob").await;
    let _ = h.refresh(&spent.refresh).await;
    let replies = [
        h.send(form("/logout", &format!("refresh_token={}", live.refresh)))
            .await,
        h.send(form("/logout", &format!("refresh_token={}", spent.refresh)))
            .await,
        h.send(form(
            "/logout",
            &format!("refresh_token={}", "Q".repeat(43)),
        ))
        .await,
        h.send(form("/logout", "refresh_token=not-a-token")).await,
        h.send(form("/logout", &format!("refresh_token={}", live.access)))
            .await,
    ];
    let strip = |reply: &Reply| {
        let mut headers = reply.headers.clone();
        headers.remove(header::DATE);
        (reply.status, headers, reply.body.clone())
    };
    assert_eq!(replies[0].status, StatusCode::NO_CONTENT);
    assert_eq!(replies[0].headers[header::CACHE_CONTROL], "no-store");
    for reply in &replies[1..] {
        assert_eq!(strip(reply), strip(&replies[0]));
    }
}

/// X04: logout denylists only access tokens that verify. A forged token carrying a victim's
/// `jti` (a valid shape, a bad signature) revokes nothing.
#[tokio::test]
async fn a_forged_access_token_cannot_revoke_someone_elses_jti() {
    let h = Setup::default().build().await;
    let victim = h.pair("alice").await;
    let victim_jti = h
        .auth
        .verify_without_revocation(&victim.access)
        .unwrap()
        .jwt_id()
        .to_owned();
    let forged = forge_hs256_raw(
        &good_header().to_string(),
        &with(good_payload(), "jti", json!(victim_jti)).to_string(),
        b"attacker-secret-attacker-secret-0123456789",
    );
    let mut request = form("/logout", &format!("refresh_token={}", "Q".repeat(43)));
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {forged}").parse().unwrap(),
    );
    assert_eq!(h.send(request).await.status, StatusCode::NO_CONTENT);
    assert_eq!(h.protected(&victim.access).await.status, StatusCode::OK);
    assert_token_response(&h.refresh(&victim.refresh).await);
}

/// X02 (RV-01): after logout the access token is refused at once (denylisted by `jti`),
/// though its signature and `exp` are still good; a token of another session is not.
#[tokio::test]
async fn logout_kills_its_access_token_at_once_and_no_other_session() {
    let h = Setup::default().build().await;
    let other = h.pair("alice").await;
    let pair = h.pair("alice").await;
    assert_eq!(h.protected(&pair.access).await.status, StatusCode::OK); // now cached
    assert_eq!(h.logout(&pair).await.status, StatusCode::NO_CONTENT);
    assert!(
        h.auth.verify_without_revocation(&pair.access).is_ok(),
        "signature and exp still good"
    );
    let reply = h.protected(&pair.access).await;
    reply.assert_invalid_token("The access token was revoked");
    assert_eq!(h.protected(&other.access).await.status, StatusCode::OK);
    let (reply, runs) = attempt(&h.auth, get_bearer("/admin", &pair.access)).await;
    refused(&reply, runs, "The access token was revoked");
}
