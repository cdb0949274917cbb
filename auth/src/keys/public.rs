//! Public halves of asymmetric keys: their JWK form (RFC 7517), RFC 7638 thumbprint, and the
//! checks every public key passes before it is trusted (size, curve, a working verifier).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use sha2::{Digest, Sha256};

use super::algorithm::Family;
use super::{Algorithm, KeyError, backend};

/// The smallest RSA modulus accepted (RFC 7518 §3.3).
pub(crate) const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted: the largest whose signature fits the verifier's
/// signature cap, and a bound on the work a key from a JWKS document can ask for.
pub(crate) const MAX_RSA_BITS: usize = 8192;

/// The raw public components of a key, as found in a JWK.
pub(crate) enum Components {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        curve: EllipticCurve,
        x: Vec<u8>,
        y: Vec<u8>,
    },
    Ed {
        x: Vec<u8>,
    },
}

impl Components {
    /// Reads the public components out of a private key in DER (as `EncodingKey` holds it).
    pub(crate) fn from_private_der(alg: Algorithm, der: &[u8]) -> Result<Self, KeyError> {
        let utils = &backend::provider().key_utils;
        let invalid = |_| KeyError::InvalidKey { algorithm: alg };
        Ok(match alg.family() {
            Family::Rsa => {
                let (n, e) = (utils.rsa_pub_components_from_private_key)(der).map_err(invalid)?;
                Self::Rsa { n, e }
            }
            Family::Ec => {
                let (curve, x, y) = (utils.ec_pub_components_from_private_key)(der, alg.to_jwt())
                    .map_err(invalid)?;
                Self::Ec { curve, x, y }
            }
            Family::Ed => {
                let x = (utils.ed_pub_components_from_private_key)(der, &EllipticCurve::Ed25519)
                    .map_err(invalid)?;
                Self::Ed { x }
            }
            Family::Hmac => return Err(KeyError::WrongKeyType { algorithm: alg }),
        })
    }

    /// Reads the public components out of a public key PEM.
    pub(crate) fn from_public_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, KeyError> {
        let invalid = |_| KeyError::InvalidKey { algorithm: alg };
        let utils = &backend::provider().key_utils;
        Ok(match alg.family() {
            Family::Rsa => {
                let key = DecodingKey::from_rsa_pem(pem).map_err(invalid)?;
                let der = key.try_get_as_bytes().map_err(invalid)?;
                let (n, e) = (utils.rsa_pub_components_from_public_key)(der).map_err(invalid)?;
                Self::Rsa { n, e }
            }
            Family::Ec => {
                let key = DecodingKey::from_ec_pem(pem).map_err(invalid)?;
                let point = key.try_get_as_bytes().map_err(invalid)?;
                // An uncompressed SEC1 point: 0x04 || x || y.
                let (curve, half) = match point.len() {
                    65 => (EllipticCurve::P256, 32),
                    97 => (EllipticCurve::P384, 48),
                    _ => return Err(KeyError::InvalidKey { algorithm: alg }),
                };
                if point[0] != 4 {
                    return Err(KeyError::InvalidKey { algorithm: alg });
                }
                let (x, y) = point[1..].split_at(half);
                Self::Ec {
                    curve,
                    x: x.to_vec(),
                    y: y.to_vec(),
                }
            }
            Family::Ed => {
                let key = DecodingKey::from_ed_pem(pem).map_err(invalid)?;
                Self::Ed {
                    x: key.try_get_as_bytes().map_err(invalid)?.to_vec(),
                }
            }
            Family::Hmac => return Err(KeyError::WrongKeyType { algorithm: alg }),
        })
    }

