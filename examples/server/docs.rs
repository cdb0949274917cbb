//! `GET /docs`: Swagger UI on `/openapi.json`, whose Authorize button logs in with a
//! username and a password (the `oauth2` password flow `openapi` adds).
//!
//! Swagger UI's files are vendored in `swagger-ui/` (`scripts/swagger-ui VERSION` replaces
//! them) and compiled in, so the page needs no network; `docs/` holds the page and the script
//! that starts it, ours. Nothing here is secret: every route is public.

use std::sync::LazyLock;

use auth::routing::{Router, get};
use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Swagger UI runs its own scripts and the stylesheet from this server only, fetches only
/// from it (the document, the token endpoint, the routes tried), and no other site may frame
/// it. Its stylesheet draws icons as `data:` images.
const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// A file of `/docs`: the page itself has the name `""`.
struct File {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    etag: HeaderValue,
}

/// The page, its script, and Swagger UI's files with their licences.
static FILES: LazyLock<Vec<File>> = LazyLock::new(|| {
    [
        ("", HTML, include_bytes!("docs/index.html").as_slice()),
        ("init.js", JS, include_bytes!("docs/init.js")),
        (
            "swagger-ui.css",
            CSS,
            include_bytes!("swagger-ui/swagger-ui.css"),
        ),
        (
            "swagger-ui-bundle.js",
            JS,
            include_bytes!("swagger-ui/swagger-ui-bundle.js"),
        ),
        (
            "oauth2-redirect.html",
            HTML,
            include_bytes!("swagger-ui/oauth2-redirect.html"),
        ),
        (
            "oauth2-redirect.js",
            JS,
            include_bytes!("swagger-ui/oauth2-redirect.js"),
        ),
        ("LICENSE", TEXT, include_bytes!("swagger-ui/LICENSE")),
        ("NOTICE", TEXT, include_bytes!("swagger-ui/NOTICE")),
        (
            "swagger-ui-bundle.js.LICENSE.txt",
            TEXT,
            include_bytes!("swagger-ui/swagger-ui-bundle.js.LICENSE.txt"),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, body)| File {
        name,
        content_type,
        body,
        etag: etag(body),
    })
    .collect()
});

/// `/docs` and its files, for any router state.
pub(crate) fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/docs", get(page))
        .route("/docs/{file}", get(file))
}

/// `GET /docs`: the page.
#[auth::public]
async fn page(headers: HeaderMap) -> Response {
    serve("", &headers)
}

/// `GET /docs/{file}`: a file of the page; 404 for any other name.
#[auth::public]
async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    if name.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    serve(&name, &headers)
}

fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(file) = FILES.iter().find(|file| file.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The URLs carry no version, and a rebuilt demo may serve other files under them: the
    // browser keeps its copy but asks each time, and gets a bodiless 304 while it is current.
    let mut headers = HeaderMap::new();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(ETAG, file.etag.clone());
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if not_modified(request, &file.etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    if file.content_type == HTML {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
        );
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    (headers, file.body).into_response()
}

/// A strong validator: the first 128 bits of the SHA-256 of the content, quoted.
fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let tag = URL_SAFE_NO_PAD.encode(&digest[..16]);
    // Base64url between quotes: always a valid header value.
    HeaderValue::from_str(&format!("\"{tag}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// Whether `If-None-Match` names `etag` (or is `*`); a weak `W/` tag compares equal too, as
/// RFC 9110 §13.1.2 asks for this header.
fn not_modified(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    request
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(if_none_match: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = if_none_match {
            headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn each_file_has_its_type_and_the_page_its_policy() {
        let page = serve("", &request(None));
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[CONTENT_TYPE], HTML);
        let policy = page.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");

        let bundle = serve("swagger-ui-bundle.js", &request(None));
        assert_eq!(bundle.headers()[CONTENT_TYPE], JS);
        assert_eq!(bundle.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(bundle.headers().get(CONTENT_SECURITY_POLICY).is_none());
        assert_eq!(
            serve("swagger-ui.css", &request(None)).headers()[CONTENT_TYPE],
            CSS
        );
        assert_eq!(
            serve("LICENSE", &request(None)).headers()[CONTENT_TYPE],
            TEXT
        );

        for unknown in ["index.html", "swagger-ui-bundle.js.map", "../Cargo.toml"] {
            assert_eq!(
                serve(unknown, &request(None)).status(),
                StatusCode::NOT_FOUND
            );
        }
    }

    #[test]
    fn a_current_copy_gets_a_bodiless_304() {
        let etag = serve("init.js", &request(None)).headers()[ETAG].clone();
        let etag = etag.to_str().unwrap();
        assert!(etag.starts_with('"') && etag.len() == 24, "{etag}");
        for current in [
            etag.to_owned(),
            format!("W/{etag}"),
            format!("\"x\", {etag}"),
            "*".into(),
        ] {
            let reply = serve("init.js", &request(Some(&current)));
            assert_eq!(reply.status(), StatusCode::NOT_MODIFIED, "{current}");
            assert!(reply.headers().get(CONTENT_TYPE).is_none());
        }
        let stale = serve("init.js", &request(Some("\"0123\"")));
        assert_eq!(stale.status(), StatusCode::OK);
    }

    #[test]
    fn the_page_starts_swagger_ui_on_the_document_without_persisting_tokens() {
        let page = std::str::from_utf8(FILES[0].body).unwrap();
        assert!(
            !page.contains("<script>"),
            "inline scripts are refused by the policy"
        );
        for file in [
            "/docs/swagger-ui.css",
            "/docs/swagger-ui-bundle.js",
            "/docs/init.js",
        ] {
            assert!(page.contains(file), "{file}");
        }
        let init = include_str!("docs/init.js");
        assert!(init.contains(r#"url: "/openapi.json""#));
        assert!(init.contains("persistAuthorization: false"));
        assert!(init.contains("/docs/oauth2-redirect.html"));
        let vendored = include_str!("swagger-ui/VERSION");
        assert!(vendored.starts_with("swagger-ui-dist 5."), "{vendored}");
    }
}
