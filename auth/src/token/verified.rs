use std::any::TypeId;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::json::Key;

use super::TokenError;
use super::payload::{Names, ParsedPayload, Span};
use crate::claims::{PermissionEnum, Permissions};
use crate::claims::{RegisteredClaims, effective_bits};
use crate::{RoleEnum, Roles, TokenClaims};

/// A verified access token: its registered claims, its roles and its payload.
///
/// Extractors cache it in the request extensions (as `Arc<VerifiedToken>`), so several
/// extractors on one request verify the token once.
#[derive(Debug)]
pub struct VerifiedToken {
    /// The decoded JSON payload, then the unescaped form of any name below that had escapes
    /// in it (`token::payload`): one allocation for every string of the token.
    text: String,
    payload_len: usize,
    subject: Span,
    /// Empty for a token without `jti`.
    jwt_id: Span,
    issued_at: u64,
    not_before: Option<u64>,
    expires_at: u64,
    /// Built the first time it is asked for: the request path reads the claims above
    /// directly.
    /// Boxed: asked for rarely, and a verified token is moved whole into its `Arc`.
    registered: OnceLock<Box<RegisteredClaims>>,
    roles: Names,
    /// The names of the scope claim, as written.
    scopes: Names,
    /// The effective role bits for the last role type asked about: an application has one
    /// role enum, so this turns every role check after the first into a mask and a compare.
    role_bits: OnceLock<(TypeId, u64)>,
    /// The permission bits (scopes and what the roles grant) for the last permission type
    /// asked about, for the same reason.
    permission_bits: OnceLock<(TypeId, u64)>,
    /// `fresh` and `sid`, read from the payload the first time they are asked for (only
    /// fresh-only handlers and cookie requests need them); `None` when mistyped.
    session: OnceLock<Option<SessionClaims>>,
}

/// The session claims of a verified token.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SessionClaims {
    pub(crate) fresh: bool,
    pub(crate) id: Option<Box<str>>,
}

/// The registered claims as the verifier checked them, their strings as [`Span`]s of the
/// payload.
#[derive(Clone, Copy)]
pub(crate) struct CheckedClaims {
    pub(crate) subject: Span,
    pub(crate) jwt_id: Span,
    pub(crate) issued_at: u64,
    pub(crate) not_before: Option<u64>,
    pub(crate) expires_at: u64,
}

impl VerifiedToken {
    /// `payload` is the decoded payload; the spans of `claims` and `parsed` point into it
    /// followed by `parsed.unescaped`.
    pub(crate) fn new(mut payload: String, claims: CheckedClaims, parsed: ParsedPayload) -> Self {
        let payload_len = payload.len();
        payload.push_str(&parsed.unescaped);
        Self {
            text: payload,
            payload_len,
            subject: claims.subject,
            jwt_id: claims.jwt_id,
            issued_at: claims.issued_at,
            not_before: claims.not_before,
            expires_at: claims.expires_at,
            registered: OnceLock::new(),
            roles: parsed.roles,
            scopes: parsed.scopes,
            role_bits: OnceLock::new(),
            permission_bits: OnceLock::new(),
            session: OnceLock::new(),
        }
    }

    fn text(&self, span: Span) -> &str {
        // Spans are made by the parser of this very text; an empty string is the answer for
        // one that would not fit, which cannot happen.
        self.text.get(span.range()).unwrap_or_default()
    }

    /// The registered claims.
    pub fn registered(&self) -> &RegisteredClaims {
        self.registered.get_or_init(|| {
            Box::new(RegisteredClaims {
                subject: self.subject().into(),
                jwt_id: self.jwt_id().into(),
                issued_at: self.issued_at,
                not_before: self.not_before,
                expires_at: self.expires_at,
            })
        })
    }

    /// `sub`: the user the token was issued to.
    pub fn subject(&self) -> &str {
        self.text(self.subject)
    }

    /// `jti`: the token's unique id.
    pub fn jwt_id(&self) -> &str {
        self.text(self.jwt_id)
    }

    /// `exp`, in seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// `iat`, in seconds since the Unix epoch.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// `nbf`, in seconds since the Unix epoch, if the token has one.
    pub fn not_before(&self) -> Option<u64> {
        self.not_before
    }

    /// The role names in the token, as written, including names no role enum knows.
    pub fn role_names(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(|name| self.text(name))
    }

    /// The roles of `R` named in the token (unknown names are skipped), without the
    /// hierarchy.
    pub fn roles<R: RoleEnum>(&self) -> Roles<R> {
        Roles::from_names(self.role_names())
    }

    /// The roles of `R` the token grants, the hierarchy included.
    pub fn effective_roles<R: RoleEnum>(&self) -> Roles<R> {
        let id = TypeId::of::<R>();
        let &(cached_for, bits) = self
            .role_bits
            .get_or_init(|| (id, effective_bits::<R>(self.roles::<R>().bits())));
        if cached_for == id {
            Roles::from_bits(bits)
        } else {
            self.roles::<R>().effective()
        }
    }

    /// The names in the token's scope claim (`scope` unless
    /// [configured](crate::AuthenticatorBuilder::scope_claim)), as written, including names
    /// no permission enum knows.
    pub fn scope_names(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(|name| self.text(name))
    }

    /// The permissions of `P` the token grants: those its scope claim names plus those its
    /// roles grant (with the hierarchy). Unknown names grant nothing.
    pub fn permissions<P: PermissionEnum>(&self) -> Permissions<P> {
        let id = TypeId::of::<P>();
        let compute = || {
            Permissions::<P>::from_names(self.scope_names()).bits()
                | P::role_grants(self.role_names())
        };
        let &(cached_for, bits) = self.permission_bits.get_or_init(|| (id, compute()));
        Permissions::from_bits(if cached_for == id { bits } else { compute() })
    }

