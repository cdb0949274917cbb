//! D: denial of service (TV-17, DS-01, DS-02). Hostile sizes and shapes are refused early,
//! with the usual answers, and nothing panics or recurses without bound.
//!
//! The limits below the 8 KiB token cap are [policy], documented in `auth::token`: a header
//! segment of at most 1 KiB of base64url with at most 16 members, at most 128 payload members
//! (top level, and in each nested object), at most 256 roles, 128 levels of nesting.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Map, Value, json};

use super::{attempt, refused};
use crate::common::*;
use crate::support_endpoints::{PASSWORD, Setup, assert_oauth_error, login_body};

/// D [policy] (TV-04): nesting bombs. Every member is checked, read or not (for duplicates
/// and broken strings at any depth), and serde_json stops at 128 levels: a token nesting
/// deeper, in any member of header or payload, is 401. Up to that depth an unread member
/// passes. Nothing overflows the stack.
#[tokio::test]
async fn deeply_nested_json_never_overflows() {
    let auth = authenticator();
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let header = |depth: usize| {
        format!(
            r#"{{"alg":"HS256","typ":"at+jwt","kid":"k1","x":{}}}"#,
            nested(depth)
        )
    };
    let token = forge_hs256_raw(&header(100), &good_payload().to_string(), SECRET);
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    assert_eq!(
        (reply.status, runs),
        (StatusCode::OK, 1),
        "unread header member, 100 levels"
    );
    let token = forge_hs256_raw(&header(300), &good_payload().to_string(), SECRET);
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    refused(&reply, runs, INVALID);

    // The member replaced by 2500 nested arrays (about 5 KB of the 8 KiB).
    let deep = |member: &str| {
        let payload = without(good_payload(), member).to_string().replacen(
            '{',
            &format!(r#"{{"{member}":{},"#, nested(2500)),
            1,
        );
        let token = forge_hs256_raw(&good_header().to_string(), &payload, SECRET);
        assert!(token.len() <= auth::token::MAX_TOKEN_LEN);
        token
    };
    // Not read (`x`), read by the verifier (`roles`, `aud`) or by the handler's claims type
    // (`email`).
    for (member, path) in [
        ("x", "/protected"),
        ("x", "/me"),
        ("roles", "/protected"),
        ("aud", "/protected"),
        ("email", "/me"),
    ] {
        let (reply, runs) = attempt(&auth, get_bearer(path, &deep(member))).await;
        refused(&reply, runs, INVALID);
    }
}

fn payload_with_members(count: usize) -> Value {
    let mut payload = good_payload();
    let object = payload.as_object_mut().unwrap();
    let mut i = 0;
    while object.len() < count {
        object.insert(format!("m{i}"), json!(0));
        i += 1;
    }
    payload
}

/// D [policy]: at most 128 payload members, 16 header members, 256 roles; each limit exactly.
#[tokio::test]
async fn member_and_role_counts_are_bounded() {
    let auth = authenticator();
    let ok = |token: &str| auth.verify_without_revocation(token).map(|_| ());
    assert_eq!(
        ok(&forge(&good_header(), &payload_with_members(128))),
        Ok(())
    );
    let token = forge(&good_header(), &payload_with_members(129));
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    refused(&reply, runs, INVALID);

    let header_with = |count: usize| {
        let mut header = good_header();
        let object = header.as_object_mut().unwrap();
        let mut i = 0;
        while object.len() < count {
            object.insert(format!("h{i}"), json!(0));
            i += 1;
        }
        header
    };
    assert_eq!(ok(&forge(&header_with(16), &good_payload())), Ok(()));
    let token = forge(&header_with(17), &good_payload());
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    refused(&reply, runs, INVALID);

    let roles = |count: usize| -> Value { (0..count).map(|i| json!(format!("r{i}"))).collect() };
    assert_eq!(
        ok(&forge(
            &good_header(),
            &with(good_payload(), "roles", roles(256))
        )),
        Ok(())
    );
    let token = forge(&good_header(), &with(good_payload(), "roles", roles(257)));
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    refused(&reply, runs, INVALID);
}

/// D [policy]: a header segment over 1 KiB is refused before it is decoded, even signed.
#[tokio::test]
async fn an_oversized_header_segment_is_refused() {
    let auth = authenticator();
    let header = with(good_header(), "x", json!("y".repeat(800)));
    let token = forge(&header, &good_payload());
    assert!(token.split('.').next().unwrap().len() > 1024);
    let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
    refused(&reply, runs, INVALID);
    let mut header = Map::new();
    header.insert("x".into(), json!("y".repeat(700)));
    let token = forge(&Value::Object(header), &good_payload());
    assert!(auth.verify_without_revocation(&token).is_err());
}

/// D04 (DS-02): a body streamed without `Content-Length`, or one longer than the length it
/// declares, is cut at 16 KiB: 413, never read to the end.
#[tokio::test]
async fn endpoint_bodies_over_the_limit_are_413_however_they_arrive() {
    let h = Setup::default().build().await;
    let chunk = "a".repeat(1024);
    let chunks: Vec<Result<String, std::io::Error>> = (0..64).map(|_| Ok(chunk.clone())).collect();
    let request = Request::post("/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from_stream(futures_stream(chunks)))
        .unwrap();
    let reply = h.send(request).await;
    assert_oauth_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");

    let mut request = Request::post("/refresh")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "refresh_token={}",
            "a".repeat(64 * 1024)
        )))
        .unwrap();
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, "20".parse().unwrap());
    let reply = h.send(request).await;
    assert_oauth_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request");
}

fn futures_stream(
    items: Vec<Result<String, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<String, std::io::Error>> + Send + 'static {
    struct Iter(std::vec::IntoIter<Result<String, std::io::Error>>);
    impl futures_core::Stream for Iter {
        type Item = Result<String, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Iter(items.into_iter())
}

/// D: hostile endpoint bodies within the limit (a JSON nesting bomb, thousands of empty
/// parameters, a wall of escapes) are 400 or ignored, never a crash or a 500.
#[tokio::test]
async fn hostile_endpoint_bodies_within_the_limit_are_refused_cleanly() {
    let h = Setup::default().build().await;
    let bomb = format!(r#"{{"x":{}{}}}"#, "[".repeat(8000), "]".repeat(8000));
    let request = Request::post("/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bomb))
        .unwrap();
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );

    let ampersands = format!("{}&{}", login_body("alice", PASSWORD), "&".repeat(15000));
    let reply = h
        .send(crate::support_endpoints::form("/token", &ampersands))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "empty pairs are skipped");

    let escapes = format!("username=alice&password={}", "%".repeat(10000));
    let reply = h
        .send(crate::support_endpoints::form("/token", &escapes))
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");

    let many = (0..1500)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    let body = format!("{}&{many}", login_body("alice", PASSWORD));
    assert!(body.len() < 16 * 1024);
    let reply = h
        .send(crate::support_endpoints::form("/token", &body))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "unknown parameters are ignored"
    );
}
