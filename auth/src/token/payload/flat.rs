//! The fast path of the payload parser, for the shape of payload this crate issues: one flat
//! object whose strings have no escapes.
//!
//! [`read`] accepts only a payload that is, byte for byte, in this subset of JSON:
//!
//! - one object, with no bytes before `{` or after `}`, members separated by `,`, JSON white
//!   space (space, tab, CR, LF) between tokens;
//! - keys and string values are the bytes between two quotes, none of them `\` or a control
//!   character (below U+0020): each such string *is* its bytes, there is nothing to unescape;
//! - numbers are integers `0` or `[1-9][0-9]*` of at most 15 digits (so exact as doubles);
//! - `true`, `false`, `null`, and arrays whose elements are all such strings.
//!
//! On such a payload, and only there, it reads what the serde path reads
//! ([`super::ParsedPayload`], same spans, same answers): the registered claims, and the roles and scopes when they sit at
//! the top level. Everything else — an escape, a float, a negative number, a nested object, a
//! duplicate member, a claim of the wrong type, an `aud` that is an empty array, too many
//! members or names — makes it answer `None`, and the serde path reads (or refuses) the
//! payload as before. So it never refuses a payload, and it never accepts one the serde path
//! would refuse; errors keep one source. The differential tests below hold it to that.
//!
//! Why: on the request path, reading the payload through serde_json's generic machinery cost
//! more than the HMAC (security manual, "Speed").

use std::ops::Range;

use serde::de::value::Error as NameError;

use super::{MAX_MEMBERS, Member, Names, ParsedPayload, PayloadRules, Span, span};

/// Reads `json` when it is in the subset above; `None` hands it to the serde path.
pub(super) fn read(json: &str, rules: &PayloadRules<'_>) -> Option<ParsedPayload> {
    let mut scan = Scanner {
        bytes: json.as_bytes(),
        pos: 0,
    };
    let (roles_head, roles_at_top) = match rules.roles_path {
        [head] => (Some(&**head), true),
        [head, ..] => (Some(&**head), false),
        [] => (None, true),
    };
    let mut out = ParsedPayload::default();
    // Registered members are refused a second time by a bit each, the others by comparison.
    let mut read = 0u16;
    let mut others: [Range<usize>; MAX_OTHERS] = Default::default();
    let mut other_count = 0;
    let mut members = 0;

    scan.expect(b'{')?;
    scan.skip_white_space();
    if !scan.eat(b'}') {
        loop {
            members += 1;
            if members > MAX_MEMBERS {
                return None;
            }
            scan.skip_white_space();
            let key_range = scan.string()?;
            let key = json.get(key_range.clone())?;
            scan.skip_white_space();
            scan.expect(b':')?;
            scan.skip_white_space();
            let value = scan.value()?;

            let member = Member::named(key, roles_head, rules.scope_claim);
            match member.bit() {
                Some(bit) => {
                    if read & bit != 0 {
                        return None;
                    }
                    read |= bit;
                }
                None => {
                    let seen = others.get(..other_count)?;
                    if seen
                        .iter()
                        .any(|other| json.get(other.clone()) == Some(key))
                    {
                        return None;
                    }
                    *others.get_mut(other_count)? = key_range;
                    other_count += 1;
                }
            }

            read_claim(json, rules, member, key, value, roles_at_top, &mut out)?;

            scan.skip_white_space();
            if scan.eat(b'}') {
                break;
            }
            scan.expect(b',')?;
        }
    }
    // `ParsedPayload::parse` checked that the payload ends with `}`: this is that one.
    (scan.pos == json.len()).then_some(out)
}

