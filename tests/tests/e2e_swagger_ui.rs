//! End to end: Swagger UI at the demo's `/docs` logs in with its Authorize button. Over HTTP,
//! the page and its vendored files are served with their types and validators, and the
//! document offers the `oauth2` password flow beside every `bearer` requirement (none with
//! cookies on, where the token endpoint answers with cookies instead). In a real
//! browser, `tests/browser/swagger_ui_login.py` drives headless Chromium through Authorize,
//! a username and a password, and "Try it out" on `GET /admin/stats` until it shows 200.
//!
//! `scripts/test` installs Chromium (the Debian package `chromium`) when it is missing.
//! Without it the browser test says loudly that it was skipped; under `CI=true` it fails
//! instead.

mod support_server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support_server::{PASSWORD, SECRET, Server};

/// The script's exit status when it finds no Chromium.
const SKIPPED: i32 = 77;

/// The demo on a SQLite database of its own, with `extra` in its environment; the directory
/// lives as long as the server.
fn start_demo_with(extra: &[(&str, &str)]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut env = vec![
        ("DATABASE_URL", database.as_str()),
        ("AUTH_JWT_SECRET", SECRET),
        ("DEMO_PASSWORD", PASSWORD),
    ];
    env.extend_from_slice(extra);
    let server = Server::start(&env);
    (dir, server)
}

fn start_demo() -> (tempfile::TempDir, Server) {
    start_demo_with(&[])
}

#[test]
fn the_docs_are_served_and_the_document_offers_the_password_flow() {
    let (_dir, server) = start_demo();

    let page = server.get("/docs", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let body = String::from_utf8_lossy(&page.body);
    assert!(body.contains("/docs/swagger-ui-bundle.js"), "{body}");

    let bundle = server.get("/docs/swagger-ui-bundle.js", None);
    assert_eq!(bundle.status, 200);
    assert_eq!(
        bundle.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(bundle.body.len() > 100_000, "the vendored bundle");
    assert_eq!(bundle.header("cache-control"), Some("no-cache"));
    let etag = bundle.header("etag").unwrap();
    let again = server.request(
        "GET",
        "/docs/swagger-ui-bundle.js",
        &[("If-None-Match", etag)],
        None,
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(server.get("/docs/nothing.js", None).status, 404);

    let document = server.get("/openapi.json", None).json();
    let scheme = &document["components"]["securitySchemes"]["oauth2"];
    assert_eq!(scheme["type"], "oauth2");
    let flow = &scheme["flows"]["password"];
    assert_eq!(flow["tokenUrl"], "/token");
    for scope in ["admin", "editor", "viewer", "reports:read"] {
        assert!(flow["scopes"][scope].is_string(), "{scope}: {flow}");
    }
    // Each `bearer` requirement has its `oauth2` twin, and nothing else does.
    let mut paired = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let scopes = |scheme: &str| -> Vec<Value> {
                security
                    .iter()
                    .filter_map(|requirement| requirement.get(scheme).cloned())
                    .collect()
            };
            assert_eq!(scopes("bearer"), scopes("oauth2"), "{method} {path}");
            paired += scopes("oauth2").len();
        }
    }
    assert!(paired >= 7, "only {paired} oauth2 requirements");
}

#[test]
fn with_cookies_on_the_document_offers_no_password_flow() {
    // The token endpoint then answers browsers with cookies, not a token to send as Bearer.
    let (_dir, server) = start_demo_with(&[("AUTH_COOKIES", "true")]);
    assert_eq!(server.get("/docs", None).status, 200);
    let document = server.get("/openapi.json", None).json();
    let schemes = &document["components"]["securitySchemes"];
    assert!(schemes["bearer"].is_object());
    assert!(schemes.get("oauth2").is_none(), "{schemes}");
    let stats = &document["paths"]["/admin/stats"]["get"]["security"];
    assert_eq!(stats, &serde_json::json!([{"bearer": ["admin"]}]));
}

/// Runs the browser script against `server`, bounded; `None` when it could not run at all.
fn run_browser_script(server: &Server) -> Option<(i32, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/swagger_ui_login.py");
    let mut child = match Command::new("python3")
        .arg(&script)
        .arg(format!("http://127.0.0.1:{}", server.port))
        .env("DEMO_PASSWORD", PASSWORD)
        .env("DEMO_USERNAME", "admin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            eprintln!("cannot run python3: {err}");
            return None;
        }
    };
    // The script bounds each step; this bounds the whole, a hung browser included.
    let deadline = Instant::now() + Duration::from_secs(240);
    while child.try_wait().expect("wait for the script").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("the script's output");
            panic!(
                "the browser test did not finish within 240 s:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("the script's output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status.code().unwrap_or(-1), text))
}

#[test]
fn swagger_ui_logs_in_with_authorize_and_gets_200_from_admin_stats() {
    let (_dir, server) = start_demo();
    let outcome = run_browser_script(&server);
    let skipped = match &outcome {
        None => true,
        Some((code, output)) => {
            println!("{output}");
            *code == SKIPPED
        }
    };
    if skipped {
        let why = "SKIPPED: the Swagger UI browser test needs python3 and Chromium \
                   (the Debian package `chromium`; `scripts/test` installs it)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{why}, and CI=true"
        );
        eprintln!("\n*** {why} ***\n");
        return;
    }
    let (code, output) = outcome.unwrap();
    assert_eq!(
        code,
        0,
        "the browser test failed:\n{output}\nserver output:\n{}",
        server.output()
    );
    assert!(output.contains("response status shown: 200"), "{output}");
}
