//! Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no white space, and
//! canonical trailing bits, so that one token has exactly one encoding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes into a new buffer; `None` on any deviation from the strict form.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    // `URL_SAFE_NO_PAD` refuses `=`, `+`, `/`, white space and non-zero trailing bits.
    // `decode_vec` grows a buffer from `malloc`; `Engine::decode` asks for a zeroed one
    // (`calloc`), which glibc serves without its per-thread cache: a slower path, taken by
    // every payload a request carries.
    let mut decoded = Vec::new();
    URL_SAFE_NO_PAD.decode_vec(text, &mut decoded).ok()?;
    Some(decoded)
}

/// Decodes into `out`, returning the decoded prefix; `None` if it does not fit or is not strict.
pub(crate) fn decode_to_slice<'a>(text: &[u8], out: &'a mut [u8]) -> Option<&'a [u8]> {
    let len = URL_SAFE_NO_PAD.decode_slice(text, out).ok()?;
    Some(&out[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_unpadded_url_safe_form_decodes() {
        assert_eq!(decode(b"aGk").as_deref(), Some(&b"hi"[..]));
        for bad in [
            &b"aGk="[..],
            b"aGl",
            b"a+k",
            b"a/k",
            b" aGk",
            b"aGk\n",
            b"a",
        ] {
            assert_eq!(decode(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(decode(b"").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn decode_to_slice_refuses_what_does_not_fit() {
        let mut buf = [0u8; 8];
        assert_eq!(decode_to_slice(b"aGk", &mut buf), Some(&b"hi"[..]));
        let mut small = [0u8; 1];
        assert_eq!(decode_to_slice(b"aGVsbG8", &mut small), None);
    }
}
