//! Property tests (proptest): the issuer and the verifier agree on every token the issuer can
//! make; no single-byte change survives; role checks agree with a naive reference; and every
//! error renders a valid RFC 6750 challenge whatever input produced it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use auth::error::{AuthError, ErrorKind};
use auth::token::TokenError;
use auth::transport::bearer_token;
use auth::{Authenticator, RequireAllRoles, RequireRole, RoleEnum, Roles, TokenClaims};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::IntoResponse as _;
use base64::Engine as _;
use common::challenge::is_valid_challenge;
use common::{AUDIENCE, ISSUER, Role, hs256_key};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

const NOW: u64 = 1_900_000_000;

fn authenticator(ttl: u64, now: u64) -> Authenticator {
    Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .access_ttl(Duration::from_secs(ttl))
        .clock(move || now)
        .token_cache(0)
        .build()
        .unwrap()
}

/// Custom claims of several JSON shapes next to the subject and roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AnyClaims {
    sub: String,
    roles: Roles<Role>,
    email: String,
    level: i64,
    ratio: Option<f32>,
    tags: Vec<String>,
    meta: BTreeMap<String, String>,
}

impl TokenClaims for AnyClaims {
    type Role = Role;
    fn subject(&self) -> &str {
        &self.sub
    }
    fn roles(&self) -> Roles<Role> {
        self.roles
    }
}

fn roles_strategy() -> impl Strategy<Value = Roles<Role>> {
    (0u64..8).prop_map(Roles::from_bits)
}

fn claims_strategy() -> impl Strategy<Value = AnyClaims> {
    (
        ".{1,64}",
        roles_strategy(),
        ".{0,40}",
        any::<i64>(),
        proptest::option::of(-1.0e6f32..1.0e6f32),
        proptest::collection::vec(".{0,12}", 0..6),
        proptest::collection::btree_map("[a-z_]{1,10}", ".{0,16}", 0..5),
    )
        .prop_map(|(sub, roles, email, level, ratio, tags, meta)| AnyClaims {
            sub,
            roles,
            email,
            level,
            ratio,
            tags,
            meta,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any token the issuer makes verifies, with the claims, subject and roles it was given,
    /// for any TTL the builder accepts, until (and only until) `exp + leeway`.
    #[test]
    fn any_issued_token_verifies(
        claims in claims_strategy(),
        ttl in 1u64..=86_400,
        now in 1_000_000_000u64..4_000_000_000,
    ) {
        let auth = authenticator(ttl, now);
        let issued = auth.issue(&claims).unwrap();
        prop_assert_eq!(issued.expires_in(), ttl);
        let verified = auth.verify_without_revocation(&issued.access_token).unwrap();
        prop_assert_eq!(verified.subject(), claims.sub.as_str());
        prop_assert_eq!(verified.jwt_id(), issued.jwt_id.as_str());
        prop_assert_eq!(verified.expires_at(), now + ttl);
        prop_assert_eq!(verified.roles::<Role>(), claims.roles);
        prop_assert_eq!(verified.claims::<AnyClaims>().unwrap(), claims.clone());
        // The same token at the last second of its validity, and just after.
        let leeway = auth::testing::authenticator().leeway().as_secs();
        let late = authenticator(ttl, now + ttl + leeway - 1);
        prop_assert!(late.verify_without_revocation(&issued.access_token).is_ok());
        let expired = authenticator(ttl, now + ttl + leeway);
        prop_assert_eq!(expired.verify_without_revocation(&issued.access_token).unwrap_err(), TokenError::Expired);
    }

    /// Any single-byte change to a signed token is refused. A change of the last character of
    /// a segment that only touches its unused low bits decodes (leniently) to the same
    /// bytes; it is still refused, for the reason `lenient_twin_error` gives.
    #[test]
    fn any_single_byte_change_is_refused(
        claims in claims_strategy(),
        position in any::<prop::sample::Index>(),
        byte in 0u8..0x80,
    ) {
        let auth = authenticator(900, NOW);
        let token = auth.issue(&claims).unwrap().access_token;
        let i = position.index(token.len());
        prop_assume!(token.as_bytes()[i] != byte);
        let mut bytes = token.clone().into_bytes();
        bytes[i] = byte;
        let mutated = String::from_utf8(bytes).unwrap();
        let result = auth.verify_without_revocation(&mutated);
        prop_assert!(result.is_err(), "{} accepted", mutated);
        if same_token_when_decoded_leniently(&token, &mutated) {
            prop_assert_eq!(result.unwrap_err(), lenient_twin_error(&token, i));
        }
    }

    /// `RequireRole` / `RequireAllRoles::is_granted` and `Roles::grants` agree with a naive
    /// reference: the reflexive-transitive closure of an explicit "implies" edge list, then
    /// "any" or "all".
    #[test]
    fn role_checks_agree_with_a_naive_reference(held in any::<u8>()) {
        let roles = Roles::<Rank>::from_bits(u64::from(held));
        let granted = naive_closure(held);
        for role in Rank::ALL {
            prop_assert_eq!(roles.grants(role), granted.contains(&(role as usize)), "{:?}", role);
        }
        macro_rules! check_masks {
            ($($mask:literal),*) => {$(
                let required: BTreeSet<usize> = (0..8).filter(|i| $mask & (1u64 << i) != 0).collect();
                prop_assert_eq!(
                    RequireRole::<Rank, $mask>::is_granted(roles),
                    required.iter().any(|r| granted.contains(r)),
                    "any {:#b} of {:#b}", $mask, held
                );
                prop_assert_eq!(
                    RequireAllRoles::<Rank, $mask>::is_granted(roles),
                    required.iter().all(|r| granted.contains(r)),
                    "all {:#b} of {:#b}", $mask, held
                );
            )*};
        }
        check_masks!(0b1, 0b10, 0b1000_0000, 0b101, 0b110, 0b1_1000, 0b1010_0101, 0b1111_0000, 0b1111_1111);
    }

    /// Role names from a token select roles by exact, case-sensitive match only.
    #[test]
    fn role_names_match_exactly(names in proptest::collection::vec(
        prop_oneof![
            Just("root".to_owned()), Just("ops".to_owned()), Just("dev".to_owned()),
            Just("Root".to_owned()), Just("ops ".to_owned()), Just("DEV".to_owned()),
            ".{0,6}",
        ],
        0..8,
    )) {
        let roles = Roles::<Rank>::from_names(names.iter().map(String::as_str));
        let expected: u64 = names
            .iter()
            .filter_map(|n| Rank::NAMES.iter().position(|known| known == n))
            .fold(0, |bits, i| bits | 1 << i);
        prop_assert_eq!(roles.bits(), expected);
    }

    /// Whatever token produced it, an `invalid_token` error renders a valid challenge.
    #[test]
    fn challenges_of_token_errors_are_valid(token in ".{0,300}", realm in "[ -~]{0,140}") {
        let auth = authenticator(900, NOW);
        if let Err(reason) = auth.verify_without_revocation(&token) {
            assert_valid_response(AuthError::from(reason));
        }
        // A realm the builder accepts always makes a valid bare challenge.
        if let Ok(auth) = Authenticator::builder()
            .signing_key(hs256_key())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .realm(realm.clone())
            .build()
        {
            let challenge = AuthError::new(ErrorKind::MissingCredentials)
                .with_realm(auth.realm().into())
                .challenge()
                .unwrap();
            prop_assert!(is_valid_challenge(&challenge), "{}", challenge);
            prop_assert_eq!(challenge, format!("Bearer realm=\"{realm}\""));
        }
    }

    /// Whatever `Authorization` headers and query a request has, a refusal renders a valid
    /// challenge.
    #[test]
    fn challenges_of_header_errors_are_valid(
        values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..3),
        query in proptest::option::of(".{0,40}"),
        prefix in prop_oneof![Just(&b"Bearer "[..]), Just(&b"bearer"[..]), Just(&b""[..])],
    ) {
        let mut headers = HeaderMap::new();
        for value in &values {
            let mut bytes = prefix.to_vec();
            bytes.extend(value);
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                headers.append(AUTHORIZATION, value);
            }
        }
        if let Err(err) = bearer_token(&headers, query.as_deref()) {
            assert_valid_response(err);
        }
    }
}

