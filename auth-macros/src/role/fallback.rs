//! The impls emitted next to a `#[derive(Role)]` (or `#[derive(Permission)]`) error, so that
//! uses of the enum elsewhere (`#[requires_role]`, `Vec<Role>` claims, `role.to_string()`) do
//! not add errors of their own, so the user sees one error, not a cascade. The names are the
//! best guess from the variants, so `#[requires_role("admin")]` still finds `admin`; the
//! bodies never run because the crate does not compile.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use super::Flavor;
use super::ast::RoleModel;
use crate::private;

pub(crate) fn stubs(
    flavor: Flavor,
    input: &DeriveInput,
    model: Option<&RoleModel<'_>>,
) -> TokenStream {
    if !input.generics.params.is_empty() || model.is_some_and(|model| model.generic) {
        return TokenStream::new();
    }
    let private = private::path();
    let serde = quote!(#private::serde);
    let ident = &input.ident;
    let (enum_trait, unknown) = match flavor {
        Flavor::Role => (quote!(RoleEnum), quote!(UnknownRole)),
        Flavor::Permission => (quote!(PermissionEnum), quote!(UnknownPermission)),
    };
    let names: Vec<String> = model
        .map(|model| {
            model
                .variants
                .iter()
                .map(super::ast::RoleVariant::wire_name)
                .collect()
        })
        .unwrap_or_default();
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #private::#enum_trait for #ident {
                const NAMES: &'static [&'static str] = &[#(#names),*];
                fn index(&self) -> usize {
                    ::core::unreachable!()
                }
                fn from_index(_: usize) -> ::core::option::Option<Self> {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl #serde::Serialize for #ident {
                fn serialize<__S>(&self, _: __S) -> ::core::result::Result<__S::Ok, __S::Error>
                where
                    __S: #serde::Serializer,
                {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl<'de> #serde::Deserialize<'de> for #ident {
                fn deserialize<__D>(_: __D) -> ::core::result::Result<Self, __D::Error>
                where
                    __D: #serde::Deserializer<'de>,
                {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = #private::#unknown;
                fn from_str(_: &str) -> ::core::result::Result<Self, #private::#unknown> {
                    ::core::unreachable!()
                }
            }
        };
    }
}
