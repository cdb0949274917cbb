//! Procedural macros of the `auth` crate. Use them through `auth`, which re-exports them.
