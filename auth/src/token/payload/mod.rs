//! The payload parser: the registered claims (RFC 7519 §4.1) and the roles, read strictly.
//!
//! Every registered claim is parsed into its exact JSON type: an `exp` that is a string or a
//! float, an `iss` that is an array, an `aud` that is a number make the token invalid; they are
//! never read as "absent" (CVE-2026-25537 was that bug). Duplicate members at any depth,
//! bytes that are not UTF-8 and lone surrogate escapes make it invalid too, in members that
//! are not read as well (security manual, TV-04 and "Why this crate parses the JWS itself").
//!
//! Payloads of the shape this crate issues are read by a scanner ([`flat`]) that answers as
//! serde_json would, and only where it can: everything else, errors included, goes through
//! serde_json.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::json::{Key, SeenKeys, Strict};

mod flat;

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
///
/// The strings it keeps (`sub`, `jti`, the role and scope names) are [`Span`]s rather than
/// owned strings: a verification allocates for the payload, not for each name in it.
#[derive(Debug, Default)]
pub(crate) struct ParsedPayload {
    pub(crate) sub: Option<Span>,
    pub(crate) jti: Option<Span>,
    pub(crate) exp: Option<u64>,
    pub(crate) nbf: Option<u64>,
    pub(crate) iat: Option<u64>,
    /// `None` when absent; otherwise whether it equals the configured issuer exactly.
    pub(crate) iss_matches: Option<bool>,
    /// `None` when absent; otherwise whether it contains the configured audience.
    pub(crate) aud_matches: Option<bool>,
    pub(crate) roles: Names,
    pub(crate) scopes: Names,
    /// The unescaped text of the kept strings that had escapes in the JSON, which their spans
    /// point to: it goes right after the payload.
    pub(crate) unescaped: String,
}

/// Where a string read from the payload is, in the payload's text followed by
/// [`ParsedPayload::unescaped`]: a string without escapes (nearly all of them) is the very
/// bytes between its quotes; one with escapes has its unescaped form appended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    pub(crate) fn range(self) -> Range<usize> {
        // `u32` to `usize` is lossless on every target this crate builds for (16-bit ones
        // have no `std`).
        self.start as usize..self.end as usize
    }

    pub(crate) fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// How many names of a list claim (roles, scopes) are kept without allocating.
const INLINE_NAMES: usize = 6;

/// The names of a list claim, as [`Span`]s: the first [`INLINE_NAMES`] inline.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    inline: [Span; INLINE_NAMES],
    inline_len: usize,
    spilled: Vec<Span>,
}

impl Names {
    pub(crate) fn iter(&self) -> impl Iterator<Item = Span> + '_ {
        self.inline[..self.inline_len]
            .iter()
            .chain(&self.spilled)
            .copied()
    }

    fn len(&self) -> usize {
        self.inline_len + self.spilled.len()
    }

    fn push<E: de::Error>(&mut self, span: Span) -> Result<(), E> {
        if self.len() == MAX_ROLES_LISTED {
            return Err(E::custom("too many roles"));
        }
        match self.inline.get_mut(self.inline_len) {
            Some(slot) => {
                *slot = span;
                self.inline_len += 1;
            }
            None => self.spilled.push(span),
        }
        Ok(())
    }
}

/// Turns the strings the parser keeps into [`Span`]s of the payload text.
struct Text<'de> {
    json: &'de str,
    unescaped: String,
}

impl<'de> Text<'de> {
    fn span<E: de::Error>(&mut self, text: Cow<'de, str>) -> Result<Span, E> {
        match text {
            Cow::Borrowed(text) => self.borrowed(text),
            Cow::Owned(text) => self.unescaped(&text),
        }
    }

    /// A string the deserializer borrowed from the JSON text: its place there.
    fn borrowed<E: de::Error>(&mut self, text: &'de str) -> Result<Span, E> {
        let start = text.as_ptr().addr().wrapping_sub(self.json.as_ptr().addr());
        match start.checked_add(text.len()) {
            Some(end) if end <= self.json.len() => span(start, end),
            // Not inside the JSON text after all: kept as a copy.
            _ => self.unescaped(text),
        }
    }

