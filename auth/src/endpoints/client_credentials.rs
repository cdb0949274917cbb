//! `POST /token` with `grant_type=client_credentials` (RFC 6749 §4.4): a service client
//! authenticates with its id and secret and gets an access token carrying the scopes it asked
//! for, within those it may have. No refresh token (§4.4.3): it asks again.

use std::collections::BTreeSet;

use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::body::{Params, percent_decode};
use super::service_clients::Client;
use super::throttle::PendingAttempt;
use super::{Shared, UserStore};
use crate::claims::NoRole;
use crate::error::{AuthError, ErrorKind, RequestError};
use crate::{Roles, TokenClaims};

/// How the client authenticated: its id and secret, from `Authorization: Basic` or the body.
struct Credentials {
    id: String,
    secret: String,
}

/// The claims of a client's access token: `sub` and `client_id` are the client (RFC 9068
/// §2.2), `scope` what it was granted.
#[derive(Serialize, Deserialize)]
struct ClientClaims {
    sub: String,
    client_id: String,
    #[serde(flatten)]
    scope: serde_json::Map<String, serde_json::Value>,
}

impl TokenClaims for ClientClaims {
    type Role = NoRole;
    const ROLES_MEMBER: Option<&'static str> = None;

    fn subject(&self) -> &str {
        &self.sub
    }

    fn roles(&self) -> Roles<NoRole> {
        Roles::empty()
    }
}

/// The answer: no refresh token, and the scope granted (RFC 6749 §5.1).
#[derive(Serialize)]
struct ClientTokenResponse<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    scope: &'a str,
}

fn invalid_client() -> AuthError {
    AuthError::new(ErrorKind::InvalidClient)
}

impl<U: UserStore> Shared<U> {
    pub(super) async fn client_credentials(
        &self,
        params: Params,
        parts: &Parts,
    ) -> Result<Response, AuthError> {
        let Some(clients) = &self.clients else {
            return Err(AuthError::new(ErrorKind::UnsupportedGrantType));
        };
        let credentials = credentials(parts, &params)?;
        if credentials.secret.len() > self.passwords.config().max_len {
            tracing::info!(reason = "secret_too_long", "client refused");
            return Err(invalid_client());
        }
        let now = self.auth.now();
        let address = (self.client_address)(parts);
        let ticket = self
            .client_throttle
            .admit(&credentials.id, address, now)
            .map_err(|retry_after| {
                tracing::info!(reason = "throttled", "client refused");
                AuthError::too_many_requests(retry_after)
            })?;
        let attempt = PendingAttempt::new(&self.client_throttle, ticket);
        let checked = self
            .check_client(clients.find(&credentials.id).await, &credentials, &attempt)
            .await;
        match &checked {
            Ok(_) => attempt.succeeded(now),
            Err(err) if err.kind() != ErrorKind::InvalidClient => attempt.refund(),
            Err(_) => attempt.failed(),
        }
        let client = checked?;
        // A client's tokens carry its id as `sub`, the claim user tokens carry the username
        // in: a client named like a user would be taken for that user by every handler that
        // reads `sub`. Refused, loudly, rather than issued.
        if self.users.find_by_subject(&client.id).await?.is_some() {
            tracing::error!(
                client = %client.id,
                "a service client has the id of a user's subject; its token would pass for \
                 that user's: rename the client (a prefix such as `svc:` keeps them apart)"
            );
            return Err(AuthError::new(ErrorKind::Internal));
        }
        let scope = granted_scope(&client, params.scope.as_deref())?;
        let mut claims = ClientClaims {
            sub: client.id.clone(),
            client_id: client.id.clone(),
            scope: serde_json::Map::new(),
        };
        claims
            .scope
            .insert(self.auth.scope_claim().to_owned(), scope.clone().into());
        let issued = self.auth.issue(&claims).map_err(|err| {
            tracing::error!(error = %err, "cannot issue an access token");
            AuthError::new(ErrorKind::Internal)
        })?;
        tracing::info!(client = %client.id, scope = %scope, "client token issued");
        let body = ClientTokenResponse {
            access_token: &issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in(),
            scope: &scope,
        };
        super::respond::json_response(&body, None)
    }

