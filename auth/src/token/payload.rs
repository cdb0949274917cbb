//! The payload parser: the registered claims (RFC 7519 §4.1) and the roles, read strictly.
//!
//! Every registered claim is parsed into its exact JSON type: an `exp` that is a string or a
//! float, an `iss` that is an array, an `aud` that is a number make the token invalid; they are
//! never read as "absent" (CVE-2026-25537 was that bug). Duplicate members at any depth,
//! bytes that are not UTF-8 and lone surrogate escapes make it invalid too, in members that
//! are not read as well (security manual, TV-04 and "Why this crate parses the JWS itself").

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::json::{self, Key, SeenKeys, Strict};

/// What the payload parser checks while it reads.
pub(crate) struct PayloadRules<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audience: &'a str,
    /// Where the roles are: `["roles"]`, or a nested path such as `["realm_access", "roles"]`.
    pub(crate) roles_path: &'a [Box<str>],
    /// Whether the roles may also be one string of space-separated names (an OAuth `scope`,
    /// RFC 6749 §3.3), besides an array of names.
    pub(crate) roles_from_string: bool,
    /// The top-level member that carries OAuth scopes (RFC 9068 §2.2.3: `scope`, a string of
    /// space-separated names; an array of names is accepted too).
    pub(crate) scope_claim: &'a str,
}

/// The payload as read, before the time and identity checks.
#[derive(Debug, Default)]
pub(crate) struct ParsedPayload {
    pub(crate) sub: Option<Box<str>>,
    pub(crate) jti: Option<Box<str>>,
    pub(crate) exp: Option<u64>,
    pub(crate) nbf: Option<u64>,
    pub(crate) iat: Option<u64>,
    /// `None` when absent; otherwise whether it equals the configured issuer exactly.
    pub(crate) iss_matches: Option<bool>,
    /// `None` when absent; otherwise whether it contains the configured audience.
    pub(crate) aud_matches: Option<bool>,
    pub(crate) roles: Vec<Box<str>>,
    pub(crate) scopes: Vec<Box<str>>,
}

/// The payload is not a JSON object of correctly typed registered claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClaimsProblem;

/// Most payloads have ten to twenty members; hundreds is not a token this crate issued.
const MAX_MEMBERS: usize = 128;
/// A token with more roles than this is refused rather than scanned.
const MAX_ROLES_LISTED: usize = 256;

impl ParsedPayload {
    pub(crate) fn parse(json: &[u8], rules: &PayloadRules<'_>) -> Result<Self, ClaimsProblem> {
        if json.first() != Some(&b'{') || json.last() != Some(&b'}') {
            return Err(ClaimsProblem);
        }
        // UTF-8 as a whole, members that are skipped included (security manual, TV-04).
        let text = json::utf8(json).ok_or(ClaimsProblem)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = de
            .deserialize_map(PayloadVisitor { rules })
            .map_err(|_| ClaimsProblem)?;
        de.end().map_err(|_| ClaimsProblem)?;
        Ok(parsed)
    }
}

struct PayloadVisitor<'r, 'a> {
    rules: &'r PayloadRules<'a>,
}

