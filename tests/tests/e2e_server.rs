//! End to end: the real demo server binary on a loopback port, driven over HTTP through the
//! README walkthrough, restarted on the same database, and run twice against one Redis. The
//! walkthrough, the restart and the service client run on SQLite and again on PostgreSQL
//! (a database of its own on the server of `AUTH_TEST_POSTGRES_URL`, which `scripts/test`
//! starts; without it those tests say SKIPPED, and under `CI=true` they fail).

mod common;
mod support_endpoints;
mod support_postgres;
mod support_server;

use serde_json::json;
use support_endpoints::RedisServer;
use support_postgres::TestDatabase;
use support_server::{PASSWORD, SECRET, Server, login, login_form};

fn database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("demo.db").display())
}

fn env(database: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", database.to_owned()),
        ("AUTH_JWT_SECRET", SECRET.to_owned()),
        ("DEMO_PASSWORD", PASSWORD.to_owned()),
    ]
}

fn start(env: &[(&'static str, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start(&env)
}

#[test]
fn the_readme_walkthrough_works_over_http() {
    let dir = tempfile::tempdir().unwrap();
    readme_walkthrough(&database(&dir));
}

#[test]
fn the_readme_walkthrough_works_over_http_on_postgres() {
    let Some(db) =
        TestDatabase::create_blocking("the_readme_walkthrough_works_over_http_on_postgres")
    else {
        return;
    };
    readme_walkthrough(&db.url);
}

#[allow(clippy::too_many_lines)] // the README's walkthrough, step by step, in its order
fn readme_walkthrough(database: &str) {
    let mut server = start(&env(database));

    // Public routes.
    assert_eq!(server.get("/health", None).json(), json!({"status": "ok"}));
    assert_eq!(server.get("/posts", None).json(), json!([]));

    // No token: 401 with a bare challenge.
    let reply = server.get("/me", None);
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer realm="api""#)
    );

    // Log in as viewer (form, as OAuth2 clients send it) and as admin (JSON).
    let reply = server.post_form("/token", &login_form("viewer", PASSWORD), None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let (viewer_access, viewer_refresh) = (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    );
    let reply = server.post_json(
        "/token",
        &json!({"username": "admin", "password": PASSWORD}),
        None,
    );
    assert_eq!(reply.status, 200);
    let admin_access = reply.json()["access_token"].as_str().unwrap().to_owned();

    // Wrong password and unknown user: the same 400 invalid_grant.
    let wrong = server.post_form("/token", &login_form("viewer", "not the password"), None);
    let unknown = server.post_form("/token", &login_form("nobody", "not the password"), None);
    assert_eq!((wrong.status, unknown.status), (400, 400));
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.error(), "invalid_grant");

    // /me returns the token's claims.
    let me = server.get("/me", Some(&viewer_access)).json();
    assert_eq!(me["sub"], "viewer");
    assert_eq!(me["roles"], json!(["viewer"]));

    // A viewer is not an admin: 403 insufficient_scope; the admin gets the stats.
    let reply = server.get("/admin/stats", Some(&viewer_access));
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
    let stats = server.get("/admin/stats", Some(&admin_access));
    assert_eq!(stats.status, 200);
    assert_eq!(stats.json()["users"], 3);

    // Posts: editors and admins write, a viewer cannot, everyone reads.
    let post = json!({"title": "Hello", "body": "First post"});
    assert_eq!(
        server
            .post_json("/posts", &post, Some(&viewer_access))
            .status,
        403
    );
    assert_eq!(server.post_json("/posts", &post, None).status, 401);
    let (editor_access, _) = login(&server, "editor", PASSWORD);
    let created = server.post_json("/posts", &post, Some(&editor_access));
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let created = created.json();
    assert_eq!(
        (created["title"].clone(), created["author"].clone()),
        (json!("Hello"), json!("editor"))
    );
    let invalid = server.post_json("/posts", &json!({"title": ""}), Some(&editor_access));
    assert_eq!(
        (invalid.status, invalid.error().as_str()),
        (400, "invalid_request")
    );
    let listed = server.get("/posts", None).json();
    assert_eq!(listed[0]["id"], created["id"]);

    // Refresh: a new pair; the old refresh token is spent.
    let reply = server.post_form("/refresh", &format!("refresh_token={viewer_refresh}"), None);
    assert_eq!(reply.status, 200);
    let rotated = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, viewer_refresh);

    // Reusing the old one revokes the whole family: the rotated token dies too.
    let reuse = server.post_form("/refresh", &format!("refresh_token={viewer_refresh}"), None);
    assert_eq!(
        (reuse.status, reuse.error().as_str()),
        (400, "invalid_grant")
    );
    let after = server.post_json("/refresh", &json!({"refresh_token": rotated}), None);
    assert_eq!(
        (after.status, after.error().as_str()),
        (400, "invalid_grant")
    );

    // Logout: the refresh token and the access token stop working.
    let (access, refresh) = login(&server, "viewer", PASSWORD);
    assert_eq!(server.get("/me", Some(&access)).status, 200);
    let reply = server.post_form(
        "/logout",
        &format!("refresh_token={refresh}"),
        Some(&access),
    );
    assert_eq!(reply.status, 204);
    let reply = server.get("/me", Some(&access));
    assert_eq!(reply.status, 401);
    assert!(
        reply
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={refresh}"), None)
            .status,
        400
    );

    // Logout with the access token alone: its session ends, refresh token included.
    let (alone, alone_refresh) = login(&server, "viewer", PASSWORD);
    assert_eq!(server.post_form("/logout", "", Some(&alone)).status, 204);
    assert_eq!(server.get("/me", Some(&alone)).status, 401);
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={alone_refresh}"), None)
            .status,
        400
    );

    // The logs say what happened without leaking a credential.
    assert_eq!(server.stop().code(), Some(0), "graceful shutdown");
    let logs = server.output();
    assert!(
        logs.contains("status=403") && logs.contains("insufficient_role"),
        "{logs}"
    );
    for secret in [
        PASSWORD,
        SECRET,
        &viewer_access,
        &viewer_refresh,
        &access,
        &refresh,
        &alone,
        &alone_refresh,
    ] {
        assert!(!logs.contains(secret), "a credential reached the logs");
    }
}

