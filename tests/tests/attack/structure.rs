//! S: token structure and encoding (TV-03, TV-04). Compact JWS only, strict base64url, JSON
//! objects without duplicates or trailing bytes, signature checked over the received bytes.
//!
//! Through HTTP, a credential that is not an RFC 6750 `b64token` (white space, a comma, an
//! `=` before its end) is a malformed `Authorization` header (400 `invalid_request`);
//! everything else that is not a valid token, `=` padding and `+`/`/` included, is 401
//! `invalid_token`.

use serde_json::json;

use super::{assert_malformed_request, attempt, refused};
use crate::common::*;

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

/// S04 S05 (TV-03, HB-01): `=` padding, and `+`/`/` of the standard alphabet: not strict
/// base64url, so never a valid token. `+`, `/` and trailing `=` are RFC 6750 §2.1 `b64token`
/// characters, so the request itself is well-formed: 401 `invalid_token`, not 400. An `=`
/// inside a segment followed by more characters is no `b64token`: 400.
#[tokio::test]
async fn padding_and_the_standard_alphabet_are_invalid_tokens() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let parts = segments(&token);
    for variant in [format!("{token}="), format!("{token}==")] {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &variant)).await;
        refused(&reply, runs, INVALID);
    }
    for i in 0..2 {
        for variant in [format!("{}=", parts[i]), format!("{}==", parts[i])] {
            let mut forged = parts.clone();
            forged[i] = variant;
            let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged.join("."))).await;
            assert_malformed_request(&reply);
            assert_eq!(runs, 0);
        }
    }
    // The standard alphabet for the URL-safe one (when the token has a `-` or `_` at all),
    // and `+`, `/`, `~` written over the signature's first character.
    let standard = token.replace('-', "+").replace('_', "/");
    let cut = token.rfind('.').unwrap() + 1;
    for forged in [
        format!("{}+{}", &token[..cut], &token[cut + 1..]),
        format!("{}/{}", &token[..cut], &token[cut + 1..]),
        format!("{}~{}", &token[..cut], &token[cut + 1..]),
    ]
    .into_iter()
    .chain((standard != token).then_some(standard))
    {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
        refused(&reply, runs, INVALID);
    }
    // Directly through the verifier, the same tokens are `invalid_token`.
    for bad in [
        format!("{token}="),
        format!("{token} "),
        format!(" {token}"),
    ] {
        assert_eq!(
            auth.verify_without_revocation(&bad).unwrap_err(),
            auth::token::TokenError::Malformed
        );
    }
}

/// S06: a last character with non-zero unused bits decodes, leniently, to the same bytes;
/// strict base64url refuses it, so one token has exactly one encoding.
#[tokio::test]
async fn non_canonical_trailing_bits_are_refused() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let mut tried = 0;
    for (i, segment) in segments(&token).iter().enumerate() {
        if segment.len() % 4 == 0 {
            continue;
        }
        let last = *segment.as_bytes().last().unwrap();
        let index = ALPHABET.iter().position(|&c| c == last).unwrap();
        // Canonical encodings have the unused low bits at zero; setting the lowest one
        // changes no decoded byte.
        let mut forged = segments(&token);
        let mut bytes = segment.clone().into_bytes();
        *bytes.last_mut().unwrap() = ALPHABET[index | 1];
        forged[i] = String::from_utf8(bytes).unwrap();
        let forged = forged.join(".");
        assert_ne!(forged, token);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
        refused(&reply, runs, INVALID);
        tried += 1;
    }
    assert!(tried > 0, "no segment had unused bits");
}

/// S02 S03 S10: two segments, four, and the five of a JWE (whose `enc`/`zip` would be a
/// decompression bomb, CVE-2024-33664), each made of real segments of a valid token.
#[tokio::test]
async fn anything_but_three_segments_is_refused() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let [h, p, s] = <[String; 3]>::try_from(segments(&token)).unwrap();
    let jwe_header = b64(br#"{"alg":"dir","enc":"A256GCM","zip":"DEF","typ":"at+jwt"}"#);
    for forged in [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{jwe_header}..{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        format!(".{h}.{p}.{s}"),
        format!("{h}..{p}.{s}"),
        format!("{h}{p}{s}"),
    ] {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
        refused(&reply, runs, INVALID);
    }
}

/// S07 S08: an empty signature segment, and a signature of zero bytes on a real header.
#[tokio::test]
async fn an_empty_or_truncated_signature_is_refused() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let cut = token.rfind('.').unwrap();
    for forged in [
        token[..=cut].to_owned(),
        token[..token.len() - 1].to_owned(),
        format!("{}.{}", &token[..cut], b64(&[0u8; 31])),
        format!("{token}AAAA"),
    ] {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
        refused(&reply, runs, INVALID);
    }
}