    /// A string the deserializer unescaped: appended after the JSON text.
    fn unescaped<E: de::Error>(&mut self, text: &str) -> Result<Span, E> {
        let start = self.json.len() + self.unescaped.len();
        self.unescaped.push_str(text);
        span(start, start + text.len())
    }
}

fn span<E: de::Error>(start: usize, end: usize) -> Result<Span, E> {
    // Payloads are below `MAX_TOKEN_LEN`, far from 4 GiB.
    match (u32::try_from(start), u32::try_from(end)) {
        (Ok(start), Ok(end)) => Ok(Span { start, end }),
        _ => Err(E::custom("payload too large")),
    }
}

/// The payload is not a JSON object of correctly typed registered claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClaimsProblem;

/// Most payloads have ten to twenty members; hundreds is not a token this crate issued.
const MAX_MEMBERS: usize = 128;
/// A token with more roles than this is refused rather than scanned.
const MAX_ROLES_LISTED: usize = 256;

impl ParsedPayload {
    /// Parses `json`, the decoded payload, already checked to be UTF-8 as a whole (members
    /// that are skipped included: security manual, TV-04).
    pub(crate) fn parse(json: &str, rules: &PayloadRules<'_>) -> Result<Self, ClaimsProblem> {
        if !json.starts_with('{') || !json.ends_with('}') {
            return Err(ClaimsProblem);
        }
        // The payloads this crate issues take the fast path; anything else, and any error,
        // is the serde path's.
        if let Some(parsed) = flat::read(json, rules) {
            return Ok(parsed);
        }
        Self::parse_with_serde(json, rules)
    }

    /// The general path: every payload, every error.
    fn parse_with_serde(json: &str, rules: &PayloadRules<'_>) -> Result<Self, ClaimsProblem> {
        let mut de = serde_json::Deserializer::from_str(json);
        let parsed = de
            .deserialize_map(PayloadVisitor { rules, json })
            .map_err(|_| ClaimsProblem)?;
        de.end().map_err(|_| ClaimsProblem)?;
        Ok(parsed)
    }
}

struct PayloadVisitor<'r, 'a, 'de> {
    rules: &'r PayloadRules<'a>,
    json: &'de str,
}