/// The secret's text is the key, as other JWT libraries take a secret string: a service
/// that shares `AUTH_JWT_SECRET` verifies the demo's tokens without decoding anything.
#[test]
fn the_secret_text_is_the_key_other_services_share() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&env(&database(&dir)));
    let (access, _) = login(&server, "viewer", PASSWORD);
    let peer = auth::Authenticator::builder()
        .signing_key(auth::keys::SigningKey::hs256(SECRET.as_bytes()).unwrap())
        .issuer("auth-demo")
        .audience("auth-demo-api")
        .build()
        .unwrap();
    let token = peer.verify_without_revocation(&access).unwrap();
    assert_eq!(token.subject(), "viewer");
}

#[test]
fn state_survives_a_restart_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    state_survives_a_restart(&database(&dir));
}

#[test]
fn state_survives_a_restart_on_the_same_postgres_database() {
    let Some(db) =
        TestDatabase::create_blocking("state_survives_a_restart_on_the_same_postgres_database")
    else {
        return;
    };
    state_survives_a_restart(&db.url);
}

/// Refresh tokens and revocations in Redis (users and posts in SQLite): a restarted server
/// finds them there.
#[test]
fn state_survives_a_restart_with_redis() {
    let Some(redis) = RedisServer::start("state_survives_a_restart_with_redis") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(&database(&dir));
    env.push(("REDIS_URL", redis.url.clone()));
    state_survives_a_restart_with(&env);
}

fn state_survives_a_restart(database: &str) {
    state_survives_a_restart_with(&env(database));
}

fn state_survives_a_restart_with(env: &[(&'static str, String)]) {
    let mut server = start(env);
    let (editor, kept) = login(&server, "editor", PASSWORD);
    let post = json!({"title": "Before the restart", "body": "kept"});
    assert_eq!(server.post_json("/posts", &post, Some(&editor)).status, 201);
    let (access, revoked) = login(&server, "viewer", PASSWORD);
    assert_eq!(
        server
            .post_form(
                "/logout",
                &format!("refresh_token={revoked}"),
                Some(&access)
            )
            .status,
        204
    );
    let (_, spent) = login(&server, "admin", PASSWORD);
    let rotated = server
        .post_form("/refresh", &format!("refresh_token={spent}"), None)
        .json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(server.stop().code(), Some(0));

    let server = start(env);
    // Users persist and are not seeded twice.
    let (admin, _) = login(&server, "admin", PASSWORD);
    assert_eq!(server.get("/admin/stats", Some(&admin)).json()["users"], 3);
    // So do posts.
    assert_eq!(
        server.get("/posts", None).json()[0]["title"],
        "Before the restart"
    );
    // A refresh token issued before the restart works, once.
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={kept}"), None)
            .status,
        200
    );
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={kept}"), None)
            .status,
        400
    );
    // A revoked one stays revoked, and so does its access token.
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={revoked}"), None)
            .status,
        400
    );
    assert_eq!(server.get("/me", Some(&access)).status, 401);
    // A rotated family continues where it was.
    assert_eq!(
        server
            .post_form("/refresh", &format!("refresh_token={rotated}"), None)
            .status,
        200
    );
}

