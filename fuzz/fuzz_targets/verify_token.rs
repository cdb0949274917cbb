//! `Authenticator::verify` on arbitrary bytes: never panics, and whatever it accepts obeys
//! every rule of the security manual, "Token format and verification" (checked by an independent oracle). The seeds are valid
//! tokens, so libFuzzer's mutations start from the accepting path.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let auth = common::authenticator();
    match auth.verify_without_revocation(token) {
        Ok(verified) => {
            common::assert_acceptable(token);
            common::assert_reads_as_serde(&verified);
            assert!(!verified.subject().is_empty());
        }
        Err(reason) => {
            // The description is one of the fixed sentences, whatever the input.
            common::assert_error_response(reason.into());
        }
    }
});
