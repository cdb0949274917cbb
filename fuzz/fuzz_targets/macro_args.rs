//! The `#[protected]` / `#[requires_role(..)]` / `#[requires_permission(..)]` expansion (argument parser, validation and
//! expansion), compiled from auth-macros' own sources: a proc-macro crate cannot be linked
//! into a program, but its logic runs on `proc_macro2` (STYLE R1). Arbitrary text is lexed as a
//! `proc_macro2::TokenStream` first, as rustc would hand it over. The expansion never panics
//! (STYLE R3), and when it reports no error its output is a function again.
#![no_main]
#![allow(dead_code, unreachable_pub)]

#[path = "../../auth-macros/src/case.rs"]
mod case;
#[path = "../../auth-macros/src/errors.rs"]
mod errors;
#[path = "../../auth-macros/src/guard/mod.rs"]
mod guard;
#[path = "../../auth-macros/src/private.rs"]
mod private;
#[path = "../../auth-macros/src/shared.rs"]
mod shared;

use std::str::FromStr as _;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

#[derive(Arbitrary, Debug)]
enum Item {
    Handler,
    Sync,
    Method,
    Generic,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Attribute {
    Protected,
    RequiresRole,
    RequiresPermission,
}

#[derive(Arbitrary, Debug)]
struct Input {
    attribute: Attribute,
    args: String,
    item: Item,
}

fuzz_target!(|input: Input| {
    let Ok(args) = TokenStream::from_str(&input.args) else {
        return;
    };
    let item = match &input.item {
        Item::Handler => "async fn purge(State(db): State<Db>) -> StatusCode { ok() }",
        Item::Sync => "fn purge() {}",
        Item::Method => "async fn purge(&self) {}",
        Item::Generic => "pub async fn h<T: Send>(x: T) -> T where T: Sync { x }",
        Item::Raw(raw) => raw,
    };
    let Ok(item) = TokenStream::from_str(item) else {
        return;
    };
    let kind = match input.attribute {
        Attribute::Protected => guard::Kind::Protected,
        Attribute::RequiresRole => guard::Kind::RequiresRole,
        Attribute::RequiresPermission => guard::Kind::RequiresPermission,
    };
    let out = guard::expand(kind, args, item);
    let text = out.to_string();
    if !text.contains("compile_error") {
        syn::parse2::<syn::ItemFn>(out).expect("an expansion without error is a function");
    }
});
