//! T: transport and the `Authorization` header (HB-01 … HB-04, HB-08, TV-17, DS-01). The
//! raw-socket cases run the app behind hyper on 127.0.0.1, since `http` refuses to even build
//! the requests they send.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::{assert_malformed_request, assert_no_credentials, attempt, refused};
use crate::common::*;

/// T03 T04 (HB-01): the scheme in any case, followed by one or more spaces.
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_takes_any_number_of_spaces() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for scheme in ["Bearer ", "bearer ", "BEARER ", "bEaReR     "] {
        let value = format!("{scheme}{token}");
        let (reply, runs) = attempt(&auth, get_with("/admin", Some(value.as_bytes()))).await;
        assert_eq!((reply.status, runs), (StatusCode::OK, 1), "{scheme:?}");
    }
}

/// T04 T05 [policy] (security manual, HB-01): malformed `Bearer` credentials are 400
/// `invalid_request`: a tab or nothing after the scheme, trailing white space, a second
/// credential joined with a comma, an `=` before the end of the credential, non-ASCII.
#[tokio::test]
async fn malformed_bearer_credentials_are_400() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for value in [
        format!("Bearer\t{token}"),
        format!("Bearer  {token} "),
        format!("Bearer {token}, Bearer {token}"),
        format!("Bearer {token},"),
        format!("Bearer \"{token}\""),
        format!("Bearer {token}%20"),
        format!("Bearer {token}=x"),
        "Bearer ".to_owned(),
        "bearer".to_owned(),
        "Bearer ==".to_owned(),
        "Bearer dGVz=dA".to_owned(),
        "Bearer ünïcödé".to_owned(),
    ] {
        let (reply, runs) = attempt(&auth, get_with("/admin", Some(value.as_bytes()))).await;
        assert_malformed_request(&reply);
        assert_eq!(runs, 0, "{value:?}");
    }
}

/// T14 (HB-01, RFC 6750 §2.1): `+`, `/`, `~` and trailing `=` are `b64token` characters, so
/// a credential made of them is well-formed: the request carries an invalid token, 401
/// `invalid_token`, not a malformed header (400).
#[tokio::test]
async fn b64token_credentials_that_are_no_jws_are_invalid_tokens() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for value in [
        "dGVzdA==".to_owned(),
        "dGVzdA=".to_owned(),
        "a+b/c.d~e.f".to_owned(),
        format!("{token}="),
        format!("{token}=="),
        token.replacen('.', "+.", 1),
        token.replacen('.', "/.", 1),
        token.replacen('.', "~.", 1),
    ] {
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &value)).await;
        refused(&reply, runs, INVALID);
    }
}

/// T01 T02 T13 (HB-04): no credentials, an empty header, or another scheme (even carrying a
/// valid token) is 401 with a bare challenge: no `error` code.
#[tokio::test]
async fn other_schemes_are_no_credentials_even_with_a_valid_token() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for value in [
        format!("Basic {token}"),
        format!("JWT {token}"),
        format!("Token {token}"),
        format!("Bearerr {token}"),
        format!("Bearer-{token}"),
        format!("DPoP {token}"),
        token.clone(),
        String::new(),
    ] {
        let (reply, runs) = attempt(&auth, get_with("/admin", Some(value.as_bytes()))).await;
        assert_no_credentials(&reply);
        assert_eq!(runs, 0, "{value:?}");
    }
}

/// T08 (HB-02): a token in the query is never read; neither is a form-encoded body parameter
/// (RFC 6750 §2.2), which the guard never sees because it runs before the body is read.
#[tokio::test]
async fn tokens_are_read_from_no_other_place_than_the_header() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for query in [
        format!("access_token={token}"),
        format!("x=1&access_token={token}"),
        format!("token={token}"),
        format!("jwt={token}"),
    ] {
        let (reply, runs) = attempt(&auth, get_with(&format!("/admin?{query}"), None)).await;
        assert_no_credentials(&reply);
        assert_eq!(runs, 0);
    }
    let request = Request::post("/admin/echo")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("access_token={token}")))
        .unwrap();
    let (reply, runs) = attempt(&auth, request).await;
    assert_no_credentials(&reply);
    assert_eq!(runs, 0);
}