/// Every kind of error, with the default and a configured realm.
#[test]
fn challenges_of_every_error_kind_are_valid() {
    use auth::error::RequestError;
    let reasons = [
        TokenError::TooLong,
        TokenError::Malformed,
        TokenError::UnsupportedHeader,
        TokenError::WrongType,
        TokenError::UnsupportedAlgorithm,
        TokenError::UnknownKey,
        TokenError::AlgorithmMismatch,
        TokenError::BadSignature,
        TokenError::InvalidClaims,
        TokenError::WrongIssuer,
        TokenError::WrongAudience,
        TokenError::Expired,
        TokenError::NotYetValid,
        TokenError::IssuedInFuture,
        TokenError::LifetimeTooLong,
        TokenError::Revoked,
        TokenError::ClaimsType,
    ];
    let requests = [
        RequestError::MalformedAuthorization,
        RequestError::MultipleAuthorization,
        RequestError::MultipleMethods,
        RequestError::MissingParameter,
        RequestError::RepeatedParameter,
        RequestError::MalformedBody,
        RequestError::UnsupportedMediaType,
        RequestError::BodyTooLarge,
        RequestError::PasswordTooLong,
        RequestError::CsrfMismatch,
    ];
    let kinds = reasons
        .into_iter()
        .map(ErrorKind::InvalidToken)
        .chain(requests.into_iter().map(ErrorKind::InvalidRequest))
        .chain([
            ErrorKind::MissingCredentials,
            ErrorKind::InsufficientScope,
            ErrorKind::InvalidGrant,
            ErrorKind::UnsupportedGrantType,
            ErrorKind::TooManyRequests,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ]);
    for kind in kinds {
        assert_valid_response(AuthError::new(kind));
        assert_valid_response(AuthError::new(kind).with_realm("My API v2 (prod)".into()));
    }
}

