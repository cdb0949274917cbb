//! End to end: the demo's routes declare who may call them. The manifest that
//! `server routes` prints is the checked-in `examples/server/routes.txt`; the security of every
//! operation in `/openapi.json` agrees with it; and the ownership policy on
//! `PUT /posts/{id}` holds over a socket.

mod common;
mod support_server;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support_server::{PASSWORD, SECRET, Server, login, server_binary};

const MANIFEST: &str = "examples/server/routes.txt";

/// `server routes` with a clean environment: the default configuration.
fn printed_manifest() -> String {
    let output = Command::new(server_binary())
        .arg("routes")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .output()
        .expect("run `server routes`");
    assert!(
        output.status.success(),
        "`server routes` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_manifest_is_the_checked_in_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(MANIFEST);
    let checked_in = std::fs::read_to_string(&path).expect("the checked-in manifest");
    let printed = printed_manifest();
    assert_eq!(
        printed, checked_in,
        "who may call what changed: review the difference, then update the file with\n  \
         cargo run --example server -- routes > {MANIFEST}"
    );
}

/// One manifest line: method, path, access.
fn manifest_lines(manifest: &str) -> Vec<(String, String, String)> {
    manifest
        .lines()
        .map(|line| {
            let mut parts = line.splitn(2, ' ');
            let method = parts.next().unwrap().to_owned();
            let rest = parts.next().unwrap().trim_start();
            let (path, access) = rest.split_once(' ').unwrap();
            (method, path.to_owned(), access.trim_start().to_owned())
        })
        .collect()
}

/// The alternatives (OR) of scope sets (AND) that the manifest's access lets in, as the
/// `bearer` requirements of OpenAPI say it; `None` for a public route.
fn expected_requirements(access: &str) -> Option<BTreeSet<BTreeSet<String>>> {
    if access == "public" {
        return None;
    }
    let mut alternatives: BTreeSet<BTreeSet<String>> = [BTreeSet::new()].into();
    for check in access.split("; ") {
        let Some(names) = check
            .strip_prefix("role ")
            .or_else(|| check.strip_prefix("permission "))
        else {
            continue; // authenticated, fresh, a policy: a token, no scope
        };
        let (any, names): (bool, Vec<&str>) = if let Some(list) = names.strip_prefix("any(") {
            (true, list.trim_end_matches(')').split(", ").collect())
        } else if let Some(list) = names.strip_prefix("all(") {
            (false, list.trim_end_matches(')').split(", ").collect())
        } else {
            (true, vec![names])
        };
        alternatives = if any {
            alternatives
                .iter()
                .flat_map(|alternative| {
                    names.iter().map(move |name| {
                        let mut alternative = alternative.clone();
                        alternative.insert((*name).to_owned());
                        alternative
                    })
                })
                .collect()
        } else {
            alternatives
                .into_iter()
                .map(|mut alternative| {
                    alternative.extend(names.iter().map(|name| (*name).to_owned()));
                    alternative
                })
                .collect()
        };
    }
    Some(alternatives)
}

/// The `bearer` requirements of an operation; `None` when it has none.
fn documented_requirements(operation: &Value) -> Option<BTreeSet<BTreeSet<String>>> {
    let requirements: BTreeSet<BTreeSet<String>> = operation["security"]
        .as_array()?
        .iter()
        .filter_map(|requirement| requirement.get("bearer"))
        .map(|scopes| {
            scopes
                .as_array()
                .unwrap()
                .iter()
                .map(|scope| scope.as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    (!requirements.is_empty()).then_some(requirements)
}

/// The demo on a SQLite database of its own; the directory lives as long as the server.
fn start_demo() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let server = Server::start(&[
        ("DATABASE_URL", &database),
        ("AUTH_JWT_SECRET", SECRET),
        ("DEMO_PASSWORD", PASSWORD),
    ]);
    (dir, server)
}

#[test]
fn the_openapi_document_and_the_manifest_agree() {
    let (_dir, server) = start_demo();
    let document = server.get("/openapi.json", None).json();
    let manifest = manifest_lines(&printed_manifest());
    let mut documented = 0;
    for (method, path, access) in &manifest {
        let operation = &document["paths"][path][method.to_lowercase()];
        if operation.is_null() {
            // The document itself, and Swagger UI showing it, are the routes it does not
            // describe.
            assert!(
                path == "/openapi.json" || path == "/docs" || path.starts_with("/docs/"),
                "{method} {path} is not in the document"
            );
            continue;
        }
        documented += 1;
        assert_eq!(
            documented_requirements(operation),
            expected_requirements(access),
            "{method} {path}: the document's security differs from the manifest's `{access}`"
        );
    }
    // And every operation of the document is in the manifest.
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            assert!(
                manifest.iter().any(|(m, p, _)| *m == method && p == path),
                "{method} {path} is documented but not routed"
            );
        }
    }
    assert!(documented >= 10, "only {documented} operations compared");
}

#[test]
fn only_the_author_or_an_admin_edits_a_post() {
    let (_dir, server) = start_demo();
    let (admin, _) = login(&server, "admin", PASSWORD);
    let (editor, _) = login(&server, "editor", PASSWORD);
    let (viewer, _) = login(&server, "viewer", PASSWORD);
    let create = |token: &str, title: &str| {
        let reply = server.post_json("/posts", &json!({"title": title, "body": "b"}), Some(token));
        assert_eq!(
            reply.status,
            201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["id"].as_i64().unwrap()
    };
    let editors = create(&editor, "by the editor");
    let admins = create(&admin, "by the admin");
    let put = |id: &str, token: Option<&str>, body: &Value| {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        headers.extend(auth.iter().map(|a| ("Authorization", a.as_str())));
        server.request(
            "PUT",
            &format!("/posts/{id}"),
            &headers,
            Some(body.to_string().as_bytes()),
        )
    };
    let edit = json!({"title": "edited", "body": "new"});

    // The author.
    let reply = put(&editors.to_string(), Some(&editor), &edit);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["title"], "edited");
    assert_eq!(reply.json()["author"], "editor");
    // An editor on another's post: 403 from the policy, nothing changed.
    let reply = put(&admins.to_string(), Some(&editor), &edit);
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json()["error_description"],
        "The access token does not allow this request on this resource"
    );
    // An admin on any post.
    let reply = put(
        &editors.to_string(),
        Some(&admin),
        &json!({"title": "by admin", "body": ""}),
    );
    assert_eq!(reply.status, 200);
    // A viewer: 403 from the role check, before the policy.
    let reply = put(&editors.to_string(), Some(&viewer), &edit);
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.json()["error_description"],
        "The access token does not grant the required role"
    );
    // No token: 401. An unknown post: the same 404 as `DELETE` answers.
    assert_eq!(put(&editors.to_string(), None, &edit).status, 401);
    let reply = put("999999", Some(&editor), &edit);
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json(),
        json!({"error": "not_found", "error_description": "No such post"})
    );
    // A malformed id: the JSON 400 of the other routes.
    let reply = put("abc", Some(&editor), &edit);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");
    // The posts as they are now.
    let posts = server.get("/posts", None).json();
    let titles: Vec<&str> = posts
        .as_array()
        .unwrap()
        .iter()
        .map(|post| post["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["by the admin", "by admin"]);
}
