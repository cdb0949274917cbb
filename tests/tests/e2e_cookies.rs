//! End to end: the demo server with `AUTH_COOKIES=true`, driven over a loopback socket the way
//! a browser drives it: cookies kept per path, `Origin` on unsafe requests, and the CSRF
//! cookie repeated in `X-CSRF-Token`. Also what an attacker's page can and cannot make the
//! browser do, and that bearer tokens keep working beside the cookies.

mod support_server;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support_server::{PASSWORD, Reply, SECRET, Server, login_form};

const ACCESS: &str = "__Host-auth-access";
const REFRESH: &str = "__Secure-auth-refresh";
const CSRF: &str = "__Host-auth-csrf";
const CSRF_MISMATCH: &str = "The CSRF token is missing or invalid";
const CROSS_SITE: &str = "Cross-site requests are not allowed";
const EVIL: &str = "https://evil.example";

fn start(dir: &tempfile::TempDir, extra: &[(&str, &str)]) -> Server {
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut env = vec![
        ("DATABASE_URL", database.as_str()),
        ("DEMO_PASSWORD", PASSWORD),
    ];
    env.extend_from_slice(extra);
    if !env.iter().any(|(name, _)| *name == "AUTH_SIGNING_ALG") {
        env.push(("AUTH_JWT_SECRET", SECRET));
    }
    Server::start(&env)
}

fn start_with_cookies(dir: &tempfile::TempDir) -> Server {
    start(dir, &[("AUTH_COOKIES", "true")])
}

/// One `Set-Cookie` answer.
#[derive(Debug, Clone)]
struct SetCookie {
    name: String,
    value: String,
    path: String,
    attributes: Vec<String>,
}

impl SetCookie {
    fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }

    fn removes(&self) -> bool {
        self.has("Max-Age=0")
    }
}

fn set_cookies(reply: &Reply) -> Vec<SetCookie> {
    reply
        .headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .map(|(_, line)| {
            let mut parts = line.split("; ");
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            let attributes: Vec<String> = parts.map(str::to_owned).collect();
            let path = attributes
                .iter()
                .find_map(|a| a.strip_prefix("Path="))
                .unwrap_or("/")
                .to_owned();
            SetCookie {
                name: name.to_owned(),
                value: value.to_owned(),
                path,
                attributes,
            }
        })
        .collect()
}

/// A browser tab on the demo's origin: a cookie jar (RFC 6265 path matching), and `Origin`
/// on every unsafe request, as `fetch` sends it from the page at `/`.
struct Browser<'s> {
    server: &'s Server,
    origin: String,
    jar: Vec<SetCookie>,
}

impl<'s> Browser<'s> {
    fn new(server: &'s Server) -> Self {
        Self {
            server,
            origin: format!("http://127.0.0.1:{}", server.port),
            jar: Vec::new(),
        }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.jar
            .iter()
            .find(|cookie| cookie.name == name)
            .map(|cookie| cookie.value.clone())
    }

    fn csrf(&self) -> String {
        self.cookie(CSRF).expect("the CSRF cookie")
    }

    /// The `Cookie` header for `path`.
    fn cookies_for(&self, path: &str) -> String {
        self.jar
            .iter()
            .filter(|cookie| {
                path == cookie.path
                    || cookie.path == "/"
                    || path.starts_with(&format!("{}/", cookie.path))
            })
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends a request with the jar's cookies and `headers`, and keeps the cookies it sets.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &str)>,
    ) -> Reply {
        let cookies = self.cookies_for(path);
        let mut all: Vec<(&str, &str)> = Vec::new();
        if !cookies.is_empty() {
            all.push(("Cookie", &cookies));
        }
        if method != "GET" && !headers.iter().any(|(name, _)| *name == "Origin") {
            all.push(("Origin", &self.origin));
        }
        if let Some((content_type, _)) = body {
            all.push(("Content-Type", content_type));
        }
        all.extend_from_slice(headers);
        let reply = self
            .server
            .request(method, path, &all, body.map(|(_, body)| body.as_bytes()));
        for set in set_cookies(&reply) {
            self.jar
                .retain(|kept| !(kept.name == set.name && kept.path == set.path));
            if !set.removes() {
                self.jar.push(set);
            }
        }
        reply
    }

    fn login(&mut self, username: &str) -> Reply {
        self.send(
            "POST",
            "/token",
            &[],
            Some((
                "application/x-www-form-urlencoded",
                &login_form(username, PASSWORD),
            )),
        )
    }