/// T09 T10 (HB-03): a token sent two ways at once is 400, including a query parameter whose
/// name is percent-encoded (`access%5Ftoken` is `access_token` once decoded), and two
/// `Authorization` headers even when only one is `Bearer`.
#[tokio::test]
async fn a_token_sent_in_two_places_is_400() {
    let auth = authenticator();
    let token = issue(&auth, &user("alice", &[Role::Admin]));
    for query in [
        format!("access_token={token}"),
        "access_token=".to_owned(),
        "access_token".to_owned(),
        format!("access%5Ftoken={token}"),
        format!("access%5ftoken={token}"),
        format!("%61ccess_token={token}"),
        format!("a=b&access_token={token}&c=d"),
    ] {
        let request = get_bearer(&format!("/admin?{query}"), &token);
        let (reply, runs) = attempt(&auth, request).await;
        assert_malformed_request(&reply);
        assert_eq!(runs, 0, "{query}");
    }
    for other in [
        "Basic YWxpY2U6cGFzcw==",
        "Bearer a.b.c",
        &format!("Bearer {token}"),
    ] {
        let mut request = get_bearer("/admin", &token);
        request
            .headers_mut()
            .append(header::AUTHORIZATION, other.parse().unwrap());
        let (reply, runs) = attempt(&auth, request).await;
        assert_malformed_request(&reply);
        assert_eq!(runs, 0, "{other}");
    }
    // Parameters that merely contain the name are something else.
    for query in ["my_access_token=1", "access_token_hint=1", "x=access_token"] {
        let request = get_bearer(&format!("/admin?{query}"), &token);
        let (reply, runs) = attempt(&auth, request).await;
        assert_eq!((reply.status, runs), (StatusCode::OK, 1), "{query}");
    }
}

/// HB-08 (Z03 Z04): authentication comes before authorization: an expired, forged or
/// garbled token on a role route is 401, never 403, whatever roles it claims.
#[tokio::test]
async fn an_invalid_token_on_a_role_route_is_401_not_403() {
    let auth = authenticator();
    let now = now();
    let expired = with(
        with(
            with(good_payload(), "exp", json!(now - 100)),
            "iat",
            json!(now - 700),
        ),
        "nbf",
        json!(now - 700),
    );
    let forged = forge_hs256_raw(
        &good_header().to_string(),
        &with(good_payload(), "roles", json!(["viewer"])).to_string(),
        b"0123456789abcdefghijklmnopqrstuvwxyzABCDEX",
    );
    for path in ["/admin", "/viewer", "/admin-and-viewer", "/editor-or-admin"] {
        let (reply, runs) =
            attempt(&auth, get_bearer(path, &forge(&good_header(), &expired))).await;
        refused(&reply, runs, EXPIRED);
        let (reply, runs) = attempt(&auth, get_bearer(path, &forged)).await;
        refused(&reply, runs, INVALID);
    }
}

/// T12 D01 (TV-17): the 8 KiB cap: a valid token of exactly 8192 bytes passes, one byte more
/// is refused before any decoding.
#[tokio::test]
async fn the_token_length_cap_is_exactly_8_kib() {
    let auth = authenticator();
    // base64url grows by 4 characters per 3 bytes, so some lengths cannot be reached by
    // padding the payload alone: pad the header too (an unknown member, ignored).
    let sized = |header_pad: usize, pad: usize| {
        forge(
            &with(good_header(), "x", json!("y".repeat(header_pad))),
            &with(good_payload(), "pad", json!("x".repeat(pad))),
        )
    };
    let approx = (auth::token::MAX_TOKEN_LEN - sized(0, 0).len()) * 3 / 4;
    let (mut exact, mut longer) = (None, None);
    for header_pad in 0..4 {
        for pad in approx - 8..approx + 8 {
            let token = sized(header_pad, pad);
            match token.len().cmp(&auth::token::MAX_TOKEN_LEN) {
                std::cmp::Ordering::Equal => exact = exact.or(Some(token)),
                std::cmp::Ordering::Greater => longer = longer.or(Some(token)),
                std::cmp::Ordering::Less => {}
            }
        }
    }
    let (token, longer) = (exact.expect("a token of exactly 8 KiB"), longer.unwrap());
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    assert_eq!(
        (reply.status, runs),
        (StatusCode::OK, 1),
        "{}",
        reply.text()
    );
    assert_eq!(
        auth.verify_without_revocation(&longer).unwrap_err(),
        auth::token::TokenError::TooLong
    );
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &longer)).await;
    refused(&reply, runs, INVALID);
}

