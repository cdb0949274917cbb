//! Integration tests of the `auth` crate live in `tests/`.
