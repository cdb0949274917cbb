//! `#[public]`: declares a handler reachable without a token by inserting the zero-cost
//! `Public` marker as its first argument, for `auth::routing` and the manifest to see.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens as _, quote};
use syn::Type;

use super::{Kind, stack, validate, with_error};
use crate::errors::Errors;
use crate::private;

/// The expansion of `#[public]` on `item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_fn = match super::parse_handler(Kind::Public, item) {
        Ok(item_fn) => item_fn,
        Err(tokens) => return tokens,
    };
    let mut errors = Errors::new();
    if !args.is_empty() {
        errors.spanned(
            args,
            "`#[public]` takes no arguments: a public handler requires nothing",
        );
    }
    validate::check_fn(Kind::Public, &item_fn, &mut errors);
    // A guard attribute below: it would still demand a token.
    for attr in &item_fn.attrs {
        if let Some(kind) = stack::attribute_kind(attr).filter(|kind| *kind != Kind::Public) {
            errors.spanned(attr, combined_message(kind));
        }
    }
    // A guard attribute above, already expanded: its extractor is among the arguments.
    if item_fn.sig.inputs.iter().any(stack::is_guard_arg) {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[public]` cannot be combined with the guard attribute above it: a public \
             handler needs no token; remove one of them",
        ));
    }
    if let Err(err) = errors.finish() {
        return with_error(item_fn.into_token_stream(), err);
    }
    let private = private::path();
    stack::insert_guard_at(&mut item_fn, 0, Type::Verbatim(quote!(#private::Public)));
    item_fn.into_token_stream()
}

/// The error for `#[public]` on the same handler as the guard attribute `kind`.
pub(crate) fn combined_message(kind: Kind) -> String {
    format!(
        "`#[public]` cannot be combined with `{kind}`: a public handler needs no token, \
         and `{kind}` requires one; remove one of them"
    )
}
