//! End to end: the demo server signing with `AUTH_SIGNING_ALG` = EdDSA, ES256 and RS256. Its
//! tokens verify through the JWKS it publishes with an independent verifier (`jsonwebtoken`
//! alone, the algorithm pinned by the verifier), a generated key is kept owner-only and
//! reused after a restart, and a bad key stops it at start-up.

mod support_server;

use std::path::Path;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};
use support_server::{PASSWORD, SECRET, Server, login};

const JWKS: &str = "/.well-known/jwks.json";

fn database(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("demo.db").display())
}

fn start(dir: &Path, extra: &[(&str, &str)]) -> Server {
    let database = database(dir);
    let mut env = vec![
        ("DATABASE_URL", database.as_str()),
        ("DEMO_PASSWORD", PASSWORD),
    ];
    env.extend_from_slice(extra);
    Server::start(&env)
}

/// The published key set, with its raw JSON.
fn jwks(server: &Server) -> (JwkSet, Value) {
    let reply = server.get(JWKS, None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("public, max-age=300"));
    (serde_json::from_slice(&reply.body).unwrap(), reply.json())
}

/// What another service does with the demo's JWKS: the key named by the token's `kid`, the
/// algorithm it expects (never the token's say), the demo's issuer and audience.
fn verify(jwks: &JwkSet, token: &str, alg: Algorithm) -> Result<Value, String> {
    let header = decode_header(token).map_err(|err| err.to_string())?;
    let kid = header.kid.ok_or("no kid")?;
    let jwk = jwks.find(&kid).ok_or("a kid the JWKS does not have")?;
    let key = DecodingKey::from_jwk(jwk).map_err(|err| err.to_string())?;
    let mut validation = Validation::new(alg);
    validation.set_issuer(&["auth-demo"]);
    validation.set_audience(&["auth-demo-api"]);
    decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|err| err.to_string())
}

/// The server's token for `username` verifies through the JWKS, and only as it should.
fn tokens_verify_through_the_published_jwks(name: &str, alg: Algorithm, kty: &str) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &[("AUTH_SIGNING_ALG", name)]);
    let (set, raw) = jwks(&server);
    assert_eq!(set.keys.len(), 1, "{raw}");
    let published = &raw["keys"][0];
    assert_eq!(published["alg"], name);
    assert_eq!(published["kty"], kty);
    assert_eq!(published["use"], "sig");
    // The public half only: no private member of any key type (RFC 7518 §6).
    for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        assert!(
            published.get(private).is_none(),
            "{private} published: {raw}"
        );
    }

    let (access, _) = login(&server, "editor", PASSWORD);
    let header = decode_header(&access).unwrap();
    assert_eq!(header.alg, alg);
    assert_eq!(header.kid.as_deref(), published["kid"].as_str());
    let claims = verify(&set, &access, alg).unwrap();
    assert_eq!(claims["sub"], "editor");
    assert_eq!(claims["roles"], json!(["editor"]));
    assert_eq!(server.get("/me", Some(&access)).status, 200);

    // The verifier is not a rubber stamp: a changed signature, or another algorithm, fails.
    let (rest, signature) = access.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{rest}.{flipped}{}", &signature[1..]);
    assert!(verify(&set, &forged, alg).is_err());
    let other = if alg == Algorithm::ES256 {
        Algorithm::EdDSA
    } else {
        Algorithm::ES256
    };
    assert!(verify(&set, &access, other).is_err());
}

#[test]
fn eddsa_tokens_verify_through_the_published_jwks() {
    tokens_verify_through_the_published_jwks("EdDSA", Algorithm::EdDSA, "OKP");
}

#[test]
fn es256_tokens_verify_through_the_published_jwks() {
    tokens_verify_through_the_published_jwks("ES256", Algorithm::ES256, "EC");
}

#[test]
fn rs256_tokens_verify_through_the_published_jwks() {
    tokens_verify_through_the_published_jwks("RS256", Algorithm::RS256, "RSA");
}

#[test]
fn a_generated_key_is_kept_owner_only_and_reused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("AUTH_SIGNING_ALG", "EdDSA")];
    let mut server = start(dir.path(), &env);
    let key_file = dir.path().join("demo.db.eddsa-key.pem");
    let pem = std::fs::read_to_string(&key_file).expect("the key is kept next to the database");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let (first_set, first) = jwks(&server);
    let (access, refresh) = login(&server, "viewer", PASSWORD);
    assert_eq!(server.stop().code(), Some(0));
    let logs = server.output();
    assert!(logs.contains("signing key generated"), "{logs}");

    let server = start(dir.path(), &env);
    let (set, second) = jwks(&server);
    assert_eq!(second["keys"][0]["kid"], first["keys"][0]["kid"]);
    assert_eq!(second, first);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), pem);
    // A token from before the restart verifies, at the server and through the JWKS.
    assert_eq!(server.get("/me", Some(&access)).status, 200);
    assert_eq!(
        verify(&set, &access, Algorithm::EdDSA).unwrap()["sub"],
        "viewer"
    );
    assert!(verify(&first_set, &access, Algorithm::EdDSA).is_ok());
    let reply = server.post_form("/refresh", &format!("refresh_token={refresh}"), None);
    assert_eq!(reply.status, 200);

    let logs = format!("{logs}{}", server.output());
    assert!(server.output().contains("signing key read"), "{logs}");
    assert!(!server.output().contains("signing key generated"), "{logs}");
    // The key never reaches the logs, not one line of it.
    for line in pem.lines().filter(|line| !line.starts_with("-----")) {
        assert!(!logs.contains(line), "key material in the logs");
    }
}