impl<'de> Visitor<'de> for PayloadVisitor<'_, '_, 'de> {
    type Value = ParsedPayload;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = ParsedPayload::default();
        let mut text = Text {
            json: self.json,
            unescaped: String::new(),
        };
        // The members read below are refused a second time by a bit each; only the others
        // go through `SeenKeys` (duplicates are refused either way: TV-04), which is set up at
        // the first of them: a payload of registered claims and roles never needs it.
        let mut seen: Option<SeenKeys<'de, MAX_MEMBERS>> = None;
        let mut read = 0u16;
        let mut members = 0usize;
        let (roles_head, roles_rest) = match self.rules.roles_path {
            [head, rest @ ..] => (Some(&**head), rest),
            [] => (None, &[][..]),
        };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            members += 1;
            if members > MAX_MEMBERS {
                return Err(de::Error::custom("too many members"));
            }
            let member = Member::named(&key, roles_head, self.rules.scope_claim);
            if let Some(bit) = member.bit() {
                if read & bit != 0 {
                    return Err(de::Error::custom("duplicate member"));
                }
                read |= bit;
            } else {
                seen.get_or_insert_with(SeenKeys::new).insert(&key)?;
            }
            match member {
                Member::Sub => out.sub = Some(text.span(map.next_value::<Key<'de>>()?.0)?),
                Member::Jti => out.jti = Some(text.span(map.next_value::<Key<'de>>()?.0)?),
                // `u64`: a float, a negative number, a string or `null` is a type error.
                Member::Exp => out.exp = Some(map.next_value::<u64>()?),
                Member::Nbf => out.nbf = Some(map.next_value::<u64>()?),
                Member::Iat => out.iat = Some(map.next_value::<u64>()?),
                Member::Iss => {
                    let Key(iss) = map.next_value::<Key<'de>>()?;
                    out.iss_matches = Some(*iss == *self.rules.issuer);
                }
                Member::Aud => {
                    out.aud_matches = Some(map.next_value_seed(AudienceSeed(self.rules.audience))?);
                }
                Member::Roles => {
                    map.next_value_seed(RolesSeed {
                        rest: roles_rest,
                        from_string: self.rules.roles_from_string,
                        names: &mut out.roles,
                        text: &mut text,
                    })?;
                    // Roles configured to be read from the scope claim are its scopes too.
                    if roles_rest.is_empty() && *key == *self.rules.scope_claim {
                        out.scopes.clone_from(&out.roles);
                    }
                }
                Member::Scope => {
                    map.next_value_seed(RolesSeed {
                        rest: &[],
                        from_string: true,
                        names: &mut out.scopes,
                        text: &mut text,
                    })?;
                }
                // Not read, still checked: strings, and duplicates at any depth (TV-04).
                Member::Other => {
                    map.next_value::<Strict<MAX_MEMBERS>>()?;
                }
            }
        }
        out.unescaped = text.unescaped;
        Ok(out)
    }
}

/// The payload members the parser reads, and the others.
#[derive(Debug, Clone, Copy)]
enum Member {
    Sub,
    Jti,
    Exp,
    Nbf,
    Iat,
    Iss,
    Aud,
    Roles,
    Scope,
    Other,
}

impl Member {
    /// The member `key` names: the registered claims first, then the roles claim (the head of
    /// its path), then the scope claim. Both readers of the payload ask this, so they agree
    /// on which reading a name gets.
    #[inline]
    fn named(key: &str, roles_head: Option<&str>, scope_claim: &str) -> Self {
        // Byte patterns: compared inline, where `str` patterns would call `memcmp`.
        match key.as_bytes() {
            [b's', b'u', b'b'] => Self::Sub,
            [b'j', b't', b'i'] => Self::Jti,
            [b'e', b'x', b'p'] => Self::Exp,
            [b'n', b'b', b'f'] => Self::Nbf,
            [b'i', b'a', b't'] => Self::Iat,
            [b'i', b's', b's'] => Self::Iss,
            [b'a', b'u', b'd'] => Self::Aud,
            _ if Some(key) == roles_head => Self::Roles,
            _ if key == scope_claim => Self::Scope,
            _ => Self::Other,
        }
    }

    /// The bit that records a member read; `None` for the others.
    fn bit(self) -> Option<u16> {
        match self {
            Self::Other => None,
            read => Some(1 << read as u16),
        }
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

/// The roles at the rest of the configured path, added to `names`: an array of strings at
/// its end (or, when allowed, one string of space-separated names), objects on the way. A
/// path that runs into a missing member means no roles; a wrong type is an error.
struct RolesSeed<'p, 'o, 'de> {
    rest: &'p [Box<str>],
    from_string: bool,
    names: &'o mut Names,
    text: &'o mut Text<'de>,
}

impl<'de> DeserializeSeed<'de> for RolesSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match (self.rest.is_empty(), self.from_string) {
            (true, true) => deserializer.deserialize_any(self),
            (true, false) => deserializer.deserialize_seq(self),
            (false, _) => deserializer.deserialize_map(self),
        }
    }
}

