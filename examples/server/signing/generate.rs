//! New private keys for the asymmetric algorithms, as PKCS#8 PEM.
//!
//! `auth` builds keys from PEM but does not make them, and the RustCrypto crates its default
//! backend already compiles do: generating here adds no crate to the build.

use auth::keys::Algorithm;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::{CryptoRng, RngCore};

/// The RSA modulus size: the smallest `auth` accepts (RFC 7518 §3.3), which keeps the first
/// start quick (a larger key takes seconds to generate) and is what RS256 verifiers expect.
const RSA_BITS: usize = 2048;

/// A fresh private key for `alg` (`EdDSA`, `ES256` or `RS256`) in PKCS#8 PEM.
pub(super) fn private_key_pem(alg: Algorithm) -> Result<String, String> {
    let mut rng = SystemRng::default();
    let encoded = match alg {
        Algorithm::EdDSA => {
            ed25519_dalek::SigningKey::generate(&mut rng).to_pkcs8_pem(LineEnding::LF)
        }
        Algorithm::ES256 => p256::SecretKey::random(&mut rng).to_pkcs8_pem(LineEnding::LF),
        Algorithm::RS256 => rsa::RsaPrivateKey::new(&mut rng, RSA_BITS)
            .map_err(|_| format!("cannot generate an {alg} key"))?
            .to_pkcs8_pem(LineEnding::LF),
        other => return Err(format!("the demo does not generate {other} keys")),
    };
    // A key drawn while the generator failed is not random: it is thrown away.
    if rng.failed {
        return Err("the operating system's random number generator failed".into());
    }
    let pem = encoded.map_err(|_| format!("cannot encode the generated {alg} key"))?;
    Ok(pem.as_str().to_owned())
}

/// The operating system's generator in the form the key crates take. `rand_core`'s own
/// `OsRng` panics when the system fails to deliver; this one remembers the failure so the
/// caller discards the key and reports an error instead.
#[derive(Default)]
struct SystemRng {
    failed: bool,
}

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if getrandom::fill(dest).is_err() {
            self.failed = true;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for SystemRng {}

#[cfg(test)]
mod tests {
    use auth::keys::SigningKey;

    use super::*;

    #[test]
    fn generated_keys_are_pkcs8_keys_of_their_algorithm() {
        for alg in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256] {
            let pem = private_key_pem(alg).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{alg}");
            assert!(pem.ends_with("-----END PRIVATE KEY-----\n"), "{alg}");
            let key = SigningKey::from_pem(alg, &pem).unwrap();
            assert_eq!(key.algorithm(), alg);
            // Two keys are two different keys.
            let other = SigningKey::from_pem(alg, private_key_pem(alg).unwrap()).unwrap();
            assert_ne!(key.kid(), other.kid(), "{alg}");
        }
    }

    #[test]
    fn hmac_keys_are_not_generated_here() {
        assert!(private_key_pem(Algorithm::HS256).is_err());
    }
}