#[test]
fn a_configured_key_file_signs_and_nothing_is_generated() {
    let dir = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys/p256.pem"),
    )
    .unwrap();
    let key_file = dir.path().join("signing.pem");
    std::fs::write(&key_file, &pem).unwrap();
    let path = key_file.display().to_string();
    let server = start(
        dir.path(),
        &[
            ("AUTH_SIGNING_ALG", "ES256"),
            ("AUTH_SIGNING_KEY_FILE", &path),
        ],
    );
    // The published kid is the RFC 7638 thumbprint of the file's public key.
    let expected = auth::keys::SigningKey::from_pem(auth::keys::Algorithm::ES256, &pem).unwrap();
    let (set, raw) = jwks(&server);
    assert_eq!(raw["keys"][0]["kid"], expected.kid());
    let (access, _) = login(&server, "admin", PASSWORD);
    assert_eq!(
        verify(&set, &access, Algorithm::ES256).unwrap()["sub"],
        "admin"
    );
    let generated: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with("-key.pem"))
        .collect();
    assert!(generated.is_empty(), "{generated:?}");
}

#[test]
fn an_hs256_server_publishes_no_jwks() {
    let dir = tempfile::tempdir().unwrap();
    for env in [
        &[("AUTH_JWT_SECRET", SECRET)][..],
        &[("AUTH_JWT_SECRET", SECRET), ("AUTH_SIGNING_ALG", "HS256")],
    ] {
        let server = start(dir.path(), env);
        assert_eq!(server.get(JWKS, None).status, 404);
        let (access, _) = login(&server, "viewer", PASSWORD);
        assert_eq!(decode_header(&access).unwrap().alg, Algorithm::HS256);
    }
}

#[test]
fn a_bad_signing_configuration_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/keys")
            .join(name)
    };
    let ed25519 = std::fs::read_to_string(fixture("ed25519.pem")).unwrap();
    let ed25519_file = fixture("ed25519.pem").display().to_string();
    let public_file = fixture("p256.pub.pem").display().to_string();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let garbage = garbage.display().to_string();
    let missing = dir.path().join("missing.pem").display().to_string();
    let database = database(dir.path());

    for (env, expected) in [
        (
            vec![("AUTH_SIGNING_ALG", "HS512")],
            "AUTH_SIGNING_ALG must be one of HS256, EdDSA, ES256, RS256".to_owned(),
        ),
        (
            vec![
                ("AUTH_SIGNING_ALG", "ES256"),
                ("AUTH_SIGNING_KEY_FILE", &ed25519_file),
            ],
            format!(
                "AUTH_SIGNING_KEY_FILE {ed25519_file} holds an Ed25519 (EdDSA) key, but \
                 AUTH_SIGNING_ALG is ES256"
            ),
        ),
        (
            vec![
                ("AUTH_SIGNING_ALG", "ES256"),
                ("AUTH_SIGNING_KEY_FILE", &public_file),
            ],
            format!("AUTH_SIGNING_KEY_FILE {public_file} holds a public key or a certificate"),
        ),
        (
            vec![
                ("AUTH_SIGNING_ALG", "EdDSA"),
                ("AUTH_SIGNING_KEY_FILE", &garbage),
            ],
            format!("AUTH_SIGNING_KEY_FILE {garbage} is not a valid EdDSA private key"),
        ),
        (
            vec![
                ("AUTH_SIGNING_ALG", "RS256"),
                ("AUTH_SIGNING_KEY_FILE", &missing),
            ],
            format!("AUTH_SIGNING_KEY_FILE: cannot read {missing}: "),
        ),
        (
            vec![("AUTH_SIGNING_KEY_FILE", &ed25519_file)],
            "AUTH_SIGNING_KEY_FILE holds the private key of EdDSA, ES256 or RS256".to_owned(),
        ),
    ] {
        let mut env = env;
        env.push(("DATABASE_URL", &database));
        let output = support_server::run_to_exit(&env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error: {expected}")),
            "{env:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        for line in ed25519.lines().filter(|line| !line.starts_with("-----")) {
            assert!(!stderr.contains(line), "key material in the message");
        }
        // The key is checked before the database is created.
        assert!(!dir.path().join("demo.db").exists(), "{env:?}");
    }
}
