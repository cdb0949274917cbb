//! Argon2 parameters, and what a stored PHC string says about itself: usable, outdated, or
//! refused.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Params, Version};

/// The cost parameters of Argon2id.
///
/// The default is [`HashParams::OWASP`]. Other rows of the OWASP table (all with
/// `parallelism: 1`) trade memory for iterations: 47104/1, 12288/3, 9216/4, 7168/5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over the memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`). Without argon2's `parallel` feature the lanes run one after the other,
    /// so raising it only raises the time.
    pub parallelism: u32,
}

impl HashParams {
    /// The OWASP Password Storage Cheat Sheet's first Argon2id row: m = 19456 KiB, t = 2,
    /// p = 1 (also `argon2::Params::DEFAULT`).
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The default ceiling for stored hashes: m = 256 MiB, t = 10, p = 4.
    pub const DEFAULT_CEILING: Self = Self {
        memory_kib: 256 * 1024,
        iterations: 10,
        parallelism: 4,
    };

    /// The argon2 parameters, with the default 32-byte output.
    pub(crate) fn to_argon2(self) -> Result<Params, argon2::Error> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }

    /// Whether every parameter of `self` is at most the one of `ceiling`.
    fn within(self, ceiling: Self) -> bool {
        self.memory_kib <= ceiling.memory_kib
            && self.iterations <= ceiling.iterations
            && self.parallelism <= ceiling.parallelism
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::OWASP
    }
}

/// Why a stored hash is not verified (the login fails, as for a wrong password).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Not a PHC string, or a PHC string argon2 cannot use (security manual, A8).
    Corrupt,
    /// A PHC string of another algorithm (bcrypt, scrypt, ...).
    UnsupportedAlgorithm,
    /// Parameters above the ceiling: verifying would cost too much (security manual, PW-04).
    AboveCeiling,
}

impl Refused {
    pub(crate) const fn code(self) -> &'static str {
        match self {
            Self::Corrupt => "corrupt_password_hash",
            Self::UnsupportedAlgorithm => "unsupported_password_hash",
            Self::AboveCeiling => "password_hash_above_ceiling",
        }
    }
}

/// A stored hash that can be verified.
pub(crate) struct Usable {
    pub(crate) hash: PasswordHash,
    /// Algorithm, version or parameters differ from the policy (security manual, PW-03).
    pub(crate) outdated: bool,
}

/// Parses a stored PHC string and compares it with the policy.
pub(crate) fn inspect(
    stored: &str,
    policy: HashParams,
    ceiling: HashParams,
) -> Result<Usable, Refused> {
    let hash = PasswordHash::new(stored).map_err(|_| Refused::Corrupt)?;
    let algorithm =
        Algorithm::new(hash.algorithm.as_str()).map_err(|_| Refused::UnsupportedAlgorithm)?;
    let version = match hash.version {
        Some(version) => Some(Version::try_from(version).map_err(|_| Refused::Corrupt)?),
        None => None,
    };
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(Refused::Corrupt);
    }
    let params = Params::try_from(&hash).map_err(|_| Refused::Corrupt)?;
    let stored_params = HashParams {
        memory_kib: params.m_cost(),
        iterations: params.t_cost(),
        parallelism: params.p_cost(),
    };
    if !stored_params.within(ceiling) {
        return Err(Refused::AboveCeiling);
    }
    let outdated = algorithm != Algorithm::Argon2id
        || version != Some(Version::V0x13)
        || stored_params != policy
        || params.output_len() != Some(Params::DEFAULT_OUTPUT_LEN)
        || !params.keyid().is_empty()
        || !params.data().is_empty();
    Ok(Usable { hash, outdated })
}

#[cfg(test)]
mod tests {
    use argon2::Argon2;
    use argon2::password_hash::PasswordHasher;

    use super::*;

    const CHEAP: HashParams = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn phc(algorithm: Algorithm, version: Version, params: HashParams) -> String {
        Argon2::new(algorithm, version, params.to_argon2().unwrap())
            .hash_password(b"password")
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_hash_made_with_the_policy_is_current() {
        let stored = phc(Algorithm::Argon2id, Version::V0x13, CHEAP);
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let usable = inspect(&stored, CHEAP, HashParams::DEFAULT_CEILING)
            .ok()
            .unwrap();
        assert!(!usable.outdated);
    }

    #[test]
    fn other_params_algorithm_or_version_are_outdated() {
        let other_params = HashParams {
            iterations: 2,
            ..CHEAP
        };
        for stored in [
            phc(Algorithm::Argon2id, Version::V0x13, other_params),
            phc(Algorithm::Argon2i, Version::V0x13, CHEAP),
            phc(Algorithm::Argon2id, Version::V0x10, CHEAP),
        ] {
            let usable = inspect(&stored, CHEAP, HashParams::DEFAULT_CEILING)
                .ok()
                .unwrap();
            assert!(usable.outdated, "{stored}");
        }
    }

    #[test]
    fn garbage_and_foreign_hashes_are_refused() {
        for (stored, reason) in [
            ("", Refused::Corrupt),
            ("not a hash", Refused::Corrupt),
            ("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ", Refused::Corrupt),
            (
                "$argon2id$v=99$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                Refused::Corrupt,
            ),
            (
                "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                Refused::Corrupt,
            ),
            (
                "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
                Refused::Corrupt,
            ),
            (
                "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
                Refused::UnsupportedAlgorithm,
            ),
        ] {
            assert_eq!(
                inspect(stored, CHEAP, HashParams::DEFAULT_CEILING).err(),
                Some(reason),
                "{stored}"
            );
        }
    }

    #[test]
    fn params_above_the_ceiling_are_refused() {
        let stored = "$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw";
        assert_eq!(
            inspect(stored, CHEAP, HashParams::DEFAULT_CEILING).err(),
            Some(Refused::AboveCeiling)
        );
        let stored =
            "$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhcw";
        assert_eq!(
            inspect(stored, CHEAP, HashParams::DEFAULT_CEILING).err(),
            Some(Refused::AboveCeiling)
        );
    }
}