    /// An unsafe request with the CSRF header the page adds.
    fn post_with_csrf(&mut self, path: &str, body: Option<(&str, &str)>) -> Reply {
        let csrf = self.csrf();
        self.send("POST", path, &[("X-CSRF-Token", &csrf)], body)
    }
}

fn new_post(title: &str) -> String {
    json!({"title": title, "body": "sent with cookies"}).to_string()
}

/// A 403 of the CSRF checks: `invalid_request`, the fixed description, no challenge.
#[track_caller]
fn assert_refused(reply: &Reply, description: &str) {
    assert_eq!(
        reply.status,
        403,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error(), "invalid_request");
    assert_eq!(reply.json()["error_description"], description);
    assert_eq!(reply.header("www-authenticate"), None);
    assert!(set_cookies(reply).is_empty(), "a refusal sets no cookie");
}

fn posts(server: &Server) -> Value {
    server.get("/posts", None).json()
}

#[test]
#[allow(clippy::too_many_lines)] // one session, step by step, in its order
fn a_cookie_session_logs_in_calls_the_api_refreshes_and_logs_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_cookies(&dir);
    let mut browser = Browser::new(&server);

    // Login sets the three cookies; the body carries the CSRF token, not the tokens.
    let reply = browser.login("editor");
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert!(body.get("access_token").is_none() && body.get("refresh_token").is_none());
    assert_eq!(body["expires_in"], 900);
    let set = set_cookies(&reply);
    let with_name =
        |name: &str| -> Vec<&SetCookie> { set.iter().filter(|c| c.name == name).collect() };
    let access = with_name(ACCESS);
    assert_eq!(access.len(), 1);
    assert_eq!(access[0].path, "/");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Max-Age=900"] {
        assert!(access[0].has(flag), "{flag}: {access:?}");
    }
    let mut refresh_paths: Vec<&str> = with_name(REFRESH).iter().map(|c| c.path.as_str()).collect();
    refresh_paths.sort_unstable();
    assert_eq!(refresh_paths, ["/logout", "/refresh"]);
    assert!(
        with_name(REFRESH)
            .iter()
            .all(|c| c.has("HttpOnly") && c.has("Secure"))
    );
    let csrf = with_name(CSRF);
    assert_eq!(csrf.len(), 1);
    assert!(!csrf[0].has("HttpOnly"), "the page reads the CSRF cookie");
    assert_eq!(body["csrf_token"].as_str(), Some(csrf[0].value.as_str()));

    // The access cookie authenticates; the refresh cookie does not travel to the API.
    assert!(!browser.cookies_for("/me").contains(REFRESH));
    let me = browser.send("GET", "/me", &[], None);
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["sub"], "editor");
    assert_eq!(me.json()["roles"], json!(["editor"]));

    // An unsafe request with the CSRF header.
    let created = browser.post_with_csrf("/posts", Some(("application/json", &new_post("Hello"))));
    assert_eq!(
        created.status,
        201,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["author"], "editor");

    // Refresh reads the refresh cookie (no body) and sets a new pair.
    let (old_access, old_refresh) = (
        browser.cookie(ACCESS).unwrap(),
        browser.cookie(REFRESH).unwrap(),
    );
    let refreshed = browser.post_with_csrf("/refresh", None);
    assert_eq!(
        refreshed.status,
        200,
        "{}",
        String::from_utf8_lossy(&refreshed.body)
    );
    assert!(refreshed.json().get("refresh_token").is_none());
    let (new_access, new_refresh) = (
        browser.cookie(ACCESS).unwrap(),
        browser.cookie(REFRESH).unwrap(),
    );
    assert_ne!(new_access, old_access);
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        browser.send("GET", "/me", &[], None).json()["sub"],
        "editor"
    );

    // Logout revokes and clears every cookie.
    let csrf = browser.csrf();
    let logout = browser.post_with_csrf("/logout", None);
    assert_eq!(logout.status, 204);
    let cleared = set_cookies(&logout);
    assert!(cleared.iter().all(SetCookie::removes), "{cleared:?}");
    let mut names: Vec<&str> = cleared.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, [ACCESS, CSRF, REFRESH, REFRESH]);
    assert!(browser.jar.is_empty(), "{:?}", browser.jar);
    assert_eq!(browser.send("GET", "/me", &[], None).status, 401);

    // A copy of the cookies kept from before the logout is worth nothing.
    let replayed = server.request(
        "GET",
        "/me",
        &[("Cookie", &format!("{ACCESS}={new_access}"))],
        None,
    );
    assert_eq!(replayed.status, 401);
    assert_eq!(
        replayed.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token", error_description="The access token was revoked""#)
    );
    let replayed = server.request(
        "POST",
        "/refresh",
        &[
            ("Cookie", &format!("{REFRESH}={new_refresh}; {CSRF}={csrf}")),
            ("X-CSRF-Token", &csrf),
        ],
        None,
    );
    assert_eq!(replayed.status, 400);
    assert_eq!(replayed.error(), "invalid_grant");
}