#[test]
fn two_instances_share_refresh_and_revocation_state_through_redis() {
    let Some(redis) =
        RedisServer::start("two_instances_share_refresh_and_revocation_state_through_redis")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(&database(&dir));
    env.push(("REDIS_URL", redis.url.clone()));
    let a = start(&env);
    let b = start(&env);

    // Rotated on A, the old token is spent on B too; reuse on B kills the family on A.
    let (_, first) = login(&a, "viewer", PASSWORD);
    let reply = b.post_form("/refresh", &format!("refresh_token={first}"), None);
    assert_eq!(reply.status, 200);
    let second = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        a.post_form("/refresh", &format!("refresh_token={first}"), None)
            .status,
        400
    );
    assert_eq!(
        b.post_form("/refresh", &format!("refresh_token={second}"), None)
            .status,
        400
    );

    // Logout on B is honoured by A.
    let (access, refresh) = login(&a, "editor", PASSWORD);
    assert_eq!(a.get("/me", Some(&access)).status, 200);
    assert_eq!(
        b.post_form(
            "/logout",
            &format!("refresh_token={refresh}"),
            Some(&access)
        )
        .status,
        204
    );
    // A learns of it through its denylist replica, within the staleness bound.
    let started = std::time::Instant::now();
    while a.get("/me", Some(&access)).status == 200 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert_eq!(a.get("/me", Some(&access)).status, 401);
    assert_eq!(
        a.post_form("/refresh", &format!("refresh_token={refresh}"), None)
            .status,
        400
    );
}

#[test]
fn add_user_reads_the_password_from_stdin() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let database = database(&dir);
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(support_server::server_binary())
            .args(args)
            .env("DATABASE_URL", &database)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let added = run(
        &["add-user", "alice", "--role", "editor"],
        "alice-password-42\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let bad_role = run(
        &["add-user", "bob", "--role", "superuser"],
        "bob-password-42\n",
    );
    assert_eq!(bad_role.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad_role.stderr);
    assert!(message.contains("admin, editor, viewer"), "{message}");
    let short = run(&["add-user", "carol", "--role", "viewer"], "short\n");
    assert_eq!(short.status.code(), Some(2));
    let again = run(
        &["add-user", "alice", "--role", "viewer"],
        "alice-password-43\n",
    );
    assert_eq!(again.status.code(), Some(2));

    let mut env = env(&database);
    env.retain(|(k, _)| *k != "DEMO_PASSWORD");
    let server = start(&env);
    let (access, _) = login(&server, "alice", "alice-password-42");
    assert_eq!(
        server.get("/me", Some(&access)).json()["roles"],
        json!(["editor"])
    );
    // alice existed, so the first start seeded nobody and printed no password.
    assert!(
        !server.output().contains("seeded users"),
        "{}",
        server.output()
    );
}

#[test]
fn an_unset_secret_and_password_are_generated_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&[("DATABASE_URL", database(&dir))]);
    let output = server.output();
    assert!(output.contains("AUTH_JWT_SECRET is not set"), "{output}");
    let password = output
        .lines()
        .find_map(|line| {
            line.strip_prefix("seeded users admin, editor and viewer with the password: ")
        })
        .expect("the generated password is printed once")
        .trim()
        .to_owned();
    let (access, _) = login(&server, "admin", &password);
    assert_eq!(server.get("/admin/stats", Some(&access)).status, 200);
}

#[test]
fn a_bad_configuration_stops_the_server_with_a_clear_message() {
    let output = std::process::Command::new(support_server::server_binary())
        .env("AUTH_JWT_SECRET", "too-short")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(
            "AUTH_JWT_SECRET must be at least 32 bytes of random text, not a typed passphrase; \
             generate one with `openssl rand -base64 32`"
        ),
        "{message}"
    );
    assert!(!message.contains("too-short"), "{message}");
}

