//! The extractor path on a request: the guard `#[requires_role]` inserts, `Auth<C>`, and a
//! hand-written `jsonwebtoken` extractor, all on the same HS256 token.
//!
//! `cargo bench -p auth --bench extract`
#![allow(missing_docs, clippy::unwrap_used)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use auth::claims::role_bit;
use auth::keys::SigningKey;
use auth::{Auth, Authenticator, RequireRole, RoleEnum, Roles, TokenClaims};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, header};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
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

#[derive(Deserialize)]
#[allow(dead_code)]
struct PeerClaims {
    sub: String,
    roles: Vec<String>,
    email: String,
}

fn complete<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("nothing to wait for"),
    }
}

fn parts(token: &str) -> Parts {
    Request::get("/")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap()
        .into_parts()
        .0
}

fn extract(c: &mut Criterion) {
    let auth = Authenticator::builder()
        .signing_key(SigningKey::hs256(SECRET).unwrap())
        .issuer("https://auth.example.com")
        .audience("api")
        .build()
        .unwrap();
    let token = auth
        .issue(&Claims {
            sub: "alice".into(),
            roles: Roles::from([Role::Admin]),
            email: "alice@example.com".into(),
        })
        .unwrap()
        .access_token;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["https://auth.example.com"]);
    validation.set_audience(&["api"]);
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET);

    let mut group = c.benchmark_group("extract_hs256");
    group.bench_function("RequireRole (cached token)", |b| {
        b.iter_batched_ref(
            || parts(&token),
            |parts| {
                black_box(
                    complete(
                        RequireRole::<Role, { role_bit::<Role>("admin") }>::from_request_parts(
                            parts, &auth,
                        ),
                    )
                    .unwrap(),
                )
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("Auth<Claims> (cached token)", |b| {
        b.iter_batched_ref(
            || parts(&token),
            |parts| black_box(complete(Auth::<Claims>::from_request_parts(parts, &auth)).unwrap()),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("hand-written jsonwebtoken extractor", |b| {
        b.iter_batched_ref(
            || parts(&token),
            |parts| {
                let token = parts.headers[header::AUTHORIZATION]
                    .to_str()
                    .unwrap()
                    .strip_prefix("Bearer ")
                    .unwrap();
                let data = jsonwebtoken::decode::<PeerClaims>(token, &key, &validation).unwrap();
                black_box(data.claims.roles.iter().any(|r| r == "admin"))
            },
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, extract);
criterion_main!(benches);
