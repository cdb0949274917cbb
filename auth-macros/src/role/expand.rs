//! The impls of a valid role or permission enum: `RoleEnum` (names, the closed hierarchy,
//! index lookups) or `PermissionEnum` (names, index lookups, what roles grant), serde
//! `Serialize`/`Deserialize` by wire name, `Display` and `FromStr`; for a role enum with
//! permissions, the grant table (`grants.rs`). Nothing else: the user derives `Clone`,
//! `Copy`, `Eq`, `Debug`, ... as they like.

use std::collections::HashMap;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::ast::RoleModel;
use super::{Flavor, grants};
use crate::private;

pub(crate) fn expand(model: &RoleModel<'_>) -> TokenStream {
    let private = private::path();
    let ident = model.ident;
    let variants: Vec<_> = model.variants.iter().map(|variant| variant.ident).collect();
    let names: Vec<String> = model
        .variants
        .iter()
        .map(super::ast::RoleVariant::wire_name)
        .collect();
    let indexes = (0..variants.len()).map(Literal::usize_unsuffixed);
    let indexes2 = indexes.clone();
    let (enum_trait, unknown, extra) = match model.flavor {
        Flavor::Role => {
            let implies = closure(model).map(|masks| {
                let masks = masks.into_iter().map(Literal::u64_unsuffixed);
                quote!(const IMPLIES: &'static [u64] = &[#(#masks),*];)
            });
            (quote!(RoleEnum), quote!(UnknownRole), implies)
        }
        Flavor::Permission => (
            quote!(PermissionEnum),
            quote!(UnknownPermission),
            Some(quote! {
                /// What the token's roles grant, when a role enum names this enum in
                /// `#[role(permissions = ..)]`; nothing otherwise.
                fn role_grants<'__a>(
                    role_names: impl ::core::iter::IntoIterator<Item = &'__a str>,
                ) -> u64 {
                    #[allow(unused_imports)]
                    use #private::{GrantsViaRoles as _, GrantsViaScopesOnly as _};
                    (&#private::GrantProbe::<Self>::new()).role_grants(role_names)
                }
            }),
        ),
    };
    let grants = grants::table(model);
    let common = name_impls(model.flavor, ident, &enum_trait, &unknown);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #private::#enum_trait for #ident {
                const NAMES: &'static [&'static str] = &[#(#names),*];
                #extra

                #[inline]
                fn index(&self) -> usize {
                    match *self {
                        #(Self::#variants => #indexes,)*
                    }
                }

                #[inline]
                fn from_index(index: usize) -> ::core::option::Option<Self> {
                    match index {
                        #(#indexes2 => ::core::option::Option::Some(Self::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }

                #[inline]
                fn name(&self) -> &'static str {
                    match *self {
                        #(Self::#variants => #names,)*
                    }
                }

                #[inline]
                fn from_name(name: &str) -> ::core::option::Option<Self> {
                    match name {
                        #(#names => ::core::option::Option::Some(Self::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #grants

            #common
        };
    }
}

/// serde `Serialize`/`Deserialize` by wire name, `Display` and `FromStr`: the same for roles
/// and permissions but for the trait and the error type.
fn name_impls(
    flavor: Flavor,
    ident: &syn::Ident,
    enum_trait: &TokenStream,
    unknown: &TokenStream,
) -> TokenStream {
    let private = private::path();
    let serde = quote!(#private::serde);
    let expecting = format!("a {} name", flavor.noun());
    quote! {
        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error>
            where
                __S: #serde::Serializer,
            {
                serializer.serialize_str(<Self as #private::#enum_trait>::name(self))
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: #serde::Deserializer<'de>,
            {
                struct __AuthNameVisitor;

                impl<'de> #serde::de::Visitor<'de> for __AuthNameVisitor {
                    type Value = #ident;

                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_str<__E>(self, value: &str) -> ::core::result::Result<#ident, __E>
                    where
                        __E: #serde::de::Error,
                    {
                        <#ident as #private::#enum_trait>::from_name(value).ok_or_else(|| {
                            __E::unknown_variant(value, <#ident as #private::#enum_trait>::NAMES)
                        })
                    }
                }

                deserializer.deserialize_str(__AuthNameVisitor)
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.pad(<Self as #private::#enum_trait>::name(self))
            }
        }

        #[automatically_derived]
        impl ::core::str::FromStr for #ident {
            type Err = #private::#unknown;

            fn from_str(name: &str) -> ::core::result::Result<Self, #private::#unknown> {
                <Self as #private::#enum_trait>::from_name(name).ok_or(#private::#unknown)
            }
        }
    }
}

/// For each role, the mask of every role it grants, itself included, following `implies` to
/// its fixed point. `None` when no variant implies another: the runtime then skips the
/// hierarchy entirely.
pub(crate) fn closure(model: &RoleModel<'_>) -> Option<Vec<u64>> {
    if model
        .variants
        .iter()
        .all(|variant| variant.attrs.implies.is_empty())
    {
        return None;
    }
    let index: HashMap<&syn::Ident, usize> = model
        .variants
        .iter()
        .enumerate()
        .map(|(i, variant)| (variant.ident, i))
        .collect();
    let bit = |i: usize| {
        u32::try_from(i)
            .ok()
            .and_then(|i| 1u64.checked_shl(i))
            .unwrap_or(0)
    };
    let mut masks: Vec<u64> = model
        .variants
        .iter()
        .enumerate()
        .map(|(i, variant)| {
            variant
                .attrs
                .implies
                .iter()
                .filter_map(|target| index.get(target).copied())
                .fold(bit(i), |mask, j| mask | bit(j))
        })
        .collect();
    loop {
        let mut changed = false;
        for i in 0..masks.len() {
            let mut mask = masks[i];
            let mut rest = mask;
            while rest != 0 {
                let j = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                mask |= masks.get(j).copied().unwrap_or(0);
            }
            if mask != masks[i] {
                masks[i] = mask;
                changed = true;
            }
        }
        if !changed {
            return Some(masks);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use syn::DeriveInput;

    use super::*;
    use crate::errors::Errors;
    use crate::role::ast;

    #[test]
    fn closure_is_transitive() {
        let input: DeriveInput = syn::parse2(quote! {
            enum Role {
                #[role(implies(Editor))] Admin,
                #[role(implies(Viewer))] Editor,
                Viewer,
                Auditor,
                #[role(implies(Admin, Auditor))] Owner,
            }
        })
        .unwrap();
        let model = ast::parse(Flavor::Role, &input, &mut Errors::new()).unwrap();
        assert_eq!(
            closure(&model).unwrap(),
            [0b00111, 0b00110, 0b00100, 0b01000, 0b11111]
        );
    }

    #[test]
    fn no_hierarchy_means_no_table() {
        let input: DeriveInput = syn::parse2(quote!(
            enum Role {
                Admin,
                Viewer,
            }
        ))
        .unwrap();
        let model = ast::parse(Flavor::Role, &input, &mut Errors::new()).unwrap();
        assert_eq!(closure(&model), None);
        let out = expand(&model).to_string();
        assert!(!out.contains("IMPLIES"));
        assert!(
            out.contains(r#"const NAMES : & 'static [& 'static str] = & ["admin" , "viewer"]"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"match name { "admin" => :: core :: option :: Option :: Some (Self :: Admin) ,"#
            ),
            "{out}"
        );
    }
}
