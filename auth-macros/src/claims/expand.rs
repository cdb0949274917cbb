//! The `TokenClaims` impl of a valid claims struct.

use proc_macro2::TokenStream;
use quote::{ToTokens as _, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Generics, Ident, Type};

use super::ast::{ClaimField, ClaimsStruct};
use crate::private;

pub(crate) fn expand(
    model: &ClaimsStruct<'_>,
    subject: &ClaimField<'_>,
    roles: Option<&ClaimField<'_>>,
) -> TokenStream {
    let private = private::path();
    // Spanned at the field's type: a subject that is not a string is a type error there.
    let subject_expr = {
        let field = subject.ident;
        quote_spanned!(subject.ty.span()=> &self.#field)
    };
    let (role, roles_member, roles_expr) = match roles {
        Some(roles) => {
            let (field, ty) = (roles.ident, roles.ty);
            let member = roles
                .deserialized
                .as_ref()
                .map_or(roles.ident.unraw_string(), |name| name.value.clone());
            (
                quote!(<#ty as #private::RoleCollection>::Role),
                quote!(::core::option::Option::Some(#member)),
                quote!(#private::RoleCollection::to_roles(&self.#field)),
            )
        }
        None => (
            quote!(#private::NoRole),
            quote!(::core::option::Option::None),
            quote!(#private::Roles::empty()),
        ),
    };
    impl_claim_set(
        model.ident,
        model.generics,
        roles.map(|roles| roles.ty),
        &quote! {
            type Role = #role;
            const ROLES_MEMBER: ::core::option::Option<&'static str> = #roles_member;

            #[inline]
            fn subject(&self) -> &str {
                #subject_expr
            }

            #[inline]
            fn roles(&self) -> #private::Roles<Self::Role> {
                #roles_expr
            }
        },
    )
}

/// The span of the last token of `ty` (`syn`'s `span()` is only the first one on stable).
fn last_span(ty: &Type) -> proc_macro2::Span {
    ty.to_token_stream()
        .into_iter()
        .last()
        .map_or_else(|| ty.span(), |token| token.span())
}

/// `impl TokenClaims for #ident { #body }`, with the bounds a generic claims type needs.
pub(crate) fn impl_claim_set(
    ident: &Ident,
    generics: &Generics,
    roles_ty: Option<&Type>,
    body: &TokenStream,
) -> TokenStream {
    let private = private::path();
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|clause| clause.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    // The supertraits, stated as a bound: a claims type without `Deserialize` is then one
    // error instead of two, and a generic claims type gets the bounds it needs.
    predicates.push(quote! {
        Self: #private::serde::de::DeserializeOwned + ::core::marker::Send + ::core::marker::Sync + 'static
    });
    if let Some(ty) = roles_ty {
        // Stated as a bound, a roles type that is not a `RoleCollection` is one error, on the
        // field's type, instead of one at each use inside the impl.
        let bound = quote_spanned!(last_span(ty)=> ::auth::__private::RoleCollection);
        predicates.push(quote!(#ty: #bound));
    }
    let where_clause = (!predicates.is_empty()).then(|| quote!(where #(#predicates,)*));
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::TokenClaims for #ident #ty_generics #where_clause {
                #body
            }
        };
    }
}

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for Ident {
    fn unraw_string(&self) -> String {
        use syn::ext::IdentExt as _;
        self.unraw().to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use syn::DeriveInput;

    use crate::claims::derive;

    #[test]
    fn expands_subject_roles_and_the_member_name() {
        let out = derive(quote! {
            struct C { sub: String, #[serde(rename = "groups")] roles: Vec<Role> }
        })
        .to_string();
        let expected = quote! {
            const _: () = {
                #[automatically_derived]
                impl ::auth::__private::TokenClaims for C
                where
                    Self: ::auth::__private::serde::de::DeserializeOwned + ::core::marker::Send + ::core::marker::Sync + 'static,
                    Vec<Role>: ::auth::__private::RoleCollection,
                {
                    type Role = <Vec<Role> as ::auth::__private::RoleCollection>::Role;
                    const ROLES_MEMBER: ::core::option::Option<&'static str> = ::core::option::Option::Some("groups");
                    #[inline]
                    fn subject(&self) -> &str {
                        &self.sub
                    }
                    #[inline]
                    fn roles(&self) -> ::auth::__private::Roles<Self::Role> {
                        ::auth::__private::RoleCollection::to_roles(&self.roles)
                    }
                }
            };
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn no_roles_field_means_no_role() {
        let out = derive(quote!(
            struct C<T>
            where
                T: Clone,
            {
                sub: String,
                extra: T,
            }
        ))
        .to_string();
        assert!(out.contains(":: auth :: __private :: NoRole"), "{out}");
        assert!(out.contains("ROLES_MEMBER : :: core :: option :: Option < & 'static str > = :: core :: option :: Option :: None"), "{out}");
        assert!(
            out.contains(
                "impl < T > :: auth :: __private :: TokenClaims for C < T > where T : Clone , Self :"
            ),
            "{out}"
        );
        let _: DeriveInput = syn::parse2(quote!(
            struct C;
        ))
        .unwrap();
    }

    #[test]
    fn errors_come_with_stubs() {
        let out = derive(quote!(
            struct C {
                user: String,
                roles: Vec<Role>,
            }
        ))
        .to_string();
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
        assert!(
            out.contains(
                "type Role = < Vec < Role > as :: auth :: __private :: RoleCollection > :: Role"
            ),
            "{out}"
        );
        assert!(out.contains(":: core :: unreachable ! ()"), "{out}");
    }
}