    /// The client, if it exists, is enabled and the secret matches its hash. The secret is
    /// verified in every case, against a dummy hash for an unknown client, so the time taken
    /// does not tell which clients exist.
    async fn check_client(
        &self,
        found: Result<Option<Client>, crate::store::StoreError>,
        credentials: &Credentials,
        attempt: &PendingAttempt<'_>,
    ) -> Result<Client, AuthError> {
        let Some(client) = found? else {
            self.passwords
                .verify_dummy_marking(&credentials.secret, Some(attempt.hashing()))
                .await?;
            tracing::info!(reason = "unknown_client", "client refused");
            return Err(invalid_client());
        };
        let verification = self
            .passwords
            .verify_marking(
                &credentials.secret,
                &client.secret_hash,
                Some(attempt.hashing()),
            )
            .await?;
        if !verification.matched() {
            tracing::info!(reason = "wrong_secret", client = %client.id, "client refused");
            return Err(invalid_client());
        }
        if client.disabled {
            tracing::info!(reason = "disabled_client", client = %client.id, "client refused");
            return Err(invalid_client());
        }
        Ok(client)
    }
}

/// The client's id and secret: from `Authorization: Basic` (RFC 6749 §2.3.1, each part
/// form-urlencoded before base64) or from `client_id` and `client_secret` in the body, not
/// both (§2.3: one method per request).
fn credentials(parts: &Parts, params: &Params) -> Result<Credentials, AuthError> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(RequestError::MultipleAuthorization.into());
    }
    let basic = header
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, rest) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest)
        });
    match (basic, &params.client_id, &params.client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(RequestError::MultipleMethods.into()),
        (Some(encoded), None, None) => decode_basic(encoded.trim()).ok_or_else(invalid_client),
        (None, Some(id), Some(secret)) => Ok(Credentials {
            id: id.clone(),
            secret: secret.clone(),
        }),
        // No client authentication at all, or half of it (RFC 6749 §5.2).
        _ => Err(invalid_client()),
    }
}

/// `base64(urlencode(id) ":" urlencode(secret))`.
fn decode_basic(encoded: &str) -> Option<Credentials> {
    let decoded = STANDARD.decode(encoded).ok()?;
    let at = decoded.iter().position(|&b| b == b':')?;
    let id = percent_decode(&decoded[..at]).ok()?;
    let secret = percent_decode(&decoded[at + 1..]).ok()?;
    (!id.is_empty() && !secret.is_empty()).then_some(Credentials { id, secret })
}

/// The scope to grant: what was asked for, each name one the client may have (else 400
/// `invalid_scope`), or everything the client may have when nothing was asked for.
fn granted_scope(client: &Client, requested: Option<&str>) -> Result<String, AuthError> {
    let allowed: BTreeSet<&str> = client.scopes.iter().map(String::as_str).collect();
    let Some(requested) = requested else {
        return Ok(client.scopes.join(" "));
    };
    let mut granted: Vec<&str> = Vec::new();
    for name in requested.split(' ').filter(|name| !name.is_empty()) {
        if !allowed.contains(name) {
            tracing::info!(client = %client.id, "client refused a scope it may not have");
            return Err(AuthError::new(ErrorKind::InvalidScope));
        }
        if !granted.contains(&name) {
            granted.push(name);
        }
    }
    Ok(granted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_urlencoded_inside_base64() {
        let encoded = STANDARD.encode("svc%3Aa:s%20e+cret");
        let credentials = decode_basic(&encoded).unwrap_or_else(|| unreachable!());
        assert_eq!(credentials.id, "svc:a");
        assert_eq!(credentials.secret, "s e cret");
        for bad in [
            "",
            "!!!",
            &STANDARD.encode("no-colon"),
            &STANDARD.encode(":secret"),
        ] {
            assert!(decode_basic(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_scope_granted_is_what_was_asked_within_what_is_allowed() {
        let client = Client::new("svc", "hash", ["reports:read", "reports:write"]);
        assert_eq!(
            granted_scope(&client, None).ok().as_deref(),
            Some("reports:read reports:write")
        );
        assert_eq!(
            granted_scope(&client, Some("reports:write  reports:write"))
                .ok()
                .as_deref(),
            Some("reports:write")
        );
        let refused = granted_scope(&client, Some("reports:read admin")).err();
        assert_eq!(refused.map(|e| e.kind()), Some(ErrorKind::InvalidScope));
    }
}
