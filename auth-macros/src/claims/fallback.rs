//! The `TokenClaims` impl emitted next to a `#[derive(Claims)]` error, so that `Auth<MyClaims>`
//! elsewhere adds no second error (as thiserror's `fallback.rs` does). It keeps the role
//! type when the roles field was found, so code comparing roles still type-checks.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Type};

use super::expand::impl_claim_set;
use crate::private;

pub(crate) fn stubs(input: &DeriveInput, roles_ty: Option<&Type>) -> TokenStream {
    let private = private::path();
    let role = roles_ty.map_or_else(
        || quote!(#private::NoRole),
        |ty| quote!(<#ty as #private::RoleCollection>::Role),
    );
    impl_claim_set(
        &input.ident,
        &input.generics,
        roles_ty,
        &quote! {
            type Role = #role;
            fn subject(&self) -> &str {
                ::core::unreachable!()
            }
            fn roles(&self) -> #private::Roles<Self::Role> {
                ::core::unreachable!()
            }
        },
    )
}
