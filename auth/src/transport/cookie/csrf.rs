//! Signed double-submit CSRF tokens (OWASP CSRF Cheat Sheet, "Signed Double-Submit Cookie"):
//! `base64url(nonce) "." base64url(HMAC-SHA256(key, label ‖ session id ‖ nonce))`.
//!
//! The nonce makes every minted token different; the MAC binds it to one session, so a
//! token is worthless in any other session and cannot be made without the key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

/// Domain separation: these MACs can never be mistaken for another use of the key.
const LABEL: &[u8] = b"auth-csrf-v1";
const NONCE_LEN: usize = 16;
const MAC_LEN: usize = 32;
/// 22 + 1 + 43 characters.
const TOKEN_LEN: usize = 66;

/// The keyed MAC, with the key schedule computed once.
pub(super) struct CsrfKey(Hmac<Sha256>);

impl CsrfKey {
    pub(super) fn new(key: &[u8]) -> Self {
        // HMAC takes keys of any length; the length floor is checked by the caller.
        #[allow(clippy::expect_used)] // `new_from_slice` never fails for HMAC
        Self(Hmac::new_from_slice(key).expect("HMAC accepts keys of any length"))
    }

    fn mac(&self, session: &str, nonce: &[u8; NONCE_LEN]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(LABEL);
        // Length-prefixed, so (session, nonce) pairs cannot be shifted into one another.
        mac.update(
            &u64::try_from(session.len())
                .unwrap_or(u64::MAX)
                .to_be_bytes(),
        );
        mac.update(session.as_bytes());
        mac.update(nonce);
        mac
    }

    /// A new token for `session`; `None` when the random number generator fails.
    pub(super) fn mint(&self, session: &str) -> Option<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).ok()?;
        let tag = self.mac(session, &nonce).finalize().into_bytes();
        let mut token = String::with_capacity(TOKEN_LEN);
        URL_SAFE_NO_PAD.encode_string(nonce, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut token);
        Some(token)
    }

    /// Whether `token` was minted for `session` with this key (constant-time comparison).
    pub(super) fn verify(&self, token: &str, session: &str) -> bool {
        if token.len() != TOKEN_LEN {
            return false;
        }
        let Some((nonce, tag)) = token.split_once('.') else {
            return false;
        };
        let mut nonce_bytes = [0u8; NONCE_LEN];
        let mut tag_bytes = [0u8; MAC_LEN];
        let decoded = (
            URL_SAFE_NO_PAD.decode_slice(nonce, &mut nonce_bytes),
            URL_SAFE_NO_PAD.decode_slice(tag, &mut tag_bytes),
        );
        let (Ok(NONCE_LEN), Ok(MAC_LEN)) = decoded else {
            return false;
        };
        self.mac(session, &nonce_bytes)
            .verify_slice(&tag_bytes)
            .is_ok()
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The `sid` claim of the tokens of a refresh-token family: a one-way function of the
/// family id (128 bits, base64url), so the access token does not reveal the store's key.
pub(crate) fn session_id_of(family: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"auth-sid-v1\0");
    digest.update(family.as_bytes());
    let digest = digest.finalize();
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_for_their_session_only() {
        let key = CsrfKey::new(&[7u8; 32]);
        let token = key.mint("session-a").unwrap();
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(key.verify(&token, "session-a"));
        assert!(!key.verify(&token, "session-b"));
        assert!(!CsrfKey::new(&[8u8; 32]).verify(&token, "session-a"));
        assert_ne!(
            token,
            key.mint("session-a").unwrap(),
            "a new nonce each time"
        );
    }

    #[test]
    fn malformed_tokens_are_refused_without_panicking() {
        let key = CsrfKey::new(&[7u8; 32]);
        let token = key.mint("s").unwrap();
        let mut flipped = token.clone().into_bytes();
        flipped[30] = if flipped[30] == b'A' { b'B' } else { b'A' };
        for bad in [
            String::new(),
            "x".repeat(TOKEN_LEN),
            token.replace('.', "_"),
            format!("{}=", &token[..TOKEN_LEN - 1]),
            String::from_utf8(flipped).unwrap(),
            "é".repeat(33),
        ] {
            assert!(!key.verify(&bad, "s"), "{bad}");
        }
    }

    #[test]
    fn session_ids_are_stable_and_opaque() {
        let sid = session_id_of("family-1");
        assert_eq!(sid, session_id_of("family-1"));
        assert_ne!(sid, session_id_of("family-2"));
        assert_eq!(sid.len(), 22);
        assert!(!sid.contains("family"));
    }
}