/// Reads the value of a registered claim (or of the roles or scope claim) into `out`; `None`
/// when it is not of the type the serde path accepts there. Other members are not read.
fn read_claim(
    json: &str,
    rules: &PayloadRules<'_>,
    member: Member,
    key: &str,
    value: Value,
    roles_at_top: bool,
    out: &mut ParsedPayload,
) -> Option<()> {
    match (member, value) {
        (Member::Sub, Value::Str(text)) => out.sub = Some(to_span(text)?),
        (Member::Jti, Value::Str(text)) => out.jti = Some(to_span(text)?),
        (Member::Exp, Value::Int(n)) => out.exp = Some(n),
        (Member::Nbf, Value::Int(n)) => out.nbf = Some(n),
        (Member::Iat, Value::Int(n)) => out.iat = Some(n),
        (Member::Iss, Value::Str(text)) => {
            out.iss_matches = Some(json.get(text)? == rules.issuer);
        }
        (Member::Aud, Value::Str(text)) => {
            out.aud_matches = Some(json.get(text)? == rules.audience);
        }
        (Member::Aud, Value::Strings(array)) => {
            let mut any = false;
            let mut count = 0;
            for text in strings(json, array) {
                any |= json.get(text?)? == rules.audience;
                count += 1;
            }
            if count == 0 {
                return None;
            }
            out.aud_matches = Some(any);
        }
        (Member::Roles, value) if roles_at_top => {
            names(json, value, rules.roles_from_string, &mut out.roles)?;
            // Roles configured to be read from the scope claim are its scopes too.
            if key == rules.scope_claim {
                out.scopes.clone_from(&out.roles);
            }
        }
        (Member::Scope, value) => names(json, value, true, &mut out.scopes)?,
        // Not read here.
        (Member::Other, _) => {}
        // A registered claim of another type, or roles below the top level.
        _ => return None,
    }
    Some(())
}

/// Members other than the registered ones compared for duplicates here; a payload with more
/// goes to the serde path.
const MAX_OTHERS: usize = 16;

/// A value of the subset.
enum Value {
    /// The bytes between the quotes.
    Str(Range<usize>),
    Int(u64),
    /// `true`, `false` or `null`.
    Literal,
    /// An array of strings, from `[` to `]` inclusive.
    Strings(Range<usize>),
}

/// Role or scope names: an array of strings, or, when allowed, one string of names separated
/// by spaces (RFC 6749 §3.3).
fn names(json: &str, value: Value, from_string: bool, out: &mut Names) -> Option<()> {
    match value {
        Value::Strings(array) => {
            for text in strings(json, array) {
                out.push::<NameError>(to_span(text?)?).ok()?;
            }
        }
        Value::Str(text) if from_string => {
            let mut start = text.start;
            for (offset, byte) in json.get(text.clone())?.bytes().enumerate() {
                if byte == b' ' {
                    push_name(out, start..text.start + offset)?;
                    start = text.start + offset + 1;
                }
            }
            push_name(out, start..text.end)?;
        }
        _ => return None,
    }
    Some(())
}

/// Adds one name of a space-separated list; the empty ones between spaces are skipped.
fn push_name(out: &mut Names, name: Range<usize>) -> Option<()> {
    if name.is_empty() {
        return Some(());
    }
    out.push::<NameError>(to_span(name)?).ok()
}

/// The strings of an array that [`Scanner::value`] accepted: it relies on that check (a
/// missing comma would pass here), so it is given nothing else.
fn strings(json: &str, array: Range<usize>) -> impl Iterator<Item = Option<Range<usize>>> + '_ {
    let mut scan = Scanner {
        bytes: json.as_bytes().get(..array.end).unwrap_or_default(),
        pos: array.start + 1,
    };
    std::iter::from_fn(move || {
        scan.skip_white_space();
        if scan.eat(b']') {
            return None;
        }
        scan.eat(b',');
        scan.skip_white_space();
        Some(scan.string())
    })
}

