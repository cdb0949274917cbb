//! L: login at `POST /token` (LG-01 … LG-08, PW-01). Parameters are read once and strictly;
//! credentials never travel in the URL or reach the logs; throttling counts an account however
//! its name is capitalised.

use std::sync::Arc;
use std::time::Duration;

use auth::endpoints::{Endpoints, EndpointsError, ForwardedHeader, Limit, ThrottleConfig};
use auth::password::{PasswordConfig, Passwords};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use super::assert_forbidden;
use crate::common;
use crate::common::captured_log::CapturedLog;
use crate::support_endpoints::*;

/// L07 L08 (LG-01, RFC 6749 §3.2): a parameter repeated under another spelling (a
/// percent-encoded name, a JSON escape) is still repeated: 400, so no two parsers can
/// disagree on which copy counts.
#[tokio::test]
async fn a_parameter_repeated_under_another_spelling_is_400() {
    let h = Setup::default().build().await;
    for body in [
        format!("{}&pass%77ord=x", login_body("alice", PASSWORD)),
        format!("{}&%75sername=bob", login_body("alice", PASSWORD)),
        format!(
            "{}&grant%5Ftype=refresh_token",
            login_body("alice", PASSWORD)
        ),
    ] {
        let reply = h.send(form("/token", &body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    for raw in [
        format!(r#"{{"username":"alice","password":"x","pass\u0077ord":"{PASSWORD}"}}"#),
        format!(r#"{{"username":"bob","\u0075sername":"alice","password":"{PASSWORD}"}}"#),
    ] {
        let request = Request::post("/token")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(raw))
            .unwrap();
        assert_oauth_error(
            &h.send(request).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
}

/// L06 (LG-01, RT-08, RFC 9700 §4.3.2): credentials in the query string are never read:
/// the request has no parameters (400), and GET is 405.
#[tokio::test]
async fn credentials_in_the_query_string_are_never_read() {
    let h = Setup::default().build().await;
    let query = login_body("alice", PASSWORD);
    let request = Request::post(format!("/token?{query}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    let reply = h.send(request).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    let request = Request::get(format!("/token?{query}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(h.send(request).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// L19 (LG-01, RFC 6749 §5.2): `POST /token` spends a refresh token only for an explicit
/// `grant_type=refresh_token`. With a `refresh_token` and no `grant_type`, in form or JSON,
/// alone or next to credentials, the request misses a required parameter: 400
/// `invalid_request`, and the token is not spent. Credentials alone without `grant_type`
/// stay a password login (FastAPI's form, the JSON convenience).
#[tokio::test]
async fn a_refresh_token_without_grant_type_is_invalid_request() {
    let h = Setup::default().build().await;
    let pair = h.pair("alice").await;
    let token = &pair.refresh;
    for request in [
        form("/token", &format!("refresh_token={token}")),
        json("/token", &json!({"refresh_token": token})),
        form(
            "/token",
            &format!("{}&refresh_token={token}", login_body("alice", PASSWORD)).replacen(
                "grant_type=password&",
                "",
                1,
            ),
        ),
        json(
            "/token",
            &json!({"username": "alice", "password": PASSWORD, "refresh_token": token}),
        ),
    ] {
        let reply = h.send(request).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_token_response(
        &h.send(json(
            "/token",
            &json!({"username": "alice", "password": PASSWORD}),
        ))
        .await,
    );
    // Not spent by any of that.
    assert_token_response(&h.refresh(token).await);
}

/// L16 (LG-03): `scope` is ignored, so asking for more than the user has grants nothing.
#[tokio::test]
async fn a_requested_scope_never_grants_roles() {
    let h = Setup::default().build().await;
    for scope in ["admin", "admin editor viewer", "*"] {
        let body = format!("{}&scope={}", login_body("bob", PASSWORD), encode(scope));
        let pair = pair_of(&h.send(form("/token", &body)).await);
        let reply = h.send(common::get_bearer("/admin", &pair.access)).await;
        assert_forbidden(&reply);
    }
}

/// L11 L12 [policy] (LG-05): an account is throttled by its username lowercased, so case
/// variants share one counter; the answer is the same for an account that does not exist.
#[tokio::test]
async fn username_case_variants_share_one_throttle_counter() {
    let minute = Duration::from_secs(60);
    let throttle = ThrottleConfig::default().per_account(Limit::new(2, minute, 10 * minute));
    let h = Setup::default().throttle(throttle).build().await;
    for account in [
        ["alice", "ALICE", "Alice", "aLiCe"],
        ["mallory", "MALLORY", "Mallory", "mAlLoRy"],
    ] {
        for name in &account[..3] {
            assert_invalid_grant(&h.login(name, "wrong password").await);
        }
        // Even the right password is not checked now.
        let reply = h.login(account[3], PASSWORD).await;
        assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
        assert!(reply.headers.contains_key(header::RETRY_AFTER));
    }
}

/// L13 [policy] (LG-06): the password cap counts bytes, and nothing is truncated: a 1024-byte
/// password works, its 1023-byte prefix does not. Passwords are compared as given: no
/// Unicode normalisation (an NFD spelling of an NFC password is another password).
#[tokio::test]
async fn passwords_are_neither_truncated_nor_normalised() {
    let h = Setup::default().build().await;
    let long = "a".repeat(1024);
    h.users
        .set_hash("bob", &h.endpoints.passwords().hash(&long).await.unwrap());
    assert_token_response(&h.login("bob", &long).await);
    assert_invalid_grant(&h.login("bob", &long[..1023]).await);

    let nfc = "caf\u{e9}-correct-horse-battery";
    let nfd = "cafe\u{301}-correct-horse-battery";
    h.users
        .set_hash("bob", &h.endpoints.passwords().hash(nfc).await.unwrap());
    assert_token_response(&h.login("bob", nfc).await);
    assert_invalid_grant(&h.login("bob", nfd).await);
}

/// L18 (PW-01): new hashes are Argon2id v19 with the OWASP parameters, in PHC format, with a
/// fresh salt each time.
#[tokio::test]
async fn new_hashes_are_argon2id_v19_at_owasp_parameters() {
    let passwords = Passwords::new(PasswordConfig::default()).unwrap();
    let first = passwords.hash(PASSWORD).await.unwrap();
    let second = passwords.hash(PASSWORD).await.unwrap();
    assert!(
        first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{first}"
    );
    assert_ne!(first, second, "a fresh salt per hash");
}

/// LG-08: a whole session (failed and good logins, refresh, reuse, logout) logs its reasons
/// but never a password, a refresh token or an access token (nor its signature).
#[tokio::test]
async fn no_password_or_token_reaches_the_logs() {
    let captured = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber(tracing::Level::TRACE));

    let h = Setup::default().build().await;
    let wrong = "Tr0ub4dor&3-wrong-password";
    assert_invalid_grant(&h.login("alice", wrong).await);
    assert_invalid_grant(&h.login("nobody", wrong).await);
    let first = h.pair("alice").await;
    let second = pair_of(&h.refresh(&first.refresh).await);
    assert_invalid_grant(&h.refresh(&first.refresh).await); // reuse: logged as a warning
    assert_eq!(h.logout(&second).await.status, StatusCode::NO_CONTENT);
    let json_login = json(
        "/token",
        &json!({"username": "alice", "password": PASSWORD}),
    );
    assert_token_response(&h.send(json_login).await);

    let logs = captured.text();
    assert!(
        logs.contains("login refused"),
        "nothing was captured: {logs}"
    );
    assert!(logs.contains("reused_refresh_token"), "{logs}");
    for secret in [
        PASSWORD,
        wrong,
        &first.refresh,
        &second.refresh,
        &first.access,
        &second.access,
        first.access.rsplit('.').next().unwrap(),
        second.access.rsplit('.').next().unwrap(),
    ] {
        assert!(!logs.contains(secret), "{secret} is in the logs:\n{logs}");
    }
}

/// LG-01 (found by the `endpoint_body` fuzz target, whose oracle was stricter than JSON):
/// unrecognised JSON members are ignored whatever they hold: a number no `f64` can hold
/// (`1E770`, valid JSON grammar), deep nesting, any type. Known members must be strings.
#[tokio::test]
async fn unrecognised_json_members_are_ignored_whatever_they_hold() {
    let h = Setup::default().build().await;
    let raw = format!(
        r#"{{"":1E770,"username":"alice","x":{}{},"password":"{PASSWORD}","y":{{"z":[null,true,-0.0e-999]}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let request = Request::post("/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(raw))
        .unwrap();
    assert_token_response(&h.send(request).await);
    let reply = h
        .send(json(
            "/token",
            &json!({"username": "alice", "password": 1E300}),
        ))
        .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
}

/// L04 (LG-04), without measuring time: with one hashing slot and no waiting for it, a login
/// that is hashing holds the slot, and a concurrent login of an unknown user, a disabled user
/// or a wrong password finds it taken (429). An unknown user answered without an Argon2
/// verification would get its `invalid_grant` at once instead. The holder's hash is made
/// slow (m = 32 MiB, t = 3) so that it is still running when the second login asks.
#[tokio::test]
async fn unknown_and_disabled_users_need_a_hashing_slot_like_everyone() {
    let slow = auth::password::HashParams {
        memory_kib: 32 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    let config = PasswordConfig::default()
        .params(slow)
        .max_concurrency(1)
        .max_wait(Duration::ZERO);
    let h = Arc::new(Setup::default().passwords(config).build().await);
    for (username, password) in [
        ("nobody", PASSWORD),
        ("carol", PASSWORD),
        ("alice", "wrong password"),
    ] {
        let holder = tokio::spawn({
            let h = h.clone();
            async move { h.login("alice", PASSWORD).await }
        });
        // On this single-threaded runtime the holder now runs until its hash is on the
        // blocking pool, holding the only slot.
        tokio::task::yield_now().await;
        let waiter = h.login(username, password).await;
        assert_oauth_error(&waiter, StatusCode::TOO_MANY_REQUESTS, "slow_down");
        assert_token_response(&holder.await.unwrap());
    }
}

fn login_from(username: &str, password: &str, ip: [u8; 4]) -> Request<Body> {
    from_address(form("/token", &login_body(username, password)), ip)
}

/// L20 (LG-05, PW-02): a client that hangs up while its password is hashing has still made
/// the hash run to its end. Such attempts stay counted, so hanging up on every attempt is
/// throttled like failing: six abandoned logins from one address, each after its hash
/// started, and the seventh (with the right password) is 429. Refunding them let 600
/// aborted attempts burn seconds of CPU without the address ever being throttled.
#[tokio::test]
async fn logins_abandoned_after_hashing_started_are_still_counted() {
    let slow = auth::password::HashParams {
        memory_kib: 16 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    let h = Arc::new(
        Setup::default()
            .passwords(PasswordConfig::default().params(slow).max_concurrency(8))
            .throttle(ThrottleConfig::default())
            .build()
            .await,
    );
    let client = [198, 51, 100, 7];
    for _ in 0..6 {
        let login = tokio::spawn({
            let h = h.clone();
            async move { h.send(login_from("alice", PASSWORD, client)).await }
        });
        // On this single-threaded runtime the login now runs until its hash is on a
        // hashing thread, holding one of the 8 permits; then its client hangs up.
        tokio::task::yield_now().await;
        login.abort();
        assert!(login.await.is_err_and(|err| err.is_cancelled()));
    }
    let reply = h.send(login_from("alice", PASSWORD, client)).await;
    assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    assert!(reply.retry_after() >= 1);
    // Elsewhere, the user logs in.
    assert_token_response(&h.send(login_from("alice", PASSWORD, [192, 0, 2, 1])).await);
}

/// L21 (LG-05): an attacker who fails on an account from 22 addresses in 22 networks, then
/// once more each time the block ends, keeps the account blocked for those networks, but
/// not for the user: the right password from a network that never failed gets through
/// within `new_network_interval` (30 s), and from then on the pair is trusted.
#[tokio::test]
async fn failing_from_many_networks_does_not_lock_the_user_out() {
    let h = Setup::default()
        .throttle(ThrottleConfig::default())
        .build()
        .await;
    for i in 0..22 {
        let _ = h.send(login_from("alice", "guess", [10, i, 0, 1])).await;
    }
    let victim = [192, 0, 2, 44];
    let mut waited = 0;
    let reply = loop {
        let reply = h.send(login_from("alice", PASSWORD, victim)).await;
        if reply.status != StatusCode::TOO_MANY_REQUESTS {
            break reply;
        }
        let wait = reply.retry_after();
        assert!(
            wait <= 30,
            "the user waits at most the new-network interval: {wait}"
        );
        waited += wait;
        assert!(waited <= 60, "locked out");
        h.clock.advance(Duration::from_secs(wait));
        // The attacker, as soon as the block ends, fails once more from a network it used.
        let _ = h.send(login_from("alice", "guess", [10, 0, 0, 1])).await;
        let _ = h.send(login_from("alice", "guess", [10, 1, 0, 9])).await;
    };
    assert_token_response(&reply);
    // The attacking networks stay blocked while the attack goes on.
    let reply = h.send(login_from("alice", PASSWORD, [10, 2, 0, 200])).await;
    assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    // The user's network is trusted now: no wait, whatever the attacker does.
    let _ = h.send(login_from("alice", "guess", [10, 3, 0, 1])).await;
    assert_token_response(&h.send(login_from("alice", PASSWORD, victim)).await);
}

/// L22 (LG-05): guessing one account from one network is throttled whichever of the
/// network's addresses are used: after the account's 20 free failures, the network's next
/// attempt is 429 even with the right password; other networks are not blocked with it.
#[tokio::test]
async fn guessing_from_one_network_is_still_throttled() {
    let h = Setup::default()
        .throttle(ThrottleConfig::default())
        .build()
        .await;
    for i in 0..20 {
        assert_invalid_grant(&h.send(login_from("alice", "guess", [203, 0, 113, i])).await);
    }
    for i in 20..40 {
        let reply = h.send(login_from("alice", "guess", [203, 0, 113, i])).await;
        if i > 20 {
            assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
        }
    }
    let reply = h
        .send(login_from("alice", PASSWORD, [203, 0, 113, 250]))
        .await;
    assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    assert_token_response(&h.send(login_from("alice", PASSWORD, [192, 0, 2, 1])).await);
}

/// L23 (LG-09): successful logins of one account have a rate: a burst of 10, then one every
/// 6 s, answered 429 `slow_down` with `Retry-After`, from any address.
#[tokio::test]
async fn successful_logins_are_rate_limited_per_account() {
    let h = Setup::default()
        .throttle(ThrottleConfig::default())
        .build()
        .await;
    for i in 0..10 {
        assert_token_response(&h.send(login_from("alice", PASSWORD, [192, 0, 2, i])).await);
    }
    let reply = h
        .send(login_from("alice", PASSWORD, [198, 51, 100, 1]))
        .await;
    assert_oauth_error(&reply, StatusCode::TOO_MANY_REQUESTS, "slow_down");
    // 6, or 5 if the clock's second turned during the test.
    assert!(
        (5..=6).contains(&reply.retry_after()),
        "{}",
        reply.retry_after()
    );
    // Other accounts are not affected, and the bucket refills.
    assert_token_response(&h.send(login_from("bob", PASSWORD, [192, 0, 2, 1])).await);
    h.clock.advance(Duration::from_secs(6));
    assert_token_response(&h.send(login_from("alice", PASSWORD, [192, 0, 2, 1])).await);
    // A wrong password is still `invalid_grant`: the rate says nothing about a guess.
    assert_invalid_grant(&h.send(login_from("alice", "guess", [192, 0, 2, 2])).await);
}

/// The request as if it came from `peer` (its `ConnectInfo`) with `X-Forwarded-For` values.
fn via(peer: [u8; 4], forwarded_for: &[&str], request: Request<Body>) -> Request<Body> {
    let mut request = from_address(request, peer);
    for value in forwarded_for {
        request
            .headers_mut()
            .append("x-forwarded-for", value.parse().unwrap());
    }
    request
}

const PROXY: [u8; 4] = [10, 0, 0, 1];

fn behind_proxies(setup: Setup) -> Setup {
    setup
        .throttle(ThrottleConfig::default())
        .configure(|builder| {
            builder.trusted_proxies(ForwardedHeader::XForwardedFor, ["10.0.0.0/24", "fd00::/8"])
        })
}

/// L24 (LG-10): a client that is not a trusted proxy cannot choose its address: its
/// `X-Forwarded-For` is ignored, so six failures under six spoofed addresses are six failures
/// of its own address, and the seventh attempt is 429, spoofed or not.
#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let h = behind_proxies(Setup::default()).build().await;
    let attacker = [203, 0, 113, 9];
    for i in 0..6 {
        let spoofed = format!("198.51.100.{i}");
        let request = via(
            attacker,
            &[&spoofed],
            form("/token", &login_body("alice", "guess")),
        );
        assert_invalid_grant(&h.send(request).await);
    }
    for spoofed in [&["192.0.2.1"][..], &["10.0.0.2"], &[]] {
        let request = via(
            attacker,
            spoofed,
            form("/token", &login_body("alice", PASSWORD)),
        );
        assert_oauth_error(
            &h.send(request).await,
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
        );
    }
}

/// L25 (LG-10): behind trusted proxies, the first untrusted hop from the right is the
/// client: one client's failures throttle that client, through any chain of trusted proxies
/// and whatever it prepends to the header, and not the other clients of the same proxy.
#[tokio::test]
async fn a_chain_of_trusted_proxies_yields_the_client() {
    let h = behind_proxies(Setup::default()).build().await;
    for i in 0..6 {
        // The client prepends a new fake address each time; the proxies append the real one.
        let fake = format!("198.51.100.{i}");
        let request = via(
            PROXY,
            &[&format!("{fake}, 192.0.2.7"), "10.0.0.2"],
            form("/token", &login_body("alice", "guess")),
        );
        assert_invalid_grant(&h.send(request).await);
    }
    for chain in [
        &["192.0.2.7"][..],
        &["192.0.2.7, 10.0.0.3, 10.0.0.2"],
        &["203.0.113.1, 192.0.2.7", "10.0.0.2"],
        &["192.0.2.7:50123, [fd00::1]:443"],
    ] {
        let request = via(PROXY, chain, form("/token", &login_body("alice", PASSWORD)));
        assert_oauth_error(
            &h.send(request).await,
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
        );
    }
    // Another client of the same proxies logs in.
    let request = via(
        PROXY,
        &["192.0.2.8, 10.0.0.2"],
        form("/token", &login_body("alice", PASSWORD)),
    );
    assert_token_response(&h.send(request).await);
}

/// L26 (LG-10): a header a trusted proxy passes on that cannot be read (garbage, `unknown`,
/// an empty hop) attributes the request to the last trusted hop, never to an address the
/// client chose and never to no address: such requests share the proxy's throttle.
#[tokio::test]
async fn malformed_forwarding_headers_fall_back_to_the_last_trusted_hop() {
    let h = behind_proxies(Setup::default()).build().await;
    // One more than the 5 free failures of an (account, address) pair.
    for value in [
        "not an address",
        "unknown",
        "192.0.2.7,",
        "_hidden",
        "192.0.2.7, 10.0.0.2:x",
        "[192.0.2.7]",
    ] {
        let request = via(PROXY, &[value], form("/token", &login_body("bob", "guess")));
        assert_invalid_grant(&h.send(request).await);
    }
    // All of those were the proxy's own (account, address) pair ...
    let request = via(
        PROXY,
        &["garbage"],
        form("/token", &login_body("bob", PASSWORD)),
    );
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::TOO_MANY_REQUESTS,
        "slow_down",
    );
    let request = via(PROXY, &[], form("/token", &login_body("bob", PASSWORD)));
    assert_oauth_error(
        &h.send(request).await,
        StatusCode::TOO_MANY_REQUESTS,
        "slow_down",
    );
    // ... and a well-formed client of the proxy is its own.
    let request = via(
        PROXY,
        &["192.0.2.7"],
        form("/token", &login_body("bob", PASSWORD)),
    );
    assert_token_response(&h.send(request).await);
}

/// L27 (LG-10): building the endpoints logs, once, which client-address mode is in force,
/// under the target `auth`; an entry that is not an address or a CIDR range, or both ways of
/// finding the address at once, is a configuration error.
#[tokio::test]
async fn the_client_address_mode_is_logged_at_start_up() {
    let captured = CapturedLog::default();
    let _guard = tracing::subscriber::set_default(captured.subscriber(tracing::Level::INFO));
    let _h = behind_proxies(Setup::default()).build().await;
    let _plain = Setup::default().build().await;
    let logs = captured.text();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(" auth: ")).collect();
    assert_eq!(lines.len(), 2, "{logs}");
    assert!(
        lines[0].contains("mode=\"trusted_proxies\"")
            && lines[0].contains("header=X-Forwarded-For")
            && lines[0].contains("proxies=10.0.0.0/24, fd00::/8"),
        "{logs}"
    );
    assert!(lines[1].contains("mode=\"peer\""), "{logs}");

    let builder = || Endpoints::builder(common::authenticator(), Users::default());
    for bad in ["10.0.0.1/24", "10.0.0.0/33", "proxy.internal", ""] {
        let err = builder()
            .trusted_proxies(ForwardedHeader::Forwarded, ["127.0.0.1", bad])
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, EndpointsError::TrustedProxy(entry) if entry == bad),
            "{err}"
        );
    }
    let err = builder()
        .client_address(|_| None)
        .trusted_proxies(ForwardedHeader::XForwardedFor, ["127.0.0.1"])
        .build()
        .unwrap_err();
    assert!(matches!(err, EndpointsError::ClientAddress), "{err}");
}
