//! The role enum as a model: each variant with its wire name and the roles it implies.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, Ident};

use super::attr::{self, VariantAttrs};
use crate::case::variant_to_snake_case;
use crate::errors::Errors;

/// A `#[derive(Role)]` enum.
pub(crate) struct RoleModel<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) variants: Vec<RoleVariant<'a>>,
    /// Whether it has generic parameters (an error; the stubs then cannot be written).
    pub(crate) generic: bool,
}

/// One role.
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
pub(crate) fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<RoleModel<'a>> {
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("role"))
    {
        errors.spanned(
            attr,
            "`#[role(..)]` goes on the variants of the enum, as in `#[role(rename = \"root\")] Admin`",
        );
    }
    let data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            errors.spanned(data.struct_token, NOT_AN_ENUM);
            return None;
        }
        Data::Union(data) => {
            errors.spanned(data.union_token, NOT_AN_ENUM);
            return None;
        }
    };
    let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
    if generic {
        errors.push(syn::Error::new(
            input.generics.span(),
            "`#[derive(Role)]` does not support generic parameters: a role enum is a fixed list of names",
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
                        "`#[derive(Role)]` needs a fieldless enum; remove the fields of `{}`",
                        variant.ident
                    ),
                );
            }
            RoleVariant {
                ident: &variant.ident,
                attrs: attr::parse_variant(&variant.attrs, errors),
            }
        })
        .collect();
    Some(RoleModel {
        ident: &input.ident,
        variants,
        generic,
    })
}

const NOT_AN_ENUM: &str =
    "`#[derive(Role)]` only works on fieldless enums, as in `enum Role { Admin, Viewer }`";
