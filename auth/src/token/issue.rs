//! The access-token issuer.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{TokenRules, base64url};
use crate::TokenClaims;
use crate::claims::RESERVED;
use crate::keys::{KeyError, KeySet};

/// A freshly signed access token.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The compact JWS to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Its `jti`.
    pub jwt_id: String,
    /// `iat`, in seconds since the Unix epoch.
    pub issued_at: u64,
    /// `exp`, in seconds since the Unix epoch.
    pub expires_at: u64,
}

impl IssuedToken {
    /// Seconds from issue to expiry: the `expires_in` of a token response.
    pub fn expires_in(&self) -> u64 {
        self.expires_at - self.issued_at
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A bearer token is a credential: never in logs.
        f.debug_struct("IssuedToken")
            .field("access_token", &"[redacted]")
            .field("jwt_id", &self.jwt_id)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why a token could not be issued: a programming or configuration error of the application,
/// never something a client did.
#[derive(Debug)]
#[non_exhaustive]
pub enum IssueError {
    /// The claims type does not serialize to a JSON object.
    NotAnObject,
    /// The claims type has a member the library owns (`iss`, `aud`, `exp`, `nbf`, `iat`,
    /// `jti`, `fresh`, `sid`).
    ReservedClaim(&'static str),
    /// The claims type failed to serialize.
    Serialize(serde_json::Error),
    /// The key set cannot sign.
    Key(KeyError),
}

impl fmt::Display for IssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAnObject => f.write_str("claims must serialize to a JSON object"),
            Self::ReservedClaim(name) => write!(
                f,
                "the claims type has a `{name}` member, which the library sets itself"
            ),
            Self::Serialize(err) => write!(f, "claims failed to serialize: {err}"),
            Self::Key(err) => write!(f, "cannot sign: {err}"),
        }
    }
}

impl std::error::Error for IssueError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Serialize(err) => Some(err),
            Self::Key(err) => Some(err),
            _ => None,
        }
    }
}

/// What the issuer adds to the application's claims, beyond `sub` and `roles`.
pub(crate) struct Stamp {
    pub(crate) issued_at: u64,
    pub(crate) expires_at: u64,
    pub(crate) jwt_id: String,
    pub(crate) session: Session,
}

/// The session claims of a token: `fresh` and `sid`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Session {
    /// Written as `"fresh": true` (a password login); absent otherwise.
    pub(crate) fresh: bool,
    /// `sid`: the session (refresh-token family) the token belongs to, which CSRF tokens
    /// are bound to. Absent for tokens issued outside the endpoints.
    pub(crate) id: Option<String>,
}

pub(crate) fn issue<C: TokenClaims + Serialize>(
    keys: &KeySet,
    rules: &TokenRules,
    claims: &C,
    stamp: Stamp,
) -> Result<IssuedToken, IssueError> {
    let Value::Object(custom) = serde_json::to_value(claims).map_err(IssueError::Serialize)? else {
        return Err(IssueError::NotAnObject);
    };
    if let Some(name) = RESERVED.iter().find(|name| custom.contains_key(**name)) {
        return Err(IssueError::ReservedClaim(name));
    }
    let mut payload = custom;
    // `sub` and the roles always come from the trait, so they agree with what the guards read.
    payload.insert("sub".into(), claims.subject().into());
    let role_names: Vec<Value> = claims.roles().names().map(Value::from).collect();
    insert_at_path(&mut payload, &rules.roles_path, Value::Array(role_names));
    payload.insert("iss".into(), rules.issuer.as_ref().into());
    payload.insert("aud".into(), rules.audience.as_ref().into());
    payload.insert("iat".into(), stamp.issued_at.into());
    payload.insert("nbf".into(), stamp.issued_at.into());
    payload.insert("exp".into(), stamp.expires_at.into());
    payload.insert("jti".into(), stamp.jwt_id.clone().into());
    if stamp.session.fresh {
        payload.insert("fresh".into(), true.into());
    }
    if let Some(id) = stamp.session.id {
        payload.insert("sid".into(), id.into());
    }
    let payload = serde_json::to_vec(&payload).map_err(IssueError::Serialize)?;

    let signing = keys
        .signing_key()
        .ok_or(IssueError::Key(KeyError::NoSigningKey))?;
    let mut token = String::with_capacity(512);
    // Written once per key: the verifier recognises this exact segment (`verify`).
    token.push_str(signing.verifying_key().header_segment());
    token.push('.');
    base64url::encode_into(&payload, &mut token);
    let signature = signing.sign(token.as_bytes()).map_err(IssueError::Key)?;
    token.push('.');
    base64url::encode_into(&signature, &mut token);

    Ok(IssuedToken {
        access_token: token,
        jwt_id: stamp.jwt_id,
        issued_at: stamp.issued_at,
        expires_at: stamp.expires_at,
    })
}

/// Sets `value` at a dotted path such as `realm_access.roles`, creating objects on the way
/// and replacing anything that is not one.
fn insert_at_path(object: &mut Map<String, Value>, path: &[Box<str>], value: Value) {
    match path {
        [] => {}
        [last] => {
            object.insert(last.to_string(), value);
        }
        [head, rest @ ..] => {
            let entry = object
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_at_path(inner, rest, value);
            }
        }
    }
}