    /// Whether the token is *fresh*: issued by a password login (`"fresh": true`), not by a
    /// refresh. Fresh-only handlers require it ([`RequireFresh`](crate::RequireFresh),
    /// `#[protected(fresh)]`). A `fresh` claim that is not a boolean reads as not fresh.
    pub fn is_fresh(&self) -> bool {
        self.session_claims().is_ok_and(|session| session.fresh)
    }

    /// `sid`: the session (refresh-token family) the token was issued in, for tokens the
    /// [endpoints](crate::endpoints) issue with [cookies](crate::transport::cookie) on. The same across
    /// refreshes, different for every login; CSRF tokens are bound to it.
    pub fn session_id(&self) -> Option<&str> {
        self.session_claims().ok()?.id.as_deref()
    }

    /// `fresh` and `sid`, strictly typed: a `fresh` that is not a boolean or a `sid` that is
    /// not a string makes the token invalid for the checks that read them (security manual, TV-15).
    pub(crate) fn session_claims(&self) -> Result<&SessionClaims, TokenError> {
        self.session
            .get_or_init(|| SessionClaims::parse(self.payload()))
            .as_ref()
            .ok_or(TokenError::InvalidClaims)
    }

    /// The decoded JSON payload.
    pub fn payload(&self) -> &[u8] {
        self.payload_text().as_bytes()
    }

    /// The payload, which the verifier checked to be UTF-8.
    fn payload_text(&self) -> &str {
        self.text.get(..self.payload_len).unwrap_or_default()
    }

    /// Deserializes the payload into the application's claims type.
    ///
    /// Role names the claims' role enum does not know are dropped from
    /// [`TokenClaims::ROLES_MEMBER`] first, so they grant nothing and are not an error even when
    /// the field is a `Vec<Role>`.
    ///
    /// A roles member that is a string of space-separated names (an OAuth `scope` read as
    /// roles, [`AuthenticatorBuilder::roles_claim`](crate::AuthenticatorBuilder::roles_claim))
    /// is read as the list of those names, as the role guards read it.
    pub fn claims<C: TokenClaims>(&self) -> Result<C, TokenError> {
        self.claims_explained().map_err(|(reason, _)| reason)
    }

    /// [`claims`](Self::claims), and on failure why, for the server's log: the field that
    /// did not fit, never a value from the token.
    pub(crate) fn claims_explained<C: TokenClaims>(&self) -> Result<C, (TokenError, String)> {
        let first = match serde_json::from_str::<C>(self.payload_text()) {
            Ok(claims) => return Ok(claims),
            Err(err) => err,
        };
        // The slow path runs only when the direct parse failed, which for a token this
        // library issued means a role name the deployed enum no longer knows.
        let Some(member) = C::ROLES_MEMBER else {
            return Err((TokenError::ClaimsType, explain(&first)));
        };
        let mut value: Value = serde_json::from_str(self.payload_text())
            .map_err(|err| (TokenError::ClaimsType, explain(&err)))?;
        let known = |name: &str| C::Role::from_name(name).is_some();
        match value.get_mut(member) {
            Some(Value::Array(names)) => {
                names.retain(|name| name.as_str().is_some_and(known));
            }
            Some(roles @ Value::String(_)) => {
                let names = roles
                    .as_str()
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|name| known(name))
                    .map(Value::from)
                    .collect();
                *roles = Value::Array(names);
            }
            _ => {}
        }
        serde_json::from_value(value).map_err(|err| (TokenError::ClaimsType, explain(&err)))
    }
}

/// What a serde error says about the claims type, without the token's values: messages about
/// a field (missing, unknown, duplicate) name only the field; others ("invalid type: string
/// \"...\", expected u64") keep their kind and drop what follows.
fn explain(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let about_a_field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|prefix| message.starts_with(prefix));
    if about_a_field {
        return message;
    }
    let kind = message.split(':').next().unwrap_or("invalid claims");
    format!("{kind} (value not logged) at column {}", err.column())
}

impl SessionClaims {
    /// Reads `fresh` and `sid` from a verified payload (a JSON object without duplicate
    /// members: the verifier checked both), skipping everything else.
    fn parse(payload: &[u8]) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_slice(payload);
        de.deserialize_map(SessionVisitor).ok()
    }
}

struct SessionVisitor;

impl<'de> Visitor<'de> for SessionVisitor {
    type Value = SessionClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SessionClaims, A::Error> {
        let mut session = SessionClaims::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match &*key {
                "fresh" => session.fresh = map.next_value::<bool>()?,
                "sid" => {
                    let id = map.next_value::<String>()?;
                    if id.is_empty() {
                        return Err(de::Error::custom("empty sid"));
                    }
                    session.id = Some(id.into_boxed_str());
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_claims_are_read_strictly() {
        let parse = |json: &str| SessionClaims::parse(json.as_bytes());
        assert_eq!(
            parse(r#"{"sub":"a","fresh":true,"sid":"s1","x":{"fresh":false}}"#),
            Some(SessionClaims {
                fresh: true,
                id: Some("s1".into())
            })
        );
        assert_eq!(parse(r#"{"sub":"a"}"#), Some(SessionClaims::default()));
        for bad in [
            r#"{"fresh":"true"}"#,
            r#"{"fresh":1}"#,
            r#"{"fresh":null}"#,
            r#"{"sid":5}"#,
            r#"{"sid":""}"#,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
