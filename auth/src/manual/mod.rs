//! The reasoning behind the crate, kept with the code it explains.
//!
//! - [`security`]: every rule the verifier, the endpoints and the stores enforce, the threat
//!   each answers, and why this crate parses the JWS itself. Code comments cite its rules by
//!   code, as in "security manual, TV-07".
//! - [`compile_errors`]: the compiler's messages for mistakes only rustc can see (the router
//!   state, a role enum not in scope) and what to do about each.

pub mod security {
    #![doc = include_str!("security.md")]
}

pub mod compile_errors {
    #![doc = include_str!("compile_errors.md")]
}