    /// Reads the public components out of a JWK, checking that its key type fits `alg`.
    pub(crate) fn from_jwk(alg: Algorithm, jwk: &Jwk) -> Result<Self, KeyError> {
        let invalid = KeyError::InvalidKey { algorithm: alg };
        let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).map_err(|_| invalid.clone());
        Ok(match (&jwk.algorithm, alg.family()) {
            (AlgorithmParameters::RSA(p), Family::Rsa) => Self::Rsa {
                n: decode(&p.n)?,
                e: decode(&p.e)?,
            },
            (AlgorithmParameters::EllipticCurve(p), Family::Ec) => Self::Ec {
                curve: p.curve.clone(),
                x: decode(&p.x)?,
                y: decode(&p.y)?,
            },
            (AlgorithmParameters::OctetKeyPair(p), Family::Ed)
                if p.curve == EllipticCurve::Ed25519 =>
            {
                Self::Ed { x: decode(&p.x)? }
            }
            _ => return Err(KeyError::WrongKeyType { algorithm: alg }),
        })
    }

    /// Refuses keys that are too weak for, or do not fit, the algorithm.
    pub(crate) fn check(&self, alg: Algorithm) -> Result<(), KeyError> {
        let fits = match (self, alg) {
            (Self::Rsa { n, .. }, _) => {
                let bits = bit_len(n);
                if bits < MIN_RSA_BITS {
                    return Err(KeyError::RsaKeyTooSmall { bits });
                }
                if bits > MAX_RSA_BITS {
                    return Err(KeyError::InvalidKey { algorithm: alg });
                }
                alg.family() == Family::Rsa
            }
            (Self::Ec { curve, x, y }, Algorithm::ES256) => {
                *curve == EllipticCurve::P256 && x.len() == 32 && y.len() == 32
            }
            (Self::Ec { curve, x, y }, Algorithm::ES384) => {
                *curve == EllipticCurve::P384 && x.len() == 48 && y.len() == 48
            }
            (Self::Ed { x }, Algorithm::EdDSA) => x.len() == 32,
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(KeyError::InvalidKey { algorithm: alg })
        }
    }

    /// The key `jsonwebtoken`'s verifiers take.
    pub(crate) fn decoding_key(&self, alg: Algorithm) -> Result<DecodingKey, KeyError> {
        match self {
            Self::Rsa { n, e } => Ok(DecodingKey::from_rsa_raw_components(n, e)),
            Self::Ec { x, y, .. } => {
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                Ok(DecodingKey::from_ec_der(&point))
            }
            Self::Ed { x } => Ok(DecodingKey::from_ed_der(x)),
        }
        .and_then(|key| {
            // Building a verifier parses the key (curve membership, RSA structure): a key that
            // cannot verify anything is refused now rather than on the first request.
            (backend::provider().verifier_factory)(&alg.to_jwt(), &key)
                .map(|_| key)
                .map_err(|_| KeyError::InvalidKey { algorithm: alg })
        })
    }

    /// The key as a public JWK with `use: sig`, `alg` and `kid`.
    pub(crate) fn to_jwk(&self, alg: Algorithm, kid: &str) -> Jwk {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let algorithm = match self {
            Self::Rsa { n, e } => AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: b64(n),
                e: b64(e),
            }),
            Self::Ec { curve, x, y } => {
                AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                    key_type: EllipticCurveKeyType::EC,
                    curve: curve.clone(),
                    x: b64(x),
                    y: b64(y),
                })
            }
            Self::Ed { x } => AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: b64(x),
            }),
        };
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(alg.to_jwt().into()),
                key_id: Some(kid.to_owned()),
                ..CommonParameters::default()
            },
            algorithm,
        }
    }

    /// The RFC 7638 SHA-256 thumbprint, base64url: a stable default key id (43 characters).
    pub(crate) fn thumbprint(&self) -> String {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        // The required members only, in lexicographic order, without white space (RFC 7638 §3).
        let canonical = match self {
            Self::Rsa { n, e } => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b64(e), b64(n)),
            Self::Ec { curve, x, y } => format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                curve_name(curve),
                b64(x),
                b64(y)
            ),
            Self::Ed { x } => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b64(x)),
        };
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

fn curve_name(curve: &EllipticCurve) -> &'static str {
    match curve {
        EllipticCurve::P256 => "P-256",
        EllipticCurve::P384 => "P-384",
        EllipticCurve::P521 => "P-521",
        EllipticCurve::Ed25519 => "Ed25519",
        // `EllipticCurve` is non-exhaustive; `check` refuses any curve it does not list.
        _ => "unsupported",
    }
}

/// The number of significant bits of a big-endian unsigned integer.
fn bit_len(bytes: &[u8]) -> usize {
    let mut bytes = bytes;
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    match bytes.first() {
        None => 0,
        Some(first) => (bytes.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_len_ignores_leading_zero_bytes() {
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
        assert_eq!(bit_len(&[0, 1]), 1);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(bit_len(&[0, 0x7f, 0xff]), 15);
    }
}
