//! The claims struct as a model: each field with its `#[claims]` marks and its member names
//! in the JSON (after `#[serde(rename..)]`).

use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Type};

use super::attr::{self, ClaimsAttrs, Name};
use crate::errors::Errors;

pub(crate) struct ClaimsStruct<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) fields: Vec<ClaimField<'a>>,
    /// Whether a `#[claims]` attribute could not be read: then a missing subject is most
    /// likely that attribute's fault, and is not reported a second time.
    pub(crate) marks_incomplete: bool,
}

pub(crate) struct ClaimField<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) marks: ClaimsAttrs,
    /// The member name when serialized (`None`: skipped or flattened).
    pub(crate) serialized: Option<Name>,
    /// The member name read when deserialized (`None`: skipped or flattened).
    pub(crate) deserialized: Option<Name>,
}

impl ClaimField<'_> {
    /// Whether the Rust name of the field is `name`.
    pub(crate) fn is_named(&self, name: &str) -> bool {
        self.ident.unraw() == name
    }
}

/// Builds the model; `None` when the input is not a struct with named fields.
pub(crate) fn parse<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<ClaimsStruct<'a>> {
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("claims"))
    {
        errors.spanned(
            attr,
            "`#[claims(..)]` goes on a field: `#[claims(subject)]` or `#[claims(roles)]`",
        );
    }
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields,
            Fields::Unnamed(_) | Fields::Unit => {
                errors.spanned(&input.ident, NOT_A_STRUCT);
                return None;
            }
        },
        Data::Enum(data) => {
            errors.spanned(data.enum_token, NOT_A_STRUCT);
            return None;
        }
        Data::Union(data) => {
            errors.spanned(data.union_token, NOT_A_STRUCT);
            return None;
        }
    };
    let container = attr::parse_serde_container(&input.attrs);
    let mut marks_incomplete = false;
    let fields = fields
        .named
        .iter()
        .filter_map(|field| {
            let ident = field.ident.as_ref()?;
            let serde = attr::parse_serde_field(&field.attrs);
            let serialized = (!serde.flatten && !serde.skip_serializing).then(|| {
                Name::of(
                    ident,
                    serde.rename_serialize.as_ref(),
                    container.rename_all_serialize,
                )
            });
            let deserialized = (!serde.flatten && !serde.skip_deserializing).then(|| {
                Name::of(
                    ident,
                    serde.rename_deserialize.as_ref(),
                    container.rename_all_deserialize,
                )
            });
            let mut attr_errors = Errors::new();
            let marks = attr::parse_field(&field.attrs, &mut attr_errors);
            marks_incomplete |= !attr_errors.is_empty();
            errors.append(attr_errors);
            Some(ClaimField {
                ident,
                ty: &field.ty,
                marks,
                serialized,
                deserialized,
            })
        })
        .collect();
    Some(ClaimsStruct {
        ident: &input.ident,
        generics: &input.generics,
        fields,
        marks_incomplete,
    })
}

const NOT_A_STRUCT: &str = "`#[derive(Claims)]` needs a struct with named fields, as in `struct UserClaims { sub: String }`";