impl RolesSeed<'_, '_, '_> {
    /// Only reached when a string is allowed (`deserialize_any`), and only at the end of the
    /// path.
    fn check_string_allowed<E: de::Error>(&self, scope: &str) -> Result<(), E> {
        if !self.from_string || !self.rest.is_empty() {
            return Err(de::Error::invalid_type(de::Unexpected::Str(scope), self));
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for RolesSeed<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rest.is_empty(), self.from_string) {
            (true, true) => f.write_str("an array of role names or a space-separated string"),
            (true, false) => f.write_str("an array of role names"),
            (false, _) => f.write_str("an object on the path to the roles"),
        }
    }

    /// An OAuth scope: names separated by spaces (RFC 6749 §3.3), without escapes.
    fn visit_borrowed_str<E: de::Error>(self, scope: &'de str) -> Result<(), E> {
        self.check_string_allowed(scope)?;
        for name in scope.split(' ').filter(|name| !name.is_empty()) {
            let span = self.text.borrowed(name)?;
            self.names.push(span)?;
        }
        Ok(())
    }

    /// The same, with escapes.
    fn visit_str<E: de::Error>(self, scope: &str) -> Result<(), E> {
        self.check_string_allowed(scope)?;
        for name in scope.split(' ').filter(|name| !name.is_empty()) {
            let span = self.text.unescaped(name)?;
            self.names.push(span)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(Key(role)) = seq.next_element::<Key<'de>>()? {
            let span = self.text.span(role)?;
            self.names.push(span)?;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let [head, rest @ ..] = self.rest else {
            return Err(de::Error::custom("unexpected object"));
        };
        let mut seen = SeenKeys::<MAX_MEMBERS>::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            seen.insert(&key)?;
            if *key == **head {
                map.next_value_seed(RolesSeed {
                    rest,
                    from_string: self.from_string,
                    names: &mut *self.names,
                    text: &mut *self.text,
                })?;
            } else {
                map.next_value::<Strict<MAX_MEMBERS>>()?;
            }
        }
        Ok(())
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

    /// What the parser read, with its spans resolved.
    #[derive(Debug)]
    struct Read {
        sub: Option<String>,
        jti: Option<String>,
        exp: Option<u64>,
        nbf: Option<u64>,
        iat: Option<u64>,
        iss_matches: Option<bool>,
        aud_matches: Option<bool>,
        roles: Vec<String>,
        scopes: Vec<String>,
    }

    fn read(json: &str, rules: &PayloadRules<'_>) -> Result<Read, ClaimsProblem> {
        let p = ParsedPayload::parse(json, rules)?;
        let text = format!("{json}{}", p.unescaped);
        let resolve = |span: Span| text[span.range()].to_owned();
        Ok(Read {
            sub: p.sub.map(resolve),
            jti: p.jti.map(resolve),
            exp: p.exp,
            nbf: p.nbf,
            iat: p.iat,
            iss_matches: p.iss_matches,
            aud_matches: p.aud_matches,
            roles: p.roles.iter().map(resolve).collect(),
            scopes: p.scopes.iter().map(resolve).collect(),
        })
    }

    fn parse(json: &str) -> Result<Read, ClaimsProblem> {
        read(json, &rules(&["roles".into()]))
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
        assert_eq!(p.roles, ["admin", "nope"]);
    }

    #[test]
    fn every_member_read_is_refused_twice_escaped_or_not() {
        for name in [
            "sub", "jti", "exp", "nbf", "iat", "iss", "aud", "roles", "scope",
        ] {
            let value = match name {
                "exp" | "nbf" | "iat" => "1",
                "roles" => r#"["a"]"#,
                _ => r#""a""#,
            };
            let twice = format!(r#"{{"{name}":{value},"x":1,"{name}":{value}}}"#);
            assert!(parse(&twice).is_err(), "{twice}");
            let escaped = format!(
                r#"{{"{name}":{value},"\u{:04x}{}":{value}}}"#,
                u32::from(name.as_bytes()[0]),
                &name[1..]
            );
            assert!(parse(&escaped).is_err(), "{escaped}");
            assert!(parse(&format!(r#"{{"{name}":{value}}}"#)).is_ok(), "{name}");
        }
    }

    #[test]
    fn members_are_counted_whether_read_or_not() {
        let object = |unread: usize| {
            let members = (0..unread)
                .map(|i| format!(r#","m{i}":{i}"#))
                .collect::<Vec<_>>()
                .concat();
            format!(r#"{{"sub":"a","exp":1,"iat":1,"roles":[]{members}}}"#)
        };
        assert!(parse(&object(MAX_MEMBERS - 4)).is_ok());
        assert!(parse(&object(MAX_MEMBERS - 3)).is_err(), "too many members");
    }

    #[test]
    fn names_with_escapes_are_kept_unescaped() {
        let p =
            parse(r#"{"sub":"\u0061lice","jti":"j\"1","roles":["adm\u0069n","viewer","\u00e9"]}"#)
                .unwrap();
        assert_eq!(p.sub.as_deref(), Some("alice"));
        assert_eq!(p.jti.as_deref(), Some("j\"1"));
        assert_eq!(p.roles, ["admin", "viewer", "\u{e9}"]);
        let scope: Vec<Box<str>> = vec!["scope".into()];
        let p = read(
            r#"{"scope":"a\u0020b  c","sub":"x"}"#,
            &PayloadRules {
                roles_from_string: true,
                ..rules(&scope)
            },
        )
        .unwrap();
        assert_eq!(p.roles, ["a", "b", "c"]);
        assert_eq!(p.scopes, ["a", "b", "c"]);
        assert_eq!(p.sub.as_deref(), Some("x"));
    }

    #[test]
    fn more_names_than_kept_inline_are_all_read() {
        let names: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
        let json = format!(r#"{{"roles":{}}}"#, serde_json::to_string(&names).unwrap());
        assert_eq!(parse(&json).unwrap().roles, names);
        let many: Vec<String> = (0..=MAX_ROLES_LISTED).map(|i| format!("r{i}")).collect();
        let json = format!(r#"{{"roles":{}}}"#, serde_json::to_string(&many).unwrap());
        assert!(parse(&json).is_err(), "too many roles");
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
    fn unread_members_may_hold_anything_well_formed() {
        // Bytes that are not UTF-8 never get here: `verify` refuses them first (attack S15).
        assert!(parse("{\"email\":\"Andr\u{e9}\"}").is_ok());
        assert!(parse(r#"{"email":"\ud83d\ude00","ext":{"a":[{"a":1}],"b":{"a":1}}}"#).is_ok());
    }

    #[test]
    fn nested_roles_paths_are_followed() {
        let path: Vec<Box<str>> = vec!["realm_access".into(), "roles".into()];
        let json = r#"{"realm_access":{"roles":["admin"],"other":1},"roles":["viewer"]}"#;
        let p = read(json, &rules(&path)).unwrap();
        assert_eq!(p.roles, ["admin"]);
        let p = read(r#"{"realm_access":{}}"#, &rules(&path)).unwrap();
        assert!(p.roles.is_empty());
        assert!(read(r#"{"realm_access":["admin"]}"#, &rules(&path)).is_err());
    }

    #[test]
    fn a_configured_roles_claim_may_be_a_space_separated_scope() {
        let path: Vec<Box<str>> = vec!["scope".into()];
        let scope = PayloadRules {
            roles_from_string: true,
            ..rules(&path)
        };
        let names = |json: &str| read(json, &scope).map(|p| p.roles);
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
        let p = read(r#"{"access":{"scope":"a b"}}"#, &nested).unwrap();
        assert_eq!(p.roles.len(), 2);
        assert!(read(r#"{"access":"a b"}"#, &nested).is_err());
        // The default claim stays an array (security manual, TV-15).
        assert!(parse(r#"{"roles":"admin"}"#).is_err());
    }

    #[test]
    fn the_scope_claim_is_read_as_a_string_or_an_array() {
        let roles: Vec<Box<str>> = vec!["roles".into()];
        let scopes = |json: &str| read(json, &rules(&roles)).map(|p| (p.roles, p.scopes));
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
        let p = read(r#"{"scp":"a b","scope":"c"}"#, &scp).unwrap();
        assert_eq!(p.scopes.len(), 2);
        // Roles read from the scope claim are its scopes as well.
        let both: Vec<Box<str>> = vec!["scope".into()];
        let p = read(
            r#"{"scope":"a b"}"#,
            &PayloadRules {
                roles_from_string: true,
                ..rules(&both)
            },
        )
        .unwrap();
        assert_eq!((p.roles.len(), p.scopes.len()), (2, 2));
    }
}
