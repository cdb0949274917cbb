//! The demo's OpenAPI document tells the truth: Schemathesis (a property-based API tester)
//! generates requests for every operation of `/openapi.json`, the token endpoints included,
//! valid and invalid ones, and runs every check on the answers: no 5xx, only documented
//! statuses and content types, schema-valid data accepted, invalid data refused, no operation
//! that declares security reachable without it. Any finding fails the test.
//!
//! `scripts/test` installs Schemathesis (`pip install schemathesis`) when it is missing.
//! Without it this test says loudly that it was skipped; under `CI=true` it fails instead.
//! The run is bounded (30 examples per operation, a fixed seed: set `AUTH_SCHEMATHESIS_SEED`
//! to explore others) and its configuration is `tests/fixtures/schemathesis.toml`.

mod common;
mod support_endpoints;
mod support_server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support_server::{PASSWORD, SECRET, Server, login};

/// The Schemathesis command, if it is installed.
fn schemathesis() -> Option<&'static str> {
    ["st", "schemathesis"].into_iter().find(|command| {
        Command::new(command)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    })
}

#[test]
fn every_operation_answers_as_the_document_says() {
    let Some(command) = schemathesis() else {
        let message = "Schemathesis is not installed (`pip install schemathesis`; scripts/test \
                       installs it)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
        eprintln!("\n*** SKIPPED every_operation_answers_as_the_document_says: {message} ***\n");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let server = Server::start(&[
        ("DATABASE_URL", &database),
        ("AUTH_JWT_SECRET", SECRET),
        ("DEMO_PASSWORD", PASSWORD),
        ("DEMO_CLIENT_SECRET", "a-client-secret-for-the-e2e-tests"),
    ]);
    // An admin token (fresh) reaches every operation; logout gets a token of its own, since
    // it revokes the one it is sent with.
    let (admin, _) = login(&server, "admin", PASSWORD);
    let (viewer, _) = login(&server, "viewer", PASSWORD);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemathesis.toml");
    let seed = std::env::var("AUTH_SCHEMATHESIS_SEED").unwrap_or_else(|_| "1".to_owned());
    let mut child = Command::new(command)
        .arg("--config-file")
        .arg(&config)
        .args([
            "run",
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--seed",
            &seed,
        ])
        .arg(format!("http://127.0.0.1:{}/openapi.json", server.port))
        .env("AUTH_ADMIN_TOKEN", &admin)
        .env("AUTH_LOGOUT_TOKEN", &viewer)
        .env("NO_COLOR", "1")
        // Its cache of findings goes to the temporary directory, not into the checkout.
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start Schemathesis");
    // Bounded: about 15 s here; a hung run is killed after five minutes.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = status.unwrap_or_else(|| panic!("Schemathesis ran over five minutes:\n{report}"));
    assert!(
        status.success(),
        "Schemathesis found a mismatch between the document and the server (seed {seed}):\n{report}\n\nserver log:\n{}",
        server.output()
    );
    // Every operation was tested, with the admin token still valid at the end.
    assert!(report.contains("Tested: 11"), "{report}");
    assert!(!report.contains("Authentication failed"), "{report}");
    assert_eq!(server.get("/me", Some(&admin)).status, 200);
}