/// Every 401 (RFC 6750 §3) and every 403 `insufficient_scope` carries a challenge; any
/// challenge is valid, and the response carries exactly it.
fn assert_valid_response(err: AuthError) {
    let challenge = err.challenge();
    if err.status().as_u16() == 401 || err.kind() == ErrorKind::InsufficientScope {
        assert!(challenge.is_some(), "{err:?} has no challenge");
    }
    let response = err.into_response();
    let headers: Vec<_> = response
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .collect();
    match challenge {
        Some(challenge) => {
            assert!(is_valid_challenge(&challenge), "{challenge}");
            assert_eq!(headers.len(), 1, "the challenge was dropped or doubled");
            assert_eq!(headers[0], challenge.as_str());
        }
        None => assert!(headers.is_empty()),
    }
}

/// Why a token that differs from a valid one only in unused bits of the last character of a
/// segment (the byte at `position`) is refused. The header and the signature are decoded
/// strictly before the signature check: malformed. The payload is decoded only after it, and
/// the signature covers the bytes received, which differ: bad signature. Either way the
/// lenient twin is never the same token.
fn lenient_twin_error(token: &str, position: usize) -> TokenError {
    let payload_start = token.find('.').unwrap() + 1;
    let payload_end = token.rfind('.').unwrap();
    if (payload_start..payload_end).contains(&position) {
        TokenError::BadSignature
    } else {
        TokenError::Malformed
    }
}

/// Whether `a` and `b` decode to the same bytes under a lenient base64url decoder (one that
/// ignores the unused bits of the last character).
fn same_token_when_decoded_leniently(a: &str, b: &str) -> bool {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let decode = |t: &str| -> Option<Vec<Vec<u8>>> {
        t.split('.').map(|s| LENIENT.decode(s).ok()).collect()
    };
    matches!((decode(a), decode(b)), (Some(x), Some(y)) if x == y)
}

/// Eight roles with a hierarchy that is not transitive as written: root → ops → dev → intern,
/// auditor → reader, ops → reader, billing alone, guest alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rank {
    Root,
    Ops,
    Dev,
    Intern,
    Auditor,
    Reader,
    Billing,
    Guest,
}

impl Rank {
    const ALL: [Self; 8] = [
        Self::Root,
        Self::Ops,
        Self::Dev,
        Self::Intern,
        Self::Auditor,
        Self::Reader,
        Self::Billing,
        Self::Guest,
    ];
    const EDGES: [(usize, usize); 5] = [(0, 1), (1, 2), (2, 3), (4, 5), (1, 5)];
}

impl RoleEnum for Rank {
    const NAMES: &'static [&'static str] = &[
        "root", "ops", "dev", "intern", "auditor", "reader", "billing", "guest",
    ];
    // Each role's direct implications only (bit i = role i), itself included.
    const IMPLIES: &'static [u64] = &[
        0b0000_0011,
        0b0010_0110,
        0b0000_1100,
        0b0000_1000,
        0b0011_0000,
        0b0010_0000,
        0b0100_0000,
        0b1000_0000,
    ];
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Self> {
        Self::ALL.get(index).copied()
    }
}

fn naive_closure(held: u8) -> BTreeSet<usize> {
    let mut granted: BTreeSet<usize> = (0..8).filter(|i| held & (1 << i) != 0).collect();
    loop {
        let more: Vec<usize> = Rank::EDGES
            .iter()
            .filter(|(from, to)| granted.contains(from) && !granted.contains(to))
            .map(|&(_, to)| to)
            .collect();
        if more.is_empty() {
            return granted;
        }
        granted.extend(more);
    }
}

#[test]
fn every_single_byte_change_of_one_token_is_refused() {
    // The exhaustive version of the property above for one token: every position, every
    // byte of the token alphabet and a few others.
    let auth = authenticator(900, NOW);
    let token = auth
        .issue(&common::user("alice", &[Role::Admin]))
        .unwrap()
        .access_token;
    let alphabet: Vec<u8> = (b'A'..=b'Z')
        .chain(b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain(*b"-_.=+/ \0")
        .collect();
    let mut malformed = 0;
    for i in 0..token.len() {
        for &byte in &alphabet {
            if token.as_bytes()[i] == byte {
                continue;
            }
            let mut bytes = token.clone().into_bytes();
            bytes[i] = byte;
            let mutated = String::from_utf8(bytes).unwrap();
            let err = auth.verify_without_revocation(&mutated).unwrap_err();
            if same_token_when_decoded_leniently(&token, &mutated) {
                assert_eq!(err, lenient_twin_error(&token, i), "{mutated}");
                malformed += 1;
            }
        }
    }
    assert!(malformed > 0, "no trailing-bits variant was tried");
}
