//! Runnable examples of the `auth` crate (see `examples/`).