/// Where the first `"`, `\` or control character of `bytes` is: eight bytes at a time.
fn plain_run(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    /// The high bit of each byte of `word` below `n` (at most 128), and perhaps of bytes
    /// above the first such one: a borrow only starts at a byte that is below.
    fn below(word: u64, n: u8) -> u64 {
        word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH_BITS
    }
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        // A byte equal to `"` or `\` is a zero byte of the XOR, that is, one below 1.
        let special = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if special != 0 {
            // Little-endian: the lowest flagged byte is the first, and a true one.
            return Some(offset + special.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    let position = rest
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
    Some(offset + position)
}

/// How many ASCII digits `bytes` starts with, counting up to 16 (one more than an integer
/// may have), and their value when there are at most 15.
///
/// Eight bytes at a time while eight remain: the timestamps of a token have ten digits, and
/// a byte-by-byte loop makes a chain of dependent multiplications and a branch per digit.
fn leading_digits(bytes: &[u8]) -> (usize, u64) {
    let (Some(first), Some(second)) = (eight_bytes(bytes, 0), eight_bytes(bytes, 8)) else {
        return leading_digits_bytewise(bytes);
    };
    let count = digit_run(first);
    if count < 8 {
        return (count, digits_value(first, count));
    }
    let more = digit_run(second);
    // `more` is at most 8, and sixteen digits are below 2^64: nothing overflows.
    let value = digits_value(first, 8) * POWERS_OF_TEN[more] + digits_value(second, more);
    (8 + more, value)
}

/// [`leading_digits`] for the last fifteen bytes of a payload.
fn leading_digits_bytewise(bytes: &[u8]) -> (usize, u64) {
    let digits = bytes
        .iter()
        .take(16)
        .take_while(|byte| byte.is_ascii_digit());
    digits.fold((0, 0), |(count, value), digit| {
        (count + 1, value * 10 + u64::from(digit - b'0'))
    })
}

const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The eight bytes at `offset`, the first in the lowest byte of the word.
fn eight_bytes(bytes: &[u8], offset: usize) -> Option<u64> {
    let chunk = bytes.get(offset..offset.checked_add(8)?)?;
    Some(u64::from_le_bytes(chunk.try_into().ok()?))
}

/// How many of the word's bytes, from its first, are ASCII digits.
fn digit_run(word: u64) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // A digit is a byte whose XOR with `0` is below 10. Adding 0x76 to the low seven bits
    // sets the high bit exactly when they are 10 or more, and cannot carry into the next
    // byte (0x7f + 0x76 < 0x100); the XOR's own high bit marks the bytes above 0x7f.
    let offset = word ^ 0x3030_3030_3030_3030;
    let not_digit = (((offset & LOW_SEVEN) + 0x7676_7676_7676_7676) | offset) & HIGH_BITS;
    not_digit.trailing_zeros() as usize / 8
}

/// The value of the first `count` bytes of the word, all ASCII digits, `count` at most 8.
fn digits_value(word: u64, count: usize) -> u64 {
    if count == 0 {
        return 0;
    }
    // The digits moved to the top of the word: what was below them becomes leading zeros.
    let digits = (word & 0x0f0f_0f0f_0f0f_0f0f) << (8 * (8 - count));
    // Neighbouring digits, then pairs, then quadruples, each step one multiplication: `10·a
    // + b` in every second byte, `100·ab + cd` in every second 16-bit lane, `10⁴·abcd +
    // efgh` in the upper half. What the products carry beyond the word is not needed.
    let pairs = (digits.wrapping_mul((10 << 8) + 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs.wrapping_mul((100 << 16) + 1) >> 16) & 0x0000_ffff_0000_ffff;
    quads.wrapping_mul((10_000 << 32) + 1) >> 32
}

fn to_span(range: Range<usize>) -> Option<Span> {
    span::<NameError>(range.start, range.end).ok()
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// RFC 8259 §2: space, horizontal tab, line feed, carriage return. Payloads this crate
    /// issues have none: one compare (above the space) usually answers.
    fn skip_white_space(&mut self) {
        while let Some(&byte) = self.bytes.get(self.pos) {
            if byte > b' ' || !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                return;
            }
            self.pos += 1;
        }
    }

    /// A string without escapes or control characters: the range between its quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        self.expect(b'"')?;
        let start = self.pos;
        let end = start + plain_run(self.bytes.get(start..)?)?;
        self.pos = end;
        self.expect(b'"')?;
        Some(start..end)
    }

    /// `0` or `[1-9][0-9]{0,14}`, not followed by a fraction or an exponent.
    fn integer(&mut self) -> Option<u64> {
        let rest = self.bytes.get(self.pos..)?;
        let (count, value) = leading_digits(rest);
        let leading_zero = count > 1 && rest.first() == Some(&b'0');
        if count == 0 || count > 15 || leading_zero {
            return None;
        }
        if matches!(rest.get(count), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.pos += count;
        Some(value)
    }

    fn literal(&mut self, word: &[u8]) -> Option<Value> {
        let end = self.pos.checked_add(word.len())?;
        (self.bytes.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            Value::Literal
        })
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => self.string().map(Value::Str),
            b'0'..=b'9' => self.integer().map(Value::Int),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'[' => {
                let start = self.pos;
                self.pos += 1;
                self.skip_white_space();
                if !self.eat(b']') {
                    loop {
                        self.skip_white_space();
                        self.string()?;
                        self.skip_white_space();
                        if self.eat(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Some(Value::Strings(start..self.pos))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ParsedPayload;
    use super::*;

    fn rules<'a>(
        roles_path: &'a [Box<str>],
        from_string: bool,
        scope: &'a str,
    ) -> PayloadRules<'a> {
        PayloadRules {
            issuer: "https://issuer.test",
            audience: "api",
            roles_path,
            roles_from_string: from_string,
            scope_claim: scope,
        }
    }

    /// Every configuration of the roles and scope claims the serde path distinguishes.
    fn each_configuration(mut check: impl FnMut(&PayloadRules<'_>)) {
        let roles: [Box<str>; 1] = ["roles".into()];
        let nested: [Box<str>; 2] = ["realm_access".into(), "roles".into()];
        let scope: [Box<str>; 1] = ["scope".into()];
        let sub: [Box<str>; 1] = ["sub".into()];
        let realm: [Box<str>; 2] = ["realm_access".into(), "roles".into()];
        for (path, from_string, scope_claim) in [
            (&roles[..], false, "scope"),
            (&roles[..], true, "scope"),
            (&nested[..], false, "scope"),
            (&[][..], false, "scope"),
            (&scope[..], true, "scope"),
            (&roles[..], false, "scp"),
            // Claims named like registered ones: the registered reading comes first.
            (&sub[..], true, "aud"),
            (&roles[..], false, "sub"),
            (&realm[..], false, "realm_access"),
        ] {
            check(&rules(path, from_string, scope_claim));
        }
    }

    /// The fast path's answer, when it has one, is the serde path's, span for span; it never
    /// accepts a payload the serde path refuses. Returns whether it answered.
    fn agrees(json: &str, rules: &PayloadRules<'_>) -> bool {
        let Some(fast) = read(json, rules) else {
            return false;
        };
        let slow = ParsedPayload::parse_with_serde(json, rules).unwrap_or_else(|_| {
            panic!("the fast path accepted what the serde path refuses: {json}")
        });
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{json}");
        true
    }

    #[test]
    fn the_payloads_this_crate_issues_take_the_fast_path_and_read_the_same() {
        for json in [
            r#"{"aud":"api","exp":1796487742,"iat":1796486842,"iss":"https://issuer.test","jti":"hYLpyHlyzhQzHtvFdGawiw","nbf":1796486842,"roles":["admin"],"sub":"load"}"#,
            r#"{"sub":"ada","roles":["admin","viewer"],"email":"ada@example.com","fresh":true,"sid":"s1","iss":"https://issuer.test","aud":["x","api"],"exp":20,"iat":10,"jti":"j"}"#,
            r#"{"sub":"svc","scope":"read:items  write:items ","exp":0,"iat":0,"jti":"j","x":null,"y":false}"#,
            r#"{ "sub" : "ünïcødé" ,	"roles" : [ ] ,
"aud":[ "api" ] }"#,
            "{}",
        ] {
            each_configuration(|rules| {
                // A nested roles path needs the serde path only when the member is there.
                let nested = rules.roles_path.len() > 1 && json.contains("realm_access");
                assert!(agrees(json, rules) || nested, "not taken: {json}");
            });
        }
    }

    /// What the issuer writes stays in the subset: a claim it adds in a form the scanner
    /// does not read would quietly put every verification back on the serde path.
    #[test]
    fn the_tokens_the_issuer_writes_take_the_fast_path() {
        use crate::Roles;
        use crate::claims::NoRole;
        use crate::keys::{KeySet, SigningKey};
        use crate::token::{Session, Stamp, TokenRules, base64url, issue, new_jwt_id};

        #[derive(serde::Serialize, serde::Deserialize)]
        struct Claims {
            sub: String,
            roles: Vec<String>,
            scope: String,
            email: String,
        }
        impl crate::TokenClaims for Claims {
            type Role = NoRole;
            fn subject(&self) -> &str {
                &self.sub
            }
            fn roles(&self) -> Roles<NoRole> {
                Roles::empty()
            }
        }

        let keys = KeySet::new(SigningKey::generate_hmac(crate::keys::Algorithm::HS256).unwrap());
        let token_rules = TokenRules {
            issuer: "https://issuer.test".into(),
            audience: "api".into(),
            leeway: 30,
            access_ttl: 900,
            max_lifetime: 900,
            roles_path: ["roles".into()].into(),
            roles_from_string: false,
            scope_claim: "scope".into(),
            extra_token_types: Box::default(),
            accept_untyped: false,
            require_jwt_id: true,
        };
        let claims = Claims {
            sub: "ada".into(),
            roles: vec!["admin".into(), "viewer".into()],
            scope: "items:read items:write".into(),
            email: "ada@example.com".into(),
        };
        for session in [
            Session::default(),
            Session {
                fresh: true,
                id: Some("family-1".into()),
            },
        ] {
            let stamp = Stamp {
                issued_at: 1_796_486_842,
                expires_at: 1_796_487_742,
                jwt_id: new_jwt_id().unwrap(),
                session,
            };
            let token = issue(&keys, &token_rules, &claims, stamp)
                .unwrap()
                .access_token;
            let payload = token.split('.').nth(1).unwrap();
            let json = String::from_utf8(base64url::decode(payload.as_bytes()).unwrap()).unwrap();
            let path: [Box<str>; 1] = ["roles".into()];
            assert!(agrees(&json, &rules(&path, false, "scope")), "{json}");
        }
    }

    #[test]
    fn anything_outside_the_subset_goes_to_the_serde_path() {
        for json in [
            r#"{"sub":"a\u0064a"}"#,
            r#"{"sub":"a","sub":"b"}"#,
            r#"{"s\u0075b":"a","sub":"b"}"#,
            r#"{"email":"a","email":"b"}"#,
            r#"{"exp":1.0}"#,
            r#"{"exp":1e3}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":01}"#,
            r#"{"exp":1234567890123456}"#,
            r#"{"exp":"1"}"#,
            r#"{"sub":1}"#,
            r#"{"aud":[]}"#,
            r#"{"aud":["api",1]}"#,
            r#"{"iss":["https://issuer.test"]}"#,
            r#"{"roles":"admin"}"#,
            r#"{"roles":[["admin"]]}"#,
            r#"{"realm_access":{"roles":["admin"]}}"#,
            r#"{"x":{"a":1}}"#,
            r#"{"x":[1]}"#,
            "{\"x\":\"tab\there\"}",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{"a":tru}"#,
            r#"{"a":nulll}"#,
            r#"{"a":1}}"#,
        ] {
            let roles: [Box<str>; 1] = ["roles".into()];
            assert!(
                read(json, &rules(&roles, false, "scope")).is_none(),
                "{json}"
            );
        }
        let mut json = String::from("{");
        for i in 0..=MAX_OTHERS {
            json.push_str("\"m");
            json.push_str(&i.to_string());
            json.push_str("\":0,");
        }
        json.push_str("\"sub\":\"a\"}");
        assert!(read(&json, &rules(&[], false, "scope")).is_none());
    }

    #[test]
    fn the_word_at_a_time_scan_finds_the_first_special_byte() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        };
        // Every byte value at every place of a run of plain bytes, before and after another.
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    for after in [b'a', b'"', 0x1f, 0xff] {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = byte;
                        if at + 1 < len {
                            bytes[at + 1] = after;
                        }
                        assert_eq!(plain_run(&bytes), naive(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    /// Every byte value at every place of a word: the digits, and only they, continue a run.
    #[test]
    fn the_word_at_a_time_digit_run_stops_at_the_first_other_byte() {
        for at in 0..8 {
            for byte in 0..=255u8 {
                let mut bytes = *b"57319024";
                bytes[at] = byte;
                let expected = if byte.is_ascii_digit() { 8 } else { at };
                assert_eq!(digit_run(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
            }
        }
    }

    /// Digits eight at a time read what one at a time reads: every number of digits, with
    /// every byte after them, at every distance from the end of the payload.
    #[test]
    fn digits_eight_at_a_time_read_as_one_at_a_time() {
        let digits = b"98765432109876543";
        for len in 0..=digits.len() {
            for after in 0..=255u8 {
                for filler in 0..=16 {
                    let mut bytes = digits[..len].to_vec();
                    bytes.push(after);
                    bytes.extend(std::iter::repeat_n(b'1', filler));
                    let (count, value) = leading_digits(&bytes);
                    let (expected_count, expected_value) = leading_digits_bytewise(&bytes);
                    assert_eq!(count, expected_count, "{bytes:?}");
                    if count <= 15 {
                        assert_eq!(value, expected_value, "{bytes:?}");
                    }
                }
            }
        }
        // And the largest and smallest values of every width.
        for width in 1..=15 {
            for number in [10u64.pow(width - 1), 10u64.pow(width) - 1] {
                let bytes = format!("{number},\"sub\":\"ada\"}}");
                assert_eq!(
                    leading_digits(bytes.as_bytes()),
                    (width as usize, number),
                    "{bytes}"
                );
            }
        }
    }

    /// Payloads assembled at random from claims, values and white space, some of them then
    /// damaged by a byte: wherever the fast path answers, it answers as the serde path.
    #[test]
    fn random_payloads_read_the_same_on_both_paths() {
        const KEYS: &[&str] = &[
            "sub",
            "jti",
            "exp",
            "nbf",
            "iat",
            "iss",
            "aud",
            "roles",
            "scope",
            "scp",
            "realm_access",
            "email",
            "fresh",
            "s\\u0075b",
            "",
        ];
        const VALUES: &[&str] = &[
            r#""ada""#,
            r#""https://issuer.test""#,
            r#""api""#,
            r#""""#,
            r#""a b  c ""#,
            r#""\u00e9""#,
            r#""é ü""#,
            r#""a longer string, then an \n escape""#,
            "\"a longer string with a\ttab\"",
            r#""https://issuer.test/with/a/longer/path""#,
            "0",
            "7",
            "01",
            "-3",
            "2.5",
            "1e2",
            "999999999999999",
            "1000000000000000",
            "true",
            "false",
            "null",
            r#"["api"]"#,
            r#"["x","api"]"#,
            "[]",
            r#"[ "admin" , "viewer" ]"#,
            r#"["admin",2]"#,
            r#"[["admin"]]"#,
            r#"{"roles":["admin"]}"#,
            "{}",
        ];
        const SPACE: &[&str] = &["", "", "", " ", "\n", "\t ", "\r\n"];
        const NOISE: &[u8] = b"{}[]\",:\\ 0-e.an";

        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        let mut fast = 0;
        for _ in 0..20_000 {
            let mut json = String::from("{");
            for member in 0..next(7) {
                if member > 0 {
                    json.push(',');
                }
                json.push_str(SPACE[next(SPACE.len())]);
                json.push('"');
                json.push_str(KEYS[next(KEYS.len())]);
                json.push('"');
                json.push_str(SPACE[next(SPACE.len())]);
                json.push(':');
                json.push_str(SPACE[next(SPACE.len())]);
                json.push_str(VALUES[next(VALUES.len())]);
            }
            json.push_str(SPACE[next(SPACE.len())]);
            json.push('}');
            if next(4) == 0 && json.len() > 2 {
                let at = 1 + next(json.len() - 2);
                if json.is_char_boundary(at) {
                    json.insert(at, char::from(NOISE[next(NOISE.len())]));
                }
            }
            each_configuration(|rules| {
                if agrees(&json, rules) {
                    fast += 1;
                }
            });
        }
        // The generator reaches the fast path often enough for this test to mean something.
        assert!(fast > 10_000, "{fast}");
    }
}
