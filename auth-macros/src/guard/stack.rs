//! What the guard attributes of one handler do together.
//!
//! Attribute macros expand from the top down, each seeing the attributes below it still in
//! the item. Every guard attribute inserts its extractor among the handler's first arguments;
//! the *last* one to expand (no guard attribute below it) then gathers them into one tuple
//! argument. The tuple runs the guards in the same order (axum extracts tuples element by
//! element), takes one of the handler's 16 argument slots whatever the stack, and is the first
//! argument, so `auth::routing` reads the whole stack's requirements from its type.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{Attribute, FnArg, Ident, ItemFn, Pat, PatIdent, PatType, Token, Type, TypeTuple};

use super::Kind;

/// The prefix of the arguments the guards insert.
pub(crate) const GUARD_ARG: &str = "__auth_guard";

/// The guard attribute `attr` is, if it is one: `#[protected]`, `#[auth::requires_role(..)]`,
/// ... by the last segment of its path.
pub(crate) fn attribute_kind(attr: &Attribute) -> Option<Kind> {
    let name = attr.path().segments.last()?.ident.to_string();
    Some(match name.as_str() {
        "protected" => Kind::Protected,
        "requires_role" => Kind::RequiresRole,
        "requires_permission" => Kind::RequiresPermission,
        "authorize" => Kind::Authorize,
        "public" => Kind::Public,
        _ => return None,
    })
}

/// Whether `arg` is one that a guard attribute inserted.
pub(crate) fn is_guard_arg(arg: &FnArg) -> bool {
    match arg {
        FnArg::Typed(PatType { pat, .. }) => {
            matches!(&**pat, Pat::Ident(p) if p.ident.to_string().starts_with(GUARD_ARG))
        }
        FnArg::Receiver(_) => false,
    }
}

/// The handler's arguments that are its own, not inserted guards.
pub(crate) fn own_args(item_fn: &ItemFn) -> usize {
    item_fn
        .sig
        .inputs
        .iter()
        .filter(|arg| !is_guard_arg(arg))
        .count()
}

/// The first `#[public]` among the attributes still to expand, if any.
pub(crate) fn public_below(item_fn: &ItemFn) -> Option<&Attribute> {
    item_fn
        .attrs
        .iter()
        .find(|attr| attribute_kind(attr) == Some(Kind::Public))
}

/// Inserts `__auth_guard: <ty>` at `index` of the arguments.
pub(crate) fn insert_guard_at(item_fn: &mut ItemFn, index: usize, ty: Type) {
    // Mixed-site: the body can neither name nor shadow the guard.
    let ident = Ident::new(&guard_name(&item_fn.sig.inputs), Span::mixed_site());
    item_fn.sig.inputs.insert(index, guard_arg(ident, ty));
}

/// After a guard attribute inserted its extractor: when no guard attribute is left to
/// expand, gathers the inserted guards (the first arguments) into one tuple argument.
pub(crate) fn gather_if_last(item_fn: &mut ItemFn) {
    let more_to_come = item_fn
        .attrs
        .iter()
        .any(|attr| attribute_kind(attr).is_some_and(|kind| kind != Kind::Public));
    let count = item_fn
        .sig
        .inputs
        .iter()
        .take_while(|arg| is_guard_arg(arg))
        .count();
    if more_to_come || count < 2 {
        return;
    }
    let inputs = std::mem::take(&mut item_fn.sig.inputs);
    let mut guards = Punctuated::<Type, Token![,]>::new();
    let mut rest = Punctuated::<FnArg, Token![,]>::new();
    for (i, arg) in inputs.into_iter().enumerate() {
        match arg {
            FnArg::Typed(PatType { ty, .. }) if i < count => guards.push(*ty),
            other => rest.push(other),
        }
    }
    let tuple = Type::Tuple(TypeTuple {
        attrs: Vec::new(),
        paren_token: syn::token::Paren::default(),
        elems: guards,
    });
    let ident = Ident::new(GUARD_ARG, Span::mixed_site());
    item_fn.sig.inputs.push(guard_arg(ident, tuple));
    item_fn.sig.inputs.extend(rest);
}

fn guard_arg(ident: Ident, ty: Type) -> FnArg {
    FnArg::Typed(PatType {
        attrs: Vec::new(),
        pat: Box::new(Pat::Ident(PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident,
            subpat: None,
        })),
        colon_token: <Token![:]>::default(),
        ty: Box::new(ty),
    })
}

/// `__auth_guard`, or `__auth_guard_1`, ... when stacked attributes already inserted one.
fn guard_name(inputs: &Punctuated<FnArg, Token![,]>) -> String {
    let taken = inputs.iter().filter(|arg| is_guard_arg(arg)).count();
    if taken == 0 {
        GUARD_ARG.to_owned()
    } else {
        format!("{GUARD_ARG}_{taken}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::{ToTokens as _, quote};

    use super::*;

    #[test]
    fn the_last_guard_gathers_the_inserted_ones_in_order() {
        let mut item_fn: ItemFn = syn::parse2(quote! {
            async fn h(__auth_guard_1: A, __auth_guard: B, x: X) {}
        })
        .unwrap();
        gather_if_last(&mut item_fn);
        assert_eq!(
            item_fn.sig.inputs.to_token_stream().to_string(),
            quote!(__auth_guard: (A, B), x: X).to_string()
        );
    }

    #[test]
    fn nothing_is_gathered_while_a_guard_attribute_is_below() {
        let tokens = quote! {
            #[requires_role("admin")]
            async fn h(__auth_guard_1: A, __auth_guard: B, x: X) {}
        };
        let mut item_fn: ItemFn = syn::parse2(tokens).unwrap();
        let before = item_fn.to_token_stream().to_string();
        gather_if_last(&mut item_fn);
        assert_eq!(item_fn.to_token_stream().to_string(), before);
    }

    #[test]
    fn one_guard_stays_as_it_is() {
        let mut item_fn: ItemFn = syn::parse2(quote! {
            async fn h(__auth_guard: A, x: X) {}
        })
        .unwrap();
        gather_if_last(&mut item_fn);
        assert_eq!(
            item_fn.sig.inputs.to_token_stream().to_string(),
            quote!(__auth_guard: A, x: X).to_string()
        );
    }
}