#[test]
fn unsafe_cookie_requests_need_the_csrf_header_of_their_own_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_cookies(&dir);
    let mut victim = Browser::new(&server);
    assert_eq!(victim.login("editor").status, 200);
    let mut attacker = Browser::new(&server);
    assert_eq!(attacker.login("viewer").status, 200);
    let post = new_post("Forged");
    let json = Some(("application/json", post.as_str()));

    // No header: what a form on another site, or a plain request, would send.
    assert_refused(&victim.send("POST", "/posts", &[], json), CSRF_MISMATCH);
    // A header that is not the cookie's value.
    let forged = format!("{}x", victim.csrf());
    assert_refused(
        &victim.send("POST", "/posts", &[("X-CSRF-Token", &forged)], json),
        CSRF_MISMATCH,
    );
    // The attacker's own valid CSRF token, planted as the victim's cookie and repeated in
    // the header: the pair matches, but the token belongs to another session.
    let planted = attacker.csrf();
    let cookies = format!(
        "{ACCESS}={}; {CSRF}={planted}",
        victim.cookie(ACCESS).unwrap()
    );
    let reply = server.request(
        "POST",
        "/posts",
        &[
            ("Cookie", &cookies),
            ("X-CSRF-Token", &planted),
            ("Content-Type", "application/json"),
        ],
        Some(post.as_bytes()),
    );
    assert_refused(&reply, CSRF_MISMATCH);
    // The refresh and logout cookies need it too.
    assert_refused(&victim.send("POST", "/refresh", &[], None), CSRF_MISMATCH);
    assert_refused(&victim.send("POST", "/logout", &[], None), CSRF_MISMATCH);

    // Nothing was written, and the session is intact: the refused refresh spent nothing.
    assert_eq!(posts(&server), json!([]));
    assert_eq!(victim.post_with_csrf("/refresh", None).status, 200);
    assert_eq!(victim.post_with_csrf("/posts", json).status, 201);
}

#[test]
fn cookie_requests_another_site_starts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_cookies(&dir);
    let mut victim = Browser::new(&server);
    assert_eq!(victim.login("editor").status, 200);
    let csrf = victim.csrf();
    let post = new_post("Cross-site");
    let json = Some(("application/json", post.as_str()));

    // Even with the right CSRF token (say, leaked), another origin is refused.
    for headers in [
        vec![("Origin", EVIL)],
        vec![("Origin", "null")],
        // An `http://` page of another port on the same host is another origin.
        vec![("Origin", "http://127.0.0.1:1")],
        vec![("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")],
    ] {
        let mut headers = headers;
        headers.push(("X-CSRF-Token", &csrf));
        assert_refused(&victim.send("POST", "/posts", &headers, json), CROSS_SITE);
    }
    assert_refused(
        &victim.send(
            "POST",
            "/refresh",
            &[("Origin", EVIL), ("X-CSRF-Token", &csrf)],
            None,
        ),
        CROSS_SITE,
    );
    // Login CSRF: another site cannot log the browser into an account of its choosing.
    let mut browser = Browser::new(&server);
    let form = login_form("viewer", PASSWORD);
    let reply = browser.send(
        "POST",
        "/token",
        &[("Origin", EVIL)],
        Some(("application/x-www-form-urlencoded", &form)),
    );
    assert_refused(&reply, CROSS_SITE);
    assert!(browser.jar.is_empty());

    // The page's own origin passes, by `Origin` or by `Sec-Fetch-Site`.
    assert_eq!(posts(&server), json!([]));
    assert_eq!(victim.post_with_csrf("/posts", json).status, 201);
    let same_origin = victim.send(
        "POST",
        "/posts",
        &[("Sec-Fetch-Site", "same-origin"), ("X-CSRF-Token", &csrf)],
        json,
    );
    assert_eq!(same_origin.status, 201);
}