/// S09: the signature covers the bytes received. The same header and payload re-encoded
/// (other white space, other member order, escaped characters) is another signing input.
#[tokio::test]
async fn a_re_encoded_header_or_payload_does_not_keep_the_signature() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    let parts = segments(&token);
    let header: serde_json::Value = serde_json::from_slice(&unb64(&parts[0])).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&unb64(&parts[1])).unwrap();
    for (h, p) in [
        (
            serde_json::to_string_pretty(&header).unwrap(),
            parts[1].clone(),
        ),
        (
            r#"{"typ":"at+jwt","alg":"HS256","kid":"k1"}"#.to_owned(),
            parts[1].clone(),
        ),
        (
            r#"{"alg":"HS256","typ":"at\u002bjwt","kid":"k1"}"#.to_owned(),
            parts[1].clone(),
        ),
    ] {
        let forged = format!("{}.{p}.{}", b64(h.as_bytes()), parts[2]);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
        refused(&reply, runs, INVALID);
    }
    let pretty = b64(serde_json::to_string_pretty(&payload).unwrap().as_bytes());
    let forged = format!("{}.{pretty}.{}", parts[0], parts[2]);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &forged)).await;
    refused(&reply, runs, INVALID);
}

fn unb64(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}

/// S11 S12: a header or payload that is valid JSON but not an object, or not JSON, signed
/// with the right key.
#[tokio::test]
async fn header_and_payload_must_be_json_objects() {
    let auth = authenticator();
    let header = good_header().to_string();
    let payload = good_payload().to_string();
    for (h, p) in [
        (header.as_str(), "[1]"),
        (header.as_str(), r#""{}""#),
        (header.as_str(), "null"),
        (header.as_str(), ""),
        (header.as_str(), "{"),
        (r#"["HS256"]"#, payload.as_str()),
        ("null", payload.as_str()),
        ("", payload.as_str()),
    ] {
        let token = forge_hs256_raw(h, p, SECRET);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// S13 [policy]: nothing around the JSON object, not even white space that RFC 8259 allows
/// (security manual, TV-03): one token, one encoding. A byte-order mark and trailing data
/// are refused alike.
#[tokio::test]
async fn bytes_around_the_json_objects_are_refused() {
    let auth = authenticator();
    let header = good_header().to_string();
    let payload = good_payload().to_string();
    for (h, p) in [
        (format!(" {header}"), payload.clone()),
        (format!("{header}\n"), payload.clone()),
        (format!("\u{feff}{header}"), payload.clone()),
        (header.clone(), format!("{payload} ")),
        (header.clone(), format!("\t{payload}")),
        (header.clone(), format!("{payload}{{}}")),
        (header.clone(), format!("{payload}\u{0}")),
        (header.clone(), format!("{payload}garbage")),
    ] {
        let token = forge_hs256_raw(&h, &p, SECRET);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// S14 [policy] (TV-04): a duplicate member is refused, whichever copy is the good one and
/// however the name is spelt: the escaped `\u0073ub` is `sub`. A duplicated `roles` is the
/// privilege escalation a "last one wins" parser would allow.
#[tokio::test]
async fn duplicate_members_are_refused_however_they_are_spelt() {
    let auth = authenticator();
    let payload = good_payload().to_string();
    let header = good_header().to_string();
    let viewer = with(good_payload(), "roles", json!(["viewer"])).to_string();
    for (h, p) in [
        (
            header.clone(),
            payload.replacen('{', r#"{"\u0073ub":"mallory","#, 1),
        ),
        (
            header.clone(),
            viewer.replacen('{', r#"{"roles":["admin"],"#, 1),
        ),
        (
            header.clone(),
            viewer.replacen('}', r#","roles":["admin"]}"#, 1),
        ),
        (header.clone(), payload.replacen('{', r#"{"email":"x","#, 1)),
        (header.clone(), payload.replacen('{', r#"{"exp":1,"#, 1)),
        (
            header.replacen('{', r#"{"alg":"none","#, 1),
            payload.clone(),
        ),
        (
            header.replacen('{', r#"{"\u0074yp":"JWT","#, 1),
            payload.clone(),
        ),
        (header.replacen('{', r#"{"kid":"k1","#, 1), payload.clone()),
    ] {
        let token = forge_hs256_raw(&h, &p, SECRET);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
}

/// S15: the JSON text must be UTF-8; a lone surrogate escape is not a string either.
#[tokio::test]
async fn non_utf8_or_invalid_escapes_in_the_payload_are_refused() {
    let auth = authenticator();
    let payload = good_payload().to_string();
    let header = good_header().to_string();
    let mut latin1 = payload.clone().into_bytes();
    let at = latin1.len() - 1;
    latin1.splice(at..at, br#","name":"Andr\xe9""#.iter().copied());
    let input = format!("{}.{}", b64(header.as_bytes()), b64(&latin1));
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(SECRET).unwrap();
    hmac::Mac::update(&mut mac, input.as_bytes());
    let token = format!("{input}.{}", b64(&hmac::Mac::finalize(mac).into_bytes()));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    refused(&reply, runs, INVALID);

    let surrogate = payload.replacen(r#""sub":"alice""#, r#""sub":"\ud800""#, 1);
    let token = forge_hs256_raw(&header, &surrogate, SECRET);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    refused(&reply, runs, INVALID);
}

/// `base64url(header).base64url(payload).HMAC-SHA256` over raw bytes, for JSON that is not UTF-8.
fn forge_bytes(header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(SECRET).unwrap();
    hmac::Mac::update(&mut mac, input.as_bytes());
    format!("{input}.{}", b64(&hmac::Mac::finalize(mac).into_bytes()))
}

/// `json` with `member` (raw JSON text, `"name":value`) added as its last member.
fn plus(json: &str, member: &str) -> String {
    format!("{},{member}}}", &json[..json.len() - 1])
}

/// S16 (TV-04, RFC 7493 §2.1, §2.3): members the verifier never reads are checked all the
/// same, in the header and the payload, signed with the right key: bytes that are not UTF-8,
/// lone surrogate escapes, and duplicate members at any depth make the token invalid. Two
/// parsers must not read different texts out of one signed token.
#[tokio::test]
async fn unread_members_are_checked_like_read_ones() {
    let auth = authenticator();
    let header = good_header().to_string();
    let payload = good_payload().to_string();
    let mut forged = Vec::new();
    for member in [
        r#""ext":"\ud800""#,
        r#""ext":"\udc00""#,
        r#""ext":"\ud800\u0041""#,
        r#""ext":["ok","\udfff"]"#,
        r#""ext":{"a":1,"a":2}"#,
        r#""ext":{"a":1,"\u0061":2}"#,
        r#""ext":[{"x":{"y":1,"y":1}}]"#,
        r#""ext":{"b":{"c":{"d":[],"d":[]}}}"#,
    ] {
        forged.push(forge_hs256_raw(&header, &plus(&payload, member), SECRET));
        forged.push(forge_hs256_raw(&plus(&header, member), &payload, SECRET));
    }
    let latin1 = br#","ext":"Andr\xe9"}"#;
    for (h, p) in [
        (header.as_bytes(), &payload.as_bytes()[..payload.len() - 1]),
        (&header.as_bytes()[..header.len() - 1], payload.as_bytes()),
    ] {
        let (mut h, mut p) = (h.to_vec(), p.to_vec());
        if h.len() < header.len() {
            h.extend_from_slice(latin1);
        } else {
            p.extend_from_slice(latin1);
        }
        forged.push(forge_bytes(&h, &p));
    }
    for token in forged {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        refused(&reply, runs, INVALID);
    }
    // Well-formed unread members still pass: a surrogate pair, nested objects, non-ASCII.
    let fine = plus(
        &payload,
        r#""ext":{"smile":"\ud83d\ude00","a":[{"a":1},{"a":2}],"name":"Andr\u00e9 Ω"}"#,
    );
    let token = forge_hs256_raw(&plus(&header, r#""x-ext":{"a":{"a":1}}"#), &fine, SECRET);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    assert_eq!(
        (reply.status, runs),
        (axum::http::StatusCode::OK, 1),
        "{}",
        reply.text()
    );
}
