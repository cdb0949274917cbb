//! The access-token verifier: every guard of the security manual, "Token format and verification", in an order that does the
//! least work on hostile input (length, then structure, then the signature, and only then the
//! payload).

use super::header::{ACCESS_TOKEN_MEDIA_TYPE, ACCESS_TOKEN_TYPE, Header, HeaderProblem};
use super::payload::{ParsedPayload, PayloadRules, Span};
use super::verified::CheckedClaims;
use super::{MAX_TOKEN_LEN, TokenError, TokenRules, VerifiedToken, base64url};
use crate::keys::{Algorithm, KeySet, Kid, VerifyingKey};

/// Header segments longer than this are not headers this crate issued (ours are ~100 bytes).
const MAX_HEADER_SEGMENT: usize = 1024;
/// Large enough for an RSA-8192 signature; anything longer is malformed.
const MAX_SIGNATURE_SEGMENT: usize = 1368;
/// The decoded size of the segments decoded on the stack: 256 base64url characters.
const SMALL_SEGMENT: usize = 192;

/// Decodes a base64url segment and hands it to `f`: on the stack when it is short (a header
/// this crate issues, an HMAC, ECDSA or EdDSA signature), else on the heap. A stack buffer
/// sized for the longest segment accepted would be zeroed on every request, which costs more
/// than decoding the segment. `None` when the segment is not strict base64url.
fn with_decoded<R>(segment: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    if segment.len() <= SMALL_SEGMENT / 3 * 4 {
        let mut buffer = [0u8; SMALL_SEGMENT];
        base64url::decode_to_slice(segment, &mut buffer).map(f)
    } else {
        base64url::decode(segment).map(|decoded| f(&decoded))
    }
}

pub(crate) fn verify(
    keys: &KeySet,
    rules: &TokenRules,
    token: &str,
    now: u64,
) -> Result<VerifiedToken, TokenError> {
    // TV-17: the cap comes before any base64 or JSON work.
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    let Segments {
        signing_input,
        header: header_b64,
        payload: payload_b64,
        signature: signature_b64,
    } = split(token.as_bytes())?;

    if header_b64.len() > MAX_HEADER_SEGMENT || signature_b64.len() > MAX_SIGNATURE_SEGMENT {
        return Err(TokenError::Malformed);
    }
    // A token this crate issued carries exactly the header segment written for its key
    // (`VerifyingKey::header_segment`): `{"alg":..,"typ":"at+jwt","kid":..}` with that key's
    // algorithm and id. Decoding and parsing it would find that `typ`, the key by its `kid`
    // (unique in the set) and that key's `alg`, passing every header check, and strict
    // base64url gives no other segment those bytes; so recognising it is the same answer,
    // without the work.
    let key = match keys.find_by_header_segment(header_b64) {
        Some(key) => key,
        None => check_header(keys, rules, header_b64)?,
    };

    let verified = with_decoded(signature_b64, |signature| {
        !signature.is_empty() && key.verify(signing_input, signature)
    })
    .ok_or(TokenError::Malformed)?;
    if !verified {
        return Err(TokenError::BadSignature);
    }

    // Only now, with the signature verified, is the payload decoded and parsed.
    let payload = base64url::decode(payload_b64).ok_or(TokenError::Malformed)?;
    // UTF-8 as a whole, members that are skipped included (security manual, TV-04).
    let payload = String::from_utf8(payload).map_err(|_| TokenError::InvalidClaims)?;
    let parsed = ParsedPayload::parse(
        &payload,
        &PayloadRules {
            issuer: &rules.issuer,
            audience: &rules.audience,
            roles_path: &rules.roles_path,
            roles_from_string: rules.roles_from_string,
            scope_claim: &rules.scope_claim,
        },
    )
    .map_err(|_| TokenError::InvalidClaims)?;

    let claims = check_claims(&parsed, rules, now)?;
    Ok(VerifiedToken::new(payload, claims, parsed))
}

/// Decodes and parses the header, checks it (TV-04 to TV-07) and returns the key it selects
/// (TV-01, TV-06).
fn check_header<'k>(
    keys: &'k KeySet,
    rules: &TokenRules,
    header_b64: &[u8],
) -> Result<&'k VerifyingKey, TokenError> {
    // The header borrows from its decoded bytes: on the stack when short (see `with_decoded`).
    let mut small = [0u8; SMALL_SEGMENT];
    let large: Vec<u8>;
    let header_json = if header_b64.len() <= SMALL_SEGMENT / 3 * 4 {
        base64url::decode_to_slice(header_b64, &mut small)
    } else {
        large = base64url::decode(header_b64).ok_or(TokenError::Malformed)?;
        Some(&large[..])
    }
    .ok_or(TokenError::Malformed)?;
    let header = Header::parse(header_json).map_err(|problem| match problem {
        HeaderProblem::Malformed => TokenError::Malformed,
        HeaderProblem::Unsupported => TokenError::UnsupportedHeader,
    })?;

    // TV-07: explicit typing, exact values only; other values only when configured.
    match header.typ.as_deref() {
        Some(ACCESS_TOKEN_TYPE | ACCESS_TOKEN_MEDIA_TYPE) => {}
        Some(typ) if rules.extra_token_types.iter().any(|t| **t == *typ) => {}
        None if rules.accept_untyped => {}
        _ => return Err(TokenError::WrongType),
    }
    // TV-01: the header's `alg` only has to equal the key's; it never picks the algorithm.
    let alg = header
        .alg
        .as_deref()
        .and_then(Algorithm::from_name)
        .ok_or(TokenError::UnsupportedAlgorithm)?;
    // TV-06: `kid` selects from the static key set, nothing else.
    let key = match header.kid.as_deref() {
        Some(kid) => keys.find(kid),
        None => keys.sole_key(),
    }
    .ok_or(TokenError::UnknownKey)?;
    if key.algorithm() != alg {
        return Err(TokenError::AlgorithmMismatch);
    }

    Ok(key)
}