impl<'de> Visitor<'de> for PayloadVisitor<'_, '_> {
    type Value = ParsedPayload;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = ParsedPayload::default();
        let mut seen = SeenKeys::<MAX_MEMBERS>::new();
        let (roles_head, roles_rest) = match self.rules.roles_path {
            [head, rest @ ..] => (Some(&**head), rest),
            [] => (None, &[][..]),
        };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            seen.insert(&key)?;
            match &*key {
                "sub" => out.sub = Some(map.next_value::<String>()?.into_boxed_str()),
                "jti" => out.jti = Some(map.next_value::<String>()?.into_boxed_str()),
                // `u64`: a float, a negative number, a string or `null` is a type error.
                "exp" => out.exp = Some(map.next_value::<u64>()?),
                "nbf" => out.nbf = Some(map.next_value::<u64>()?),
                "iat" => out.iat = Some(map.next_value::<u64>()?),
                "iss" => {
                    let Key(iss) = map.next_value::<Key<'de>>()?;
                    out.iss_matches = Some(*iss == *self.rules.issuer);
                }
                "aud" => {
                    out.aud_matches = Some(map.next_value_seed(AudienceSeed(self.rules.audience))?);
                }
                name if Some(name) == roles_head => {
                    out.roles = map.next_value_seed(RolesSeed {
                        rest: roles_rest,
                        from_string: self.rules.roles_from_string,
                    })?;
                    // Roles configured to be read from the scope claim are its scopes too.
                    if roles_rest.is_empty() && name == self.rules.scope_claim {
                        out.scopes.clone_from(&out.roles);
                    }
                }
                name if name == self.rules.scope_claim => {
                    out.scopes = map.next_value_seed(RolesSeed {
                        rest: &[],
                        from_string: true,
                    })?;
                }
                // Not read, still checked: strings, and duplicates at any depth (TV-04).
                _ => {
                    map.next_value::<Strict<MAX_MEMBERS>>()?;
                }
            }
        }
        Ok(out)
    }
}

/// `aud`: a string, or a non-empty array of strings (RFC 7519 §4.1.3). Yields whether the
/// configured audience is among them.
struct AudienceSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for AudienceSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AudienceSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a non-empty array of strings")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut any = false;
        let mut count = 0usize;
        while let Some(Key(aud)) = seq.next_element::<Key<'de>>()? {
            any |= *aud == *self.0;
            count += 1;
        }
        if count == 0 {
            return Err(de::Error::invalid_length(0, &self));
        }
        Ok(any)
    }
}

/// The roles at the rest of the configured path: an array of strings at its end (or, when
/// allowed, one string of space-separated names), objects on the way. A path that runs into a
/// missing member means no roles; a wrong type is an error.
struct RolesSeed<'p> {
    rest: &'p [Box<str>],
    from_string: bool,
}

impl<'de> DeserializeSeed<'de> for RolesSeed<'_> {
    type Value = Vec<Box<str>>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match (self.rest.is_empty(), self.from_string) {
            (true, true) => deserializer.deserialize_any(self),
            (true, false) => deserializer.deserialize_seq(self),
            (false, _) => deserializer.deserialize_map(self),
        }
    }
}

