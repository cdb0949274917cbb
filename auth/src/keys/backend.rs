//! The cryptographic backend behind RSA, ECDSA and Ed25519 (see the crate docs, "Crypto backend").
//!
//! `jsonwebtoken` 11 delegates its cryptography to a process-wide `CryptoProvider` and panics
//! at the first sign or verify when none can be chosen (both or neither of its backend features
//! enabled). This crate never goes through that global: it calls the factories of the provider
//! it selected here directly, so a feature unification elsewhere in the build cannot turn a
//! request into a panic. It still installs the provider once, for code of the application that
//! uses `jsonwebtoken` itself.
//!
//! HMAC does not go through the provider at all: HS256/384/512 use the RustCrypto `hmac`
//! crate with the key schedule computed once per key (`keys::hmac`).

use jsonwebtoken::crypto::CryptoProvider;

#[cfg(feature = "aws-lc-rs")]
pub(crate) fn provider() -> &'static CryptoProvider {
    &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
}

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
pub(crate) fn provider() -> &'static CryptoProvider {
    &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER
}

#[cfg(not(any(feature = "rust-crypto", feature = "aws-lc-rs")))]
compile_error!(
    "the `auth` crate needs a crypto backend: enable its `rust-crypto` (default) or `aws-lc-rs` feature"
);

/// Installs the selected provider as `jsonwebtoken`'s process default, once.
///
/// An `Err` means another provider was installed first; this crate does not use the global, so
/// that is not an error for it.
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = provider().install_default();
    });
}