#[test]
fn the_openapi_document_shows_what_the_guard_attributes_require() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&env(&database(&dir)));
    let reply = server.get("/openapi.json", None);
    assert_eq!(reply.status, 200);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");

    // The scheme the requirements name, defined once.
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http");
    assert_eq!(bearer["scheme"], "bearer");
    assert_eq!(bearer["bearerFormat"], "JWT");
    // Beside it, the password flow of the token endpoint (Swagger UI's Authorize), which
    // pairs every `bearer` requirement with the same scopes.
    let oauth2 = &doc["components"]["securitySchemes"]["oauth2"];
    assert_eq!(oauth2["type"], "oauth2");
    assert_eq!(oauth2["flows"]["password"]["tokenUrl"], "/token");

    // `#[protected]`: any token; 401 documented, no 403.
    let me = &doc["paths"]["/me"]["get"];
    assert_eq!(me["security"], json!([{"bearer": []}, {"oauth2": []}]));
    assert!(me["responses"]["401"].is_object(), "{me}");
    assert!(me["responses"].get("403").is_none(), "{me}");

    // `#[requires_role("admin")]` and `any("editor", "admin")`: the roles, 401 and 403.
    let stats = &doc["paths"]["/admin/stats"]["get"];
    assert_eq!(
        stats["security"],
        json!([{"bearer": ["admin"]}, {"oauth2": ["admin"]}])
    );
    let create = &doc["paths"]["/posts"]["post"];
    assert_eq!(
        create["security"],
        json!([
            {"bearer": ["editor"]},
            {"bearer": ["admin"]},
            {"oauth2": ["editor"]},
            {"oauth2": ["admin"]}
        ])
    );
    for operation in [stats, create] {
        for status in ["401", "403"] {
            let response = &operation["responses"][status];
            assert!(
                response["headers"]["WWW-Authenticate"].is_object(),
                "{status}: {operation}"
            );
        }
    }
    // Written in the attribute, kept.
    assert!(create["responses"]["201"].is_object());
    assert!(create["responses"]["400"].is_object());

    // `#[requires_role("admin", fresh)]`: documented like any admin route.
    let delete = &doc["paths"]["/posts/{id}"]["delete"];
    assert_eq!(
        delete["security"],
        json!([{"bearer": ["admin"]}, {"oauth2": ["admin"]}])
    );
    assert!(delete["responses"]["403"].is_object(), "{delete}");

    // Public routes carry no requirement.
    for (path, method) in [("/health", "get"), ("/posts", "get")] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{path}");
        assert!(operation.get("security").is_none(), "{path}: {operation}");
    }

    // What the document says is what the server does.
    let (viewer, _) = login(&server, "viewer", PASSWORD);
    assert_eq!(server.get("/me", Some(&viewer)).status, 200);
    assert_eq!(server.get("/admin/stats", Some(&viewer)).status, 403);
    assert_eq!(server.get("/admin/stats", None).status, 401);
}

#[test]
fn deleting_a_post_needs_an_admin_token_from_a_password_login() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&env(&database(&dir)));
    let (admin, admin_refresh) = login(&server, "admin", PASSWORD);
    let (editor, _) = login(&server, "editor", PASSWORD);
    let post = json!({"title": "To delete", "body": "soon gone"});
    let created = server.post_json("/posts", &post, Some(&editor));
    assert_eq!(created.status, 201);
    let path = format!("/posts/{}", created.json()["id"]);
    let delete = |token: Option<&str>| {
        let bearer = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        server.request("DELETE", &path, &headers, None)
    };

    assert_eq!(delete(None).status, 401);
    // An editor: the role is missing.
    let reply = delete(Some(&editor));
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope""#)
    );
    // An admin whose token comes from a refresh: not fresh.
    let refreshed = server.post_form("/refresh", &format!("refresh_token={admin_refresh}"), None);
    assert_eq!(refreshed.status, 200);
    let stale = refreshed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = delete(Some(&stale));
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token", error_description="A fresh login is required""#)
    );
    assert_eq!(
        server.get("/posts", None).json().as_array().unwrap().len(),
        1
    );
    // The admin's token from the password login: deleted, then gone.
    assert_eq!(delete(Some(&admin)).status, 204);
    assert_eq!(delete(Some(&admin)).status, 404);
    assert_eq!(server.get("/posts", None).json(), json!([]));
}

