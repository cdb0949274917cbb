//! The enum as a model: each variant with its wire name and, for roles, the roles it implies
//! and the permissions it grants.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, Ident, Path};

use super::Flavor;
use super::attr::{self, VariantAttrs};
use crate::case::variant_to_snake_case;
use crate::errors::Errors;

/// A `#[derive(Role)]` or `#[derive(Permission)]` enum.
pub(crate) struct RoleModel<'a> {
    pub(crate) flavor: Flavor,
    pub(crate) ident: &'a Ident,
    pub(crate) variants: Vec<RoleVariant<'a>>,
    /// `#[role(permissions = Path)]` on a role enum: the permission enum its roles grant.
    pub(crate) permissions: Option<Path>,
    /// Whether it has generic parameters (an error; the stubs then cannot be written).
    pub(crate) generic: bool,
}

/// One role or permission.
pub(crate) struct RoleVariant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: VariantAttrs,
}

impl RoleVariant<'_> {
    /// The name in tokens and in `#[requires_role("...")]`.
    pub(crate) fn wire_name(&self) -> String {
        self.attrs.rename.as_ref().map_or_else(
            || variant_to_snake_case(&self.ident.unraw().to_string()),
            syn::LitStr::value,
        )
    }

    /// Where the wire name comes from: the `rename` literal, or the variant.
    pub(crate) fn name_span(&self) -> Span {
        self.attrs
            .rename
            .as_ref()
            .map_or_else(|| self.ident.span(), syn::LitStr::span)
    }
}

/// Builds the model; `None` when the input is not an enum at all.
pub(crate) fn parse<'a>(
    flavor: Flavor,
    input: &'a DeriveInput,
    errors: &mut Errors,
) -> Option<RoleModel<'a>> {
    let permissions = attr::parse_enum(flavor, &input.attrs, errors);
    let not_an_enum = format!(
        "`#[derive({})]` only works on fieldless enums, as in `enum {}`",
        flavor.derive(),
        match flavor {
            Flavor::Role => "Role { Admin, Viewer }",
            Flavor::Permission => "Permission { PostsWrite, PostsDelete }",
        }
    );
    let data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            errors.spanned(data.struct_token, not_an_enum);
            return None;
        }
        Data::Union(data) => {
            errors.spanned(data.union_token, not_an_enum);
            return None;
        }
    };
    let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
    if generic {
        errors.push(syn::Error::new(
            input.generics.span(),
            format!(
                "`#[derive({})]` does not support generic parameters: a {} enum is a fixed list of names",
                flavor.derive(),
                flavor.noun()
            ),
        ));
    }
    let variants = data
        .variants
        .iter()
        .map(|variant| {
            if !matches!(variant.fields, Fields::Unit) {
                errors.spanned(
                    &variant.fields,
                    format!(
                        "`#[derive({})]` needs a fieldless enum; remove the fields of `{}`",
                        flavor.derive(),
                        variant.ident
                    ),
                );
            }
            // A role table names permissions as `Permission::X as u32`: that is the index
            // only without explicit discriminants.
            if let (Flavor::Permission, Some((_, discriminant))) = (flavor, &variant.discriminant)
            {
                errors.spanned(
                    discriminant,
                    format!(
                        "`#[derive(Permission)]` numbers the permissions in order; remove the discriminant of `{}`",
                        variant.ident
                    ),
                );
            }
            RoleVariant {
                ident: &variant.ident,
                attrs: attr::parse_variant(flavor, &variant.attrs, errors),
            }
        })
        .collect();
    Some(RoleModel {
        flavor,
        ident: &input.ident,
        variants,
        permissions,
        generic,
    })
}