#[test]
fn bearer_tokens_keep_working_beside_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_cookies(&dir);
    let mut browser = Browser::new(&server);
    assert_eq!(browser.login("editor").status, 200);
    let token = browser.cookie(ACCESS).unwrap();

    // The same access token in `Authorization`, without cookies: no CSRF header needed,
    // since a browser never attaches that header on its own.
    let me = server.get("/me", Some(&token));
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["sub"], "editor");
    let created = server.post_json(
        "/posts",
        &json!({"title": "By bearer", "body": "."}),
        Some(&token),
    );
    assert_eq!(created.status, 201);
    assert_eq!(server.get("/me", None).status, 401);

    // One token, one transport: the header and the cookie together are refused.
    let both = browser.send(
        "GET",
        "/me",
        &[("Authorization", &format!("Bearer {token}"))],
        None,
    );
    assert_eq!(both.status, 400);
    assert_eq!(both.error(), "invalid_request");
    assert_eq!(
        both.header("www-authenticate"),
        Some(r#"Bearer error="invalid_request""#)
    );

    // A refresh token in the body, as a non-browser client sends it, needs no CSRF header.
    let refresh = browser.cookie(REFRESH).unwrap();
    let reply = server.post_form("/refresh", &format!("refresh_token={refresh}"), None);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
}

#[test]
fn the_page_at_the_root_runs_only_its_own_script() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_cookies(&dir);
    let reply = server.get("/", None);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    let page = String::from_utf8(reply.body.clone()).unwrap();
    // It logs in, refreshes and logs out through the cookies, with the CSRF header.
    for needle in ["/token", "/me", "/refresh", "/logout", "X-CSRF-Token", CSRF] {
        assert!(page.contains(needle), "{needle}");
    }
    // The policy admits exactly the inline script served, by its hash.
    let policy = reply.header("content-security-policy").unwrap();
    let script = page
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map(|(script, _)| script)
        .unwrap();
    let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        policy.contains(&format!("script-src 'sha256-{hash}'")),
        "{policy}"
    );
    assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
    assert!(!policy.contains("unsafe-inline"), "{policy}");
}

#[test]
fn without_auth_cookies_the_demo_sets_no_cookie_and_serves_no_page() {
    for cookies in [None, Some("false"), Some("0")] {
        let dir = tempfile::tempdir().unwrap();
        let env: Vec<(&str, &str)> = cookies
            .iter()
            .map(|value| ("AUTH_COOKIES", *value))
            .collect();
        let server = start(&dir, &env);
        assert_eq!(server.get("/", None).status, 404, "{cookies:?}");
        let reply = server.post_form("/token", &login_form("viewer", PASSWORD), None);
        assert_eq!(reply.status, 200);
        assert!(set_cookies(&reply).is_empty(), "{cookies:?}");
        let body = reply.json();
        assert!(body["access_token"].is_string() && body.get("csrf_token").is_none());
        // A cookie is not a credential then.
        let token = body["access_token"].as_str().unwrap();
        let reply = server.request(
            "GET",
            "/me",
            &[("Cookie", &format!("{ACCESS}={token}"))],
            None,
        );
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.header("www-authenticate"),
            Some(r#"Bearer realm="api""#)
        );
    }
}

/// ES256 signatures are randomized, so `auth` cannot derive the CSRF key from the signing
/// key; the demo derives it from the key file, the same after a restart.
#[test]
fn cookie_sessions_with_an_es256_key_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("AUTH_COOKIES", "true"), ("AUTH_SIGNING_ALG", "ES256")];
    let mut server = start(&dir, &env);
    let mut browser = Browser::new(&server);
    assert_eq!(browser.login("editor").status, 200);
    let post = new_post("Before the restart");
    assert_eq!(
        browser
            .post_with_csrf("/posts", Some(("application/json", &post)))
            .status,
        201
    );
    let jar = browser.jar.clone();
    assert_eq!(server.stop().code(), Some(0));

    let server = start(&dir, &env);
    let mut browser = Browser::new(&server);
    browser.jar = jar;
    let post = new_post("After the restart");
    assert_eq!(
        browser
            .post_with_csrf("/posts", Some(("application/json", &post)))
            .status,
        201
    );
    assert_eq!(browser.post_with_csrf("/refresh", None).status, 200);
    assert_eq!(browser.post_with_csrf("/logout", None).status, 204);
    assert_eq!(posts(&server).as_array().unwrap().len(), 2);
}

#[test]
fn a_cookie_flag_that_is_not_a_boolean_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    for value in ["yes", "on", "TRUE"] {
        let output =
            support_server::run_to_exit(&[("AUTH_COOKIES", value), ("DATABASE_URL", &database)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("error: AUTH_COOKIES must be `true` or `false` (or `1` or `0`)"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
