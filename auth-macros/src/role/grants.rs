//! The grant table of a role enum with `#[role(permissions = P)]`: an
//! `impl GrantedByRoles for P` whose `GRANTS[i]` is the mask of the permissions role `i`
//! grants, the grants of the roles it implies included (the hierarchy is closed here, at
//! compile time, so the request path only ORs the entries of the token's roles).
//!
//! The macro cannot see `P`, so each permission is written as `P::Variant as u32` (the
//! permission derive numbers variants in order and refuses discriminants): a name `P` lacks
//! is rustc's "no variant named .." error, placed on the name in `grants(..)`.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens as _, quote, quote_spanned};
use syn::spanned::Spanned as _;

use super::ast::RoleModel;
use super::expand::closure;
use crate::private;

/// The `GrantedByRoles` impl; nothing for a role enum without `permissions = ..`.
pub(crate) fn table(model: &RoleModel<'_>) -> TokenStream {
    let Some(permissions) = &model.permissions else {
        return TokenStream::new();
    };
    let private = private::path();
    let ident = model.ident;
    let closure = closure(model);
    let rows = (0..model.variants.len()).map(|i| {
        // Role i, and every role it implies.
        let implied = closure
            .as_ref()
            .and_then(|masks| masks.get(i).copied())
            .unwrap_or(bit(i));
        let bits = model
            .variants
            .iter()
            .enumerate()
            .filter(|&(j, _)| implied & bit(j) != 0)
            .flat_map(|(_, variant)| variant.attrs.grants.iter())
            .flat_map(|grants| grants.permissions.iter())
            .map(|permission| {
                // The whole path at the name, so rustc's error marks the name alone.
                let path = respan(permissions.to_token_stream(), permission.span());
                quote_spanned! {permission.span()=>
                    (1u64 << (#path::#permission as u32))
                }
            });
        quote!(0u64 #(| #bits)*)
    });
    // A type that is not a permission enum gets the trait's own message, at the path.
    let check = quote_spanned! {permissions.span()=>
        const _: &[&str] = <#permissions as #private::PermissionEnum>::NAMES;
    };
    quote! {
        #check

        #[automatically_derived]
        impl #private::GrantedByRoles for #permissions {
            type Role = #ident;
            const GRANTS: &'static [u64] = &[#(#rows),*];
        }
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// Bit `i`; none past the 64th (an enum that long is an error reported elsewhere).
fn bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use syn::DeriveInput;

    use super::*;
    use crate::errors::Errors;
    use crate::role::{Flavor, ast};

    fn table_of(input: TokenStream) -> String {
        let input: DeriveInput = syn::parse2(input).unwrap();
        let model = ast::parse(Flavor::Role, &input, &mut Errors::new()).unwrap();
        table(&model).to_string()
    }

    #[test]
    fn each_role_grants_its_own_and_its_implied_roles_permissions() {
        let out = table_of(quote! {
            #[role(permissions = perm::P)]
            enum Role {
                #[role(implies(Editor), grants(Delete))] Admin,
                #[role(grants(Write))] Editor,
                #[role(grants())] Viewer,
            }
        });
        let expected = quote! {
            const _: &[&str] = <perm::P as ::auth::__private::PermissionEnum>::NAMES;

            #[automatically_derived]
            impl ::auth::__private::GrantedByRoles for perm::P {
                type Role = Role;
                const GRANTS: &'static [u64] = &[
                    0u64 | (1u64 << (perm::P::Delete as u32)) | (1u64 << (perm::P::Write as u32)),
                    0u64 | (1u64 << (perm::P::Write as u32)),
                    0u64
                ];
            }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn no_permissions_no_table() {
        assert_eq!(
            table_of(quote!(
                enum Role {
                    Admin,
                }
            )),
            ""
        );
    }
}