/// Whether a token refused as [`TokenError::UnknownKey`] names a key a fresher JWKS could
/// have: a syntactically valid `kid` and an asymmetric `alg` (a JWKS never brings an HMAC
/// key). Only such tokens may trigger a refresh of a remote key source, and the header has
/// already passed every check before the key lookup when this is asked.
pub(crate) fn names_refreshable_key(token: &str) -> bool {
    let Ok(Segments { header, .. }) = split(token.as_bytes()) else {
        return false;
    };
    if header.len() > MAX_HEADER_SEGMENT {
        return false;
    }
    let mut header_buf = [0u8; MAX_HEADER_SEGMENT];
    let Some(json) = base64url::decode_to_slice(header, &mut header_buf) else {
        return false;
    };
    let Ok(header) = Header::parse(json) else {
        return false;
    };
    let asymmetric = header
        .alg
        .as_deref()
        .and_then(Algorithm::from_name)
        .is_some_and(|alg| !alg.is_symmetric());
    asymmetric && header.kid.as_deref().is_some_and(Kid::is_valid)
}

/// The segments of a compact JWS, and the signing input (`header.payload`).
struct Segments<'t> {
    signing_input: &'t [u8],
    header: &'t [u8],
    payload: &'t [u8],
    signature: &'t [u8],
}

/// Splits `header.payload.signature`; exactly three segments (a JWE has five).
fn split(token: &[u8]) -> Result<Segments<'_>, TokenError> {
    let mut dots = memchr::memchr_iter(b'.', token);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(TokenError::Malformed);
    };
    Ok(Segments {
        signing_input: &token[..second],
        header: &token[..first],
        payload: &token[first + 1..second],
        signature: &token[second + 1..],
    })
}

fn check_claims(
    parsed: &ParsedPayload,
    rules: &TokenRules,
    now: u64,
) -> Result<CheckedClaims, TokenError> {
    let (Some(exp), Some(iat), Some(subject)) = (parsed.exp, parsed.iat, parsed.sub) else {
        return Err(TokenError::InvalidClaims);
    };
    // TV-14: `jti` is required unless configured otherwise; when present it is never empty
    // (an empty one would name no token, or every token without one, on the denylist).
    let jwt_id = match parsed.jti {
        Some(jwt_id) if !jwt_id.is_empty() => jwt_id,
        None if !rules.require_jwt_id => Span::default(),
        _ => return Err(TokenError::InvalidClaims),
    };
    if subject.is_empty() {
        return Err(TokenError::InvalidClaims);
    }
    // Security manual, TV-11 and TV-12: required and exactly equal / contained.
    if parsed.iss_matches != Some(true) {
        return Err(TokenError::WrongIssuer);
    }
    if parsed.aud_matches != Some(true) {
        return Err(TokenError::WrongAudience);
    }
    let leeway = rules.leeway;
    // TV-08: valid only while now < exp (+ leeway).
    if now >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    // TV-09: checked whenever present.
    if let Some(nbf) = parsed.nbf
        && nbf > now.saturating_add(leeway)
    {
        return Err(TokenError::NotYetValid);
    }
    // TV-10: no tokens from the future, and none living longer than the configured TTL.
    if iat > now.saturating_add(leeway) {
        return Err(TokenError::IssuedInFuture);
    }
    if exp.saturating_sub(iat) > rules.max_lifetime.saturating_add(leeway) {
        return Err(TokenError::LifetimeTooLong);
    }
    Ok(CheckedClaims {
        subject,
        jwt_id,
        issued_at: iat,
        not_before: parsed.nbf,
        expires_at: exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_needs_exactly_three_segments() {
        let segments = split(b"h.p.s").ok().unwrap();
        assert_eq!(segments.signing_input, b"h.p");
        assert_eq!(
            (segments.header, segments.payload, segments.signature),
            (&b"h"[..], &b"p"[..], &b"s"[..])
        );
        for bad in [&b"abc"[..], b"a.b", b"a.b.c.d", b"a.b.c.d.e", b""] {
            assert!(split(bad).is_err());
        }
    }
}
