//! Access-token verification, side by side with `jsonwebtoken::decode` of the same token and
//! with the floors of what any HS256 verify must do, so every number reads as a ratio.
//!
//! `cargo bench -p auth --bench verify`
#![allow(missing_docs, clippy::unwrap_used)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth::keys::{Algorithm, KeySet, SigningKey};
use auth::{Authenticator, RoleEnum, Roles, TokenClaims};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

const SECRET: &[u8] = b"1fo5H5AZmBw39Wzgw3I16e7v4fQkrVeOH8t9wcNQeb";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    Editor,
}

impl RoleEnum for Role {
    const NAMES: &'static [&'static str] = &["admin", "editor"];
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        [Self::Admin, Self::Editor].get(index).copied()
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    roles: Roles<Role>,
    email: String,
}

impl TokenClaims for Claims {
    type Role = Role;
    fn subject(&self) -> &str {
        &self.sub
    }
    fn roles(&self) -> Roles<Role> {
        self.roles
    }
}

/// What `jsonwebtoken::decode` and the floors parse the payload into: the same members our
/// verifier reads, strictly typed (security manual, "Why this crate parses the JWS itself").
#[derive(Deserialize)]
#[allow(dead_code)]
struct FullClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
    roles: Vec<String>,
    email: String,
}

/// Runs a future that never waits (no revocation list) without a runtime.
fn complete<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("nothing to wait for"),
    }
}

fn authenticator(key: SigningKey) -> Authenticator {
    Authenticator::builder()
        .keys(KeySet::new(key))
        .issuer("https://auth.example.com")
        .audience("api")
        .build()
        .unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn token_for(auth: &Authenticator) -> String {
    let claims = Claims {
        sub: "alice".into(),
        roles: Roles::from([Role::Admin, Role::Editor]),
        email: "alice@example.com".into(),
    };
    auth.issue(&claims).unwrap().access_token
}

fn validation(alg: jsonwebtoken::Algorithm) -> jsonwebtoken::Validation {
    let mut v = jsonwebtoken::Validation::new(alg);
    v.leeway = 30;
    v.validate_nbf = true;
    v.set_issuer(&["https://auth.example.com"]);
    v.set_audience(&["api"]);
    v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    v
}

fn hs256(c: &mut Criterion) {
    let auth = authenticator(SigningKey::hs256(SECRET).unwrap());
    let token = token_for(&auth);
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET);
    let validation = validation(jsonwebtoken::Algorithm::HS256);
    let (signing_input, signature_b64) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).unwrap();
    let keyed = Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();

    let mut group = c.benchmark_group("verify_hs256");
    group.bench_function("floor: hmac only", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(signing_input).as_bytes());
            mac.verify_slice(&signature).unwrap();
        });
    });
    group.bench_function("floor: base64url + hmac + json", |b| {
        b.iter(|| {
            let token = black_box(token.as_str());
            let (input, sig) = token.rsplit_once('.').unwrap();
            let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
            let mut mac = keyed.clone();
            mac.update(input.as_bytes());
            mac.verify_slice(&sig).unwrap();
            let payload = URL_SAFE_NO_PAD
                .decode(input.split_once('.').unwrap().1)
                .unwrap();
            black_box(serde_json::from_slice::<FullClaims>(&payload).unwrap());
        });
    });
    group.bench_function("jsonwebtoken::decode", |b| {
        b.iter(|| {
            black_box(
                jsonwebtoken::decode::<FullClaims>(black_box(&token), &key, &validation).unwrap(),
            );
        });
    });
    group.bench_function("auth verify", |b| {
        b.iter(|| black_box(auth.verify_without_revocation(black_box(&token)).unwrap()));
    });
    group.bench_function("auth authenticate (cached)", |b| {
        b.iter(|| black_box(complete(auth.authenticate(black_box(&token))).unwrap()));
    });
    group.bench_function("auth verify + claims", |b| {
        b.iter(|| {
            let verified = auth.verify_without_revocation(black_box(&token)).unwrap();
            black_box(verified.claims::<Claims>().unwrap());
        });
    });
    group.finish();
}

fn asymmetric(c: &mut Criterion) {
    for (alg, private, jwt_alg) in [
        (
            Algorithm::EdDSA,
            "ed25519.pem",
            jsonwebtoken::Algorithm::EdDSA,
        ),
        (Algorithm::ES256, "p256.pem", jsonwebtoken::Algorithm::ES256),
        (
            Algorithm::RS256,
            "rsa2048.pem",
            jsonwebtoken::Algorithm::RS256,
        ),
    ] {
        let signing = SigningKey::from_pem(alg, fixture(private)).unwrap();
        let auth = authenticator(signing);
        let token = token_for(&auth);
        let jwk = auth.jwks().keys[0].clone();
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let validation = validation(jwt_alg);
        let mut group = c.benchmark_group(format!("verify_{alg}"));
        group.bench_function("jsonwebtoken::decode", |b| {
            b.iter(|| {
                black_box(
                    jsonwebtoken::decode::<FullClaims>(black_box(&token), &key, &validation)
                        .unwrap(),
                );
            });
        });
        group.bench_function("auth verify", |b| {
            b.iter(|| black_box(auth.verify_without_revocation(black_box(&token)).unwrap()));
        });
        group.bench_function("auth authenticate (cached)", |b| {
            b.iter(|| black_box(complete(auth.authenticate(black_box(&token))).unwrap()));
        });
        group.finish();
    }
}

criterion_group!(benches, hs256, asymmetric);
criterion_main!(benches);