/// The demo's service client (printed at the first start) gets a `reports:read` token with
/// `client_credentials`; `/reports` takes that permission, which editors and admins have
/// through their roles and viewers do not.
#[test]
fn the_service_client_and_the_permission_route() {
    let dir = tempfile::tempdir().unwrap();
    service_client_and_permission_route(&database(&dir));
}

#[test]
fn the_service_client_and_the_permission_route_on_postgres() {
    let Some(db) =
        TestDatabase::create_blocking("the_service_client_and_the_permission_route_on_postgres")
    else {
        return;
    };
    service_client_and_permission_route(&db.url);
}

fn service_client_and_permission_route(database: &str) {
    use base64::Engine as _;

    let server = start(&env(database));
    let output = server.output();
    let secret = output
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                "seeded the service client reports-exporter (scope reports:read) with the secret: ",
            )
        })
        .expect("the generated client secret is printed once")
        .trim()
        .to_owned();
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let token_request = |authorization: &str, body: &str| {
        let mut headers = form.to_vec();
        headers.push(("Authorization", authorization));
        server.request("POST", "/token", &headers, Some(body.as_bytes()))
    };

    let reply = token_request(
        &basic("reports-exporter", &secret),
        "grant_type=client_credentials",
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = reply.json();
    assert_eq!(body["scope"], "reports:read");
    assert!(body.get("refresh_token").is_none());
    let service = body["access_token"].as_str().unwrap().to_owned();
    let report = server.get("/reports", Some(&service));
    assert_eq!(report.status, 200);
    assert_eq!(report.json()["for"], "reports-exporter");
    // The client's token is no user's: role routes refuse it.
    assert_eq!(server.get("/admin/stats", Some(&service)).status, 403);

    let wrong = token_request(
        &basic("reports-exporter", "not-the-secret"),
        "grant_type=client_credentials",
    );
    assert_eq!(
        (wrong.status, wrong.error().as_str()),
        (401, "invalid_client")
    );
    assert_eq!(
        wrong.header("www-authenticate"),
        Some(r#"Basic realm="api""#)
    );
    let widened = token_request(
        &basic("reports-exporter", &secret),
        "grant_type=client_credentials&scope=posts%3Adelete",
    );
    assert_eq!(
        (widened.status, widened.error().as_str()),
        (400, "invalid_scope")
    );

    let (editor, _) = login(&server, "editor", PASSWORD);
    assert_eq!(server.get("/reports", Some(&editor)).status, 200);
    let (viewer, _) = login(&server, "viewer", PASSWORD);
    let refused = server.get("/reports", Some(&viewer));
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.header("www-authenticate"),
        Some(r#"Bearer error="insufficient_scope", scope="reports:read""#)
    );
}

/// What the OpenAPI document says of `/posts` holds: an id that is not a positive 64-bit
/// integer is a JSON 400 (not axum's plain text), and a blank title is refused exactly when the
/// schema's pattern refuses it.
#[test]
fn posts_refuse_exactly_what_the_document_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&env(&database(&dir)));
    let (admin, _) = login(&server, "admin", PASSWORD);
    for id in ["9223372036854775808", "0", "-1", "abc"] {
        let request = server.request(
            "DELETE",
            &format!("/posts/{id}"),
            &[("Authorization", &format!("Bearer {admin}"))],
            None,
        );
        assert_eq!(
            (request.status, request.error().as_str()),
            (400, "invalid_request"),
            "{id}"
        );
    }
    let missing = server.request(
        "DELETE",
        "/posts/9223372036854775807",
        &[("Authorization", &format!("Bearer {admin}"))],
        None,
    );
    assert_eq!(missing.status, 404);
    let blank = server.post_json(
        "/posts",
        &json!({"title": " \t\r\n", "body": ""}),
        Some(&admin),
    );
    assert_eq!(
        (blank.status, blank.error().as_str()),
        (400, "invalid_request")
    );
    // Other white space is not blank by the schema's pattern, nor for the server.
    let nbsp = server.post_json(
        "/posts",
        &json!({"title": "\u{a0}", "body": ""}),
        Some(&admin),
    );
    assert_eq!(nbsp.status, 201);
    assert_eq!(nbsp.json()["title"], "\u{a0}");
}
