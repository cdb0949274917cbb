//! Z: roles (AZ-01 … AZ-04, HB-08). Deny by default; roles come only from the verified
//! token, matched exactly; a failed check never runs the handler.

use auth::Authenticator;
use serde_json::{Value, json};

use super::{assert_forbidden, attempt};
use crate::common::*;

fn token_with_roles(roles: Value) -> String {
    forge(&good_header(), &with(good_payload(), "roles", roles))
}

/// Z01 (AZ-01): role names are matched exactly: case, white space, NUL, look-alike letters
/// and lists in one string grant nothing.
#[tokio::test]
async fn role_names_are_matched_exactly() {
    let auth = authenticator();
    for name in [
        "Admin",
        "ADMIN",
        "admin ",
        " admin",
        "admin\u{0}",
        "\u{430}dmin",
        "admin,editor",
        "admin editor",
        "*",
        "",
        "root",
        "superuser",
    ] {
        let (reply, runs) = attempt(
            &auth,
            get_bearer("/admin", &token_with_roles(json!([name]))),
        )
        .await;
        assert_forbidden(&reply);
        assert_eq!(runs, 0, "{name:?}");
    }
}

/// Z01 (AZ-01): no `roles` claim, or an empty one, means no roles: authenticated, but
/// forbidden on every role route.
#[tokio::test]
async fn without_roles_every_role_route_is_forbidden() {
    let auth = authenticator();
    let none = forge(&good_header(), &without(good_payload(), "roles"));
    for token in [none, token_with_roles(json!([]))] {
        for path in ["/admin", "/viewer", "/editor-or-admin", "/admin-and-viewer"] {
            let (reply, runs) = attempt(&auth, get_bearer(path, &token)).await;
            assert_forbidden(&reply);
            assert_eq!(runs, 0);
        }
        let (reply, runs) = attempt(&auth, get_bearer("/protected", &token)).await;
        assert_eq!((reply.status.as_u16(), runs), (200, 1));
    }
}

/// Z02: the hierarchy (admin ⊃ editor ⊃ viewer) only grants downwards, and `all(..)` needs
/// every role even when a name is repeated.
#[tokio::test]
async fn the_hierarchy_never_grants_upwards() {
    let auth = authenticator();
    for (roles, path) in [
        (json!(["viewer"]), "/editor-or-admin"),
        (json!(["editor"]), "/admin"),
        (json!(["editor", "viewer"]), "/admin-and-viewer"),
        (json!(["viewer", "viewer"]), "/admin-and-viewer"),
    ] {
        let (reply, runs) =
            attempt(&auth, get_bearer(path, &token_with_roles(roles.clone()))).await;
        assert_forbidden(&reply);
        assert_eq!(runs, 0, "{roles} on {path}");
    }
    for (roles, path) in [
        (json!(["admin"]), "/viewer"),
        (json!(["admin"]), "/admin-and-viewer"),
        (json!(["editor"]), "/editor-or-admin"),
    ] {
        let (reply, runs) =
            attempt(&auth, get_bearer(path, &token_with_roles(roles.clone()))).await;
        assert_eq!((reply.status.as_u16(), runs), (200, 1), "{roles} on {path}");
    }
}

/// Z: with a nested roles claim (`realm_access.roles`, Keycloak's), roles written anywhere
/// else, the top level included, grant nothing.
#[tokio::test]
async fn roles_are_read_from_the_configured_claim_only() {
    let auth = Authenticator::builder()
        .signing_key(hs256_key())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .roles_claim("realm_access.roles")
        .build()
        .unwrap();
    for payload in [
        with(good_payload(), "realm_access", json!({"roles": ["viewer"]})),
        with(
            good_payload(),
            "realm_access",
            json!({"other": {"roles": ["admin"]}}),
        ),
        with(
            good_payload(),
            "resource_access",
            json!({"roles": ["admin"]}),
        ),
    ] {
        let token = forge(&good_header(), &payload);
        let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
        assert_forbidden(&reply);
        assert_eq!(runs, 0);
    }
    let granted = with(
        without(good_payload(), "roles"),
        "realm_access",
        json!({"roles": ["admin"]}),
    );
    let (reply, runs) = attempt(
        &auth,
        get_bearer("/admin", &forge(&good_header(), &granted)),
    )
    .await;
    assert_eq!((reply.status.as_u16(), runs), (200, 1));
    // A duplicate inside the nested object is refused like one at the top level.
    let text = with(good_payload(), "realm_access", json!({"roles": ["viewer"]}))
        .to_string()
        .replace(
            r#"{"roles":["viewer"]}"#,
            r#"{"roles":["viewer"],"roles":["admin"]}"#,
        );
    let token = forge_hs256_raw(&good_header().to_string(), &text, SECRET);
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    super::refused(&reply, runs, INVALID);
}

/// Z: unknown role names next to a known one are skipped, neither an error nor a grant.
#[tokio::test]
async fn unknown_roles_beside_known_ones_grant_only_the_known() {
    let auth = authenticator();
    let token = token_with_roles(json!(["x".repeat(200), "viewer", "owner", "god-mode"]));
    let (reply, runs) = attempt(&auth, get_bearer("/viewer", &token)).await;
    assert_eq!((reply.status.as_u16(), runs), (200, 1));
    let (reply, runs) = attempt(&auth, get_bearer("/admin", &token)).await;
    assert_forbidden(&reply);
    assert_eq!(runs, 0);
}