impl<'de> Visitor<'de> for RolesSeed<'_> {
    type Value = Vec<Box<str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rest.is_empty(), self.from_string) {
            (true, true) => f.write_str("an array of role names or a space-separated string"),
            (true, false) => f.write_str("an array of role names"),
            (false, _) => f.write_str("an object on the path to the roles"),
        }
    }

    /// An OAuth scope: names separated by spaces (RFC 6749 §3.3). Only reached when allowed
    /// (`deserialize_any`), and only at the end of the path.
    fn visit_str<E: de::Error>(self, scope: &str) -> Result<Self::Value, E> {
        if !self.from_string || !self.rest.is_empty() {
            return Err(de::Error::invalid_type(de::Unexpected::Str(scope), &self));
        }
        let mut roles = Vec::new();
        for name in scope.split(' ').filter(|name| !name.is_empty()) {
            if roles.len() == MAX_ROLES_LISTED {
                return Err(de::Error::custom("too many roles"));
            }
            roles.push(Box::from(name));
        }
        Ok(roles)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut roles = Vec::new();
        while let Some(Key(role)) = seq.next_element::<Key<'de>>()? {
            if roles.len() == MAX_ROLES_LISTED {
                return Err(de::Error::custom("too many roles"));
            }
            roles.push(role.into_owned().into_boxed_str());
        }
        Ok(roles)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let [head, rest @ ..] = self.rest else {
            return Err(de::Error::custom("unexpected object"));
        };
        let mut seen = SeenKeys::<MAX_MEMBERS>::new();
        let mut roles = Vec::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            seen.insert(&key)?;
            if *key == **head {
                roles = map.next_value_seed(RolesSeed {
                    rest,
                    from_string: self.from_string,
                })?;
            } else {
                map.next_value::<Strict<MAX_MEMBERS>>()?;
            }
        }
        Ok(roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(path: &[Box<str>]) -> PayloadRules<'_> {
        PayloadRules {
            issuer: "https://issuer.test",
            audience: "api",
            roles_path: path,
            roles_from_string: false,
            scope_claim: "scope",
        }
    }

    fn parse(json: &str) -> Result<ParsedPayload, ClaimsProblem> {
        ParsedPayload::parse(json.as_bytes(), &rules(&["roles".into()]))
    }

    #[test]
    fn a_well_formed_payload_is_read_exactly() {
        let p = parse(
            r#"{"iss":"https://issuer.test","sub":"u1","aud":["x","api"],"exp":20,"nbf":10,"iat":10,"jti":"j","roles":["admin","nope"],"email":"a@b"}"#,
        )
        .unwrap();
        assert_eq!(p.sub.as_deref(), Some("u1"));
        assert_eq!(p.jti.as_deref(), Some("j"));
        assert_eq!((p.exp, p.nbf, p.iat), (Some(20), Some(10), Some(10)));
        assert_eq!((p.iss_matches, p.aud_matches), (Some(true), Some(true)));
        assert_eq!(p.roles, [Box::<str>::from("admin"), "nope".into()]);
    }

    #[test]
    fn issuer_and_audience_match_exactly() {
        let p = parse(r#"{"iss":"https://issuer.tes","aud":"API"}"#).unwrap();
        assert_eq!((p.iss_matches, p.aud_matches), (Some(false), Some(false)));
        let p = parse("{}").unwrap();
        assert_eq!((p.iss_matches, p.aud_matches), (None, None));
    }

    #[test]
    fn mistyped_registered_claims_are_errors_not_absent() {
        for bad in [
            r#"{"exp":"20"}"#,
            r#"{"exp":20.5}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":null}"#,
            r#"{"nbf":"1"}"#,
            r#"{"iat":true}"#,
            r#"{"iss":["https://issuer.test"]}"#,
            r#"{"iss":5}"#,
            r#"{"aud":1}"#,
            r#"{"aud":[]}"#,
            r#"{"aud":["api",1]}"#,
            r#"{"sub":7}"#,
            r#"{"jti":{}}"#,
            r#"{"roles":"admin"}"#,
            r#"{"roles":["admin",1]}"#,
            r#"{"roles":null}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"email":"a","email":"b"}"#,
            r#"{"exp":1} "#,
            "[1]",
            // Members the verifier does not read are checked all the same.
            r#"{"email":"\ud800"}"#,
            r#"{"email":"\udc00\ud800"}"#,
            r#"{"ext":{"a":1,"a":2}}"#,
            r#"{"ext":[1,{"x":{"a":1,"\u0061":2}}]}"#,
            r#"{"realm_access":{"roles":[],"other":{"b":1,"b":1}}}"#,
        ] {
            assert_eq!(parse(bad).err(), Some(ClaimsProblem), "{bad}");
        }
    }

    #[test]
    fn unread_members_must_be_utf8_and_may_hold_anything_well_formed() {
        assert!(parse("{\"email\":\"Andr\u{e9}\"}").is_ok());
        assert!(parse(r#"{"email":"\ud83d\ude00","ext":{"a":[{"a":1}],"b":{"a":1}}}"#).is_ok());
        let latin1 = b"{\"email\":\"Andr\xe9\"}";
        assert!(ParsedPayload::parse(latin1, &rules(&["roles".into()])).is_err());
    }

    #[test]
    fn nested_roles_paths_are_followed() {
        let path: Vec<Box<str>> = vec!["realm_access".into(), "roles".into()];
        let json = r#"{"realm_access":{"roles":["admin"],"other":1},"roles":["viewer"]}"#;
        let p = ParsedPayload::parse(json.as_bytes(), &rules(&path)).unwrap();
        assert_eq!(p.roles, [Box::<str>::from("admin")]);
        let p = ParsedPayload::parse(br#"{"realm_access":{}}"#, &rules(&path)).unwrap();
        assert!(p.roles.is_empty());
        assert!(ParsedPayload::parse(br#"{"realm_access":["admin"]}"#, &rules(&path)).is_err());
    }

    #[test]
    fn a_configured_roles_claim_may_be_a_space_separated_scope() {
        let path: Vec<Box<str>> = vec!["scope".into()];
        let scope = PayloadRules {
            roles_from_string: true,
            ..rules(&path)
        };
        let names = |json: &str| {
            ParsedPayload::parse(json.as_bytes(), &scope).map(|p| {
                p.roles
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<String>>()
            })
        };
        assert_eq!(
            names(r#"{"scope":"openid  posts:write profile"}"#).unwrap(),
            ["openid", "posts:write", "profile"]
        );
        assert_eq!(
            names(r#"{"scope":["posts:write"]}"#).unwrap(),
            ["posts:write"]
        );
        assert_eq!(names(r#"{"scope":""}"#).unwrap(), Vec::<String>::new());
        assert_eq!(
            names(r#"{"scope":"a\tb"}"#).unwrap(),
            ["a\tb"],
            "only spaces separate"
        );
        for bad in [
            r#"{"scope":1}"#,
            r#"{"scope":null}"#,
            r#"{"scope":{"a":1}}"#,
            r#"{"scope":["a",1]}"#,
        ] {
            assert!(names(bad).is_err(), "{bad}");
        }
        let many = format!(r#"{{"scope":"{}"}}"#, vec!["x"; 300].join(" "));
        assert!(names(&many).is_err(), "too many roles");
        // Nested paths end in a string the same way; objects on the way stay objects.
        let nested: Vec<Box<str>> = vec!["access".into(), "scope".into()];
        let nested = PayloadRules {
            roles_from_string: true,
            ..rules(&nested)
        };
        let p = ParsedPayload::parse(br#"{"access":{"scope":"a b"}}"#, &nested).unwrap();
        assert_eq!(p.roles.len(), 2);
        assert!(ParsedPayload::parse(br#"{"access":"a b"}"#, &nested).is_err());
        // The default claim stays an array (security manual, TV-15).
        assert!(parse(r#"{"roles":"admin"}"#).is_err());
    }

    #[test]
    fn the_scope_claim_is_read_as_a_string_or_an_array() {
        let roles: Vec<Box<str>> = vec!["roles".into()];
        let scopes = |json: &str| {
            ParsedPayload::parse(json.as_bytes(), &rules(&roles)).map(|p| {
                let names = |v: Vec<Box<str>>| v.into_iter().map(String::from).collect::<Vec<_>>();
                (names(p.roles), names(p.scopes))
            })
        };
        assert_eq!(
            scopes(r#"{"roles":["admin"],"scope":"posts:write  reports:read"}"#).unwrap(),
            (
                vec!["admin".into()],
                vec!["posts:write".into(), "reports:read".into()]
            )
        );
        assert_eq!(
            scopes(r#"{"scope":["posts:write"]}"#).unwrap().1,
            ["posts:write"]
        );
        assert!(scopes(r#"{"roles":["a"]}"#).unwrap().1.is_empty());
        for bad in [
            r#"{"scope":1}"#,
            r#"{"scope":{"a":"b"}}"#,
            r#"{"scope":["a",2]}"#,
        ] {
            assert!(scopes(bad).is_err(), "{bad}");
        }
        let many = format!(r#"{{"scope":"{}"}}"#, vec!["x"; 300].join(" "));
        assert!(scopes(&many).is_err());
        // Another claim name (Azure AD writes `scp`).
        let scp = PayloadRules {
            scope_claim: "scp",
            ..rules(&roles)
        };
        let p = ParsedPayload::parse(br#"{"scp":"a b","scope":"c"}"#, &scp).unwrap();
        assert_eq!(p.scopes.len(), 2);
        // Roles read from the scope claim are its scopes as well.
        let both: Vec<Box<str>> = vec!["scope".into()];
        let p = ParsedPayload::parse(
            br#"{"scope":"a b"}"#,
            &PayloadRules {
                roles_from_string: true,
                ..rules(&both)
            },
        )
        .unwrap();
        assert_eq!((p.roles.len(), p.scopes.len()), (2, 2));
    }
}