/// AZ-04 (Z06 Z08): protection holds across path and method variants: no spelling of a
/// protected path reaches its handler without a token.
#[tokio::test]
async fn no_path_or_method_variant_bypasses_the_guard() {
    let auth = authenticator();
    // 401 where the route exists (the guard runs first), 404 / 405 where it does not: the
    // router does not normalise case, dots, slashes or escapes into another route.
    for (method, path, status) in [
        (Method::GET, "/admin", 401),
        (Method::HEAD, "/admin", 401),
        (Method::GET, "/admin?role=admin", 401),
        (Method::POST, "/admin/echo", 401),
        (Method::GET, "/admin/", 404),
        (Method::GET, "//admin", 404),
        (Method::GET, "/ADMIN", 404),
        (Method::GET, "/admin%2f", 404),
        (Method::GET, "/%61dmin", 404),
        (Method::GET, "/./admin", 404),
        (Method::GET, "/x/../admin", 404),
        (Method::POST, "/admin", 405),
        (Method::OPTIONS, "/admin", 405),
        (Method::DELETE, "/admin", 405),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let (reply, runs) = attempt(&auth, request).await;
        assert_eq!(runs, 0, "{method} {path} ran the handler");
        assert_eq!(reply.status.as_u16(), status, "{method} {path}");
        if status == 401 {
            assert_eq!(reply.challenge(), Some(r#"Bearer realm="api""#));
        } else {
            assert_eq!(reply.challenge(), None);
        }
    }
}

// ---- over a real socket ---------------------------------------------------------------------

/// Serves the common app on a loopback port; returns the address and the run counter.
async fn serve() -> (std::net::SocketAddr, Runs) {
    let (app, runs) = app(authenticator());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, runs)
}

/// Sends raw request bytes and returns the status code and the response head. Reads while
/// it writes: a server that refuses a huge head answers and closes before it has all of it.
async fn raw(address: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    let (mut reader, mut writer) = TcpStream::connect(address).await.unwrap().into_split();
    let request = request.to_vec();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        writer
    });
    let mut response = Vec::new();
    // Bounded: the server answers and closes (`Connection: close`), or 10 s pass.
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buf).await {
            response.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    writing.abort();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    let head = text.split("\r\n\r\n").next().unwrap_or_default().to_owned();
    (status, head)
}

fn request_with(authorization: &[u8]) -> Vec<u8> {
    let mut request = b"GET /admin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n".to_vec();
    request.extend_from_slice(b"Authorization: ");
    request.extend_from_slice(authorization);
    request.extend_from_slice(b"\r\n\r\n");
    request
}

/// T11 (DS-01): non-UTF-8 bytes in the header reach the parser and get 400
/// `invalid_request`; CR, NUL and obsolete line folding are refused by hyper itself (400,
/// no challenge); a 1 MiB head is refused by hyper (431), a 300 KiB token by the 8 KiB cap
/// (401). Nothing panics, no handler runs.
#[tokio::test]
async fn hostile_header_bytes_never_reach_a_handler() {
    let (address, runs) = serve().await;
    let token = issue(&authenticator(), &user("alice", &[Role::Admin]));

    for value in [&b"Bearer \xff\xfe\xfd"[..], b"Bearer a.b.\xc3\xa9"] {
        let (status, head) = raw(address, &request_with(value)).await;
        assert_eq!(status, 400, "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains(r#"www-authenticate: bearer error="invalid_request""#),
            "{head}"
        );
    }
    for value in [
        format!("Bearer {token}\rX-Injected: 1").into_bytes(),
        format!("Bearer {}\0{}", &token[..10], &token[10..]).into_bytes(),
        format!("Bearer\r\n {token}").into_bytes(),
    ] {
        let (status, head) = raw(address, &request_with(&value)).await;
        assert_eq!(status, 400, "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("www-authenticate"),
            "{head}"
        );
    }
    // Beyond hyper's ~408 KiB limit on a request head: hyper answers 431 itself.
    let huge = format!("Bearer {}", "a".repeat(1024 * 1024));
    let (status, head) = raw(address, &request_with(huge.as_bytes())).await;
    assert_eq!(status, 431, "{head}");
    // Well under hyper's limit but over ours: refused as a token, before decoding.
    let long = format!("Bearer {}", "a".repeat(300 * 1024));
    let (status, head) = raw(address, &request_with(long.as_bytes())).await;
    assert_eq!(status, 401, "{head}");
    assert!(head.contains(r#"error="invalid_token""#), "{head}");
    assert_eq!(runs.count(), 0);

    // The control: the same path with the token works over the socket.
    let (status, _) = raw(address, &request_with(format!("Bearer {token}").as_bytes())).await;
    assert_eq!(status, 200);
    assert_eq!(runs.count(), 1);
}
