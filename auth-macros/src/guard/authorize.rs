//! `#[authorize(Policy, ..)]`: inserts `Authorize<Policy>` for each policy named. Policies
//! run after every other guard of the handler (they may query a database; the role checks
//! are a mask and a compare), in the order written, and before the handler's own
//! extractors.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens as _, quote};
use syn::parse::Parser as _;
use syn::punctuated::Punctuated;
use syn::{Token, Type};

use super::validate::Guard;
use super::{Kind, openapi, public, stack, validate, with_error};
use crate::errors::Errors;
use crate::private;

const EXAMPLE: &str = "`#[authorize(OwnsPost)]`";

/// The expansion of `#[authorize(args)]` on `item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_fn = match super::parse_handler(Kind::Authorize, item) {
        Ok(item_fn) => item_fn,
        Err(tokens) => return tokens,
    };
    let mut errors = Errors::new();
    let policies = errors.take(parse(args)).unwrap_or_default();
    validate::check_fn(Kind::Authorize, &item_fn, &mut errors);
    if let Some(public) = stack::public_below(&item_fn) {
        errors.spanned(public, public::combined_message(Kind::Authorize));
    }
    if let Err(err) = errors.finish() {
        return with_error(item_fn.into_token_stream(), err);
    }
    let guard = Guard {
        roles: None,
        kind: Kind::Authorize,
        fresh: false,
    };
    openapi::document(&mut item_fn, &guard);
    let private = private::path();
    // After the guards already inserted: the policies run last.
    let first = item_fn
        .sig
        .inputs
        .iter()
        .take_while(|arg| stack::is_guard_arg(arg))
        .count();
    for (index, policy) in (first..).zip(policies) {
        let ty = Type::Verbatim(quote!(#private::Authorize<#policy>));
        stack::insert_guard_at(&mut item_fn, index, ty);
    }
    stack::gather_if_last(&mut item_fn);
    item_fn.into_token_stream()
}

/// The policy types, in order: at least one, each a type (not a string or a number).
fn parse(args: TokenStream) -> syn::Result<Vec<Type>> {
    if args.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`#[authorize]` needs the policy to run, as in {EXAMPLE}"),
        ));
    }
    let types = Punctuated::<Type, Token![,]>::parse_terminated
        .parse2(args)
        .map_err(|err| {
            syn::Error::new(
                err.span(),
                format!("`#[authorize]` takes policy types, as in {EXAMPLE}"),
            )
        })?;
    let mut errors = Errors::new();
    for ty in &types {
        if !matches!(ty, Type::Path(_)) {
            errors.spanned(
                ty,
                format!("`#[authorize]` takes policy types by name, as in {EXAMPLE}"),
            );
        }
    }
    errors.finish()?;
    Ok(types.into_iter().collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn policies_are_inserted_after_the_other_guards() {
        let out = expand(
            quote!(OwnsPost, crate::Other),
            quote!(
                async fn edit(__auth_guard: ::auth::__private::Authenticated, x: X) {}
            ),
        );
        let expected = quote! {
            async fn edit(
                __auth_guard: (
                    ::auth::__private::Authenticated,
                    ::auth::__private::Authorize<OwnsPost>,
                    ::auth::__private::Authorize<crate::Other>
                ),
                x: X
            ) {}
        };
        assert_eq!(out.to_string(), expected.to_string());
    }

    #[test]
    fn arguments_must_be_policy_types() {
        assert!(parse(quote!()).is_err());
        assert!(parse(quote!("OwnsPost")).is_err());
        assert!(parse(quote!(&OwnsPost)).is_err());
        assert_eq!(parse(quote!(a::B, C<D>)).unwrap().len(), 2);
    }
}
