//! Compile-time behaviour of the macros (trybuild): every `fail/` file holds one mistake and
//! its reviewed `.stderr`; every `pass/` file is a supported shape, built and run.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p auth-tests --test ui` and
//! review them in `git diff`.
#![allow(missing_docs)]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/fail/*.rs");
    t.pass("tests/ui/*/pass/*.rs");
}
