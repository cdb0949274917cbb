//! The attributes `#[derive(Claims)]` reads: its own `#[claims(subject)]`/`#[claims(roles)]`,
//! and, best effort, the `#[serde(..)]` ones that change a member's name in the JSON. Mistakes
//! in `#[serde]` are serde's to report, so reading them never fails.

use proc_macro2::Span;
use syn::{Attribute, Ident, LitStr};

use crate::case::RenameRule;
use crate::errors::Errors;
use crate::role::{path_name, skip_value};

/// What `#[claims(..)]` says about a field; each flag keeps its keyword for spans.
#[derive(Default)]
pub(crate) struct ClaimsAttrs {
    pub(crate) subject: Option<Ident>,
    pub(crate) roles: Option<Ident>,
}

const KEYS: &str = "`subject`, `roles`";

pub(crate) fn parse_field(attrs: &[Attribute], errors: &mut Errors) -> ClaimsAttrs {
    let mut out = ClaimsAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("claims")) {
        let result = attr.parse_nested_meta(|meta| {
            let slot = if meta.path.is_ident("subject") {
                Some(&mut out.subject)
            } else if meta.path.is_ident("roles") {
                Some(&mut out.roles)
            } else {
                None
            };
            let Some(slot) = slot else {
                errors.push(meta.error(format!(
                    "unknown `#[claims]` attribute `{}`; expected one of: {KEYS}",
                    path_name(&meta.path)
                )));
                return skip_value(&meta);
            };
            let key = path_name(&meta.path);
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                errors.push(meta.error(format!(
                    "`#[claims({key})]` takes no value; write `#[claims({key})]`"
                )));
                skip_value(&meta)?;
            }
            if slot.is_some() {
                errors.push(meta.error(format!("duplicate `#[claims]` attribute `{key}`")));
            } else if let Some(ident) = meta.path.get_ident() {
                *slot = Some(ident.clone());
            }
            Ok(())
        });
        errors.take(result);
    }
    out
}

/// The `#[serde]` attributes of a field that matter for its name in the JSON.
#[derive(Default)]
pub(crate) struct SerdeField {
    pub(crate) rename_serialize: Option<LitStr>,
    pub(crate) rename_deserialize: Option<LitStr>,
    pub(crate) skip_serializing: bool,
    pub(crate) skip_deserializing: bool,
    pub(crate) flatten: bool,
}

/// `#[serde(rename_all = "..")]` of the struct.
#[derive(Default)]
pub(crate) struct SerdeContainer {
    pub(crate) rename_all_serialize: Option<RenameRule>,
    pub(crate) rename_all_deserialize: Option<RenameRule>,
}

pub(crate) fn parse_serde_field(attrs: &[Attribute]) -> SerdeField {
    let mut out = SerdeField::default();
    for attr in serde_attrs(attrs) {
        // Errors are serde's to report; what was read before one still counts.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let (ser, de) = serialize_deserialize(&meta, <LitStr as syn::parse::Parse>::parse)?;
                out.rename_serialize = ser.or(out.rename_serialize.take());
                out.rename_deserialize = de.or(out.rename_deserialize.take());
            } else if meta.path.is_ident("skip") {
                out.skip_serializing = true;
                out.skip_deserializing = true;
            } else if meta.path.is_ident("skip_serializing") {
                out.skip_serializing = true;
            } else if meta.path.is_ident("skip_deserializing") {
                out.skip_deserializing = true;
            } else if meta.path.is_ident("flatten") {
                out.flatten = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
    out
}

pub(crate) fn parse_serde_container(attrs: &[Attribute]) -> SerdeContainer {
    let mut out = SerdeContainer::default();
    for attr in serde_attrs(attrs) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                let (ser, de) = serialize_deserialize(&meta, |value| {
                    let rule = value.parse::<LitStr>()?;
                    RenameRule::from_name(&rule.value())
                        .ok_or_else(|| syn::Error::new(rule.span(), "unknown rule"))
                })?;
                out.rename_all_serialize = ser.or(out.rename_all_serialize);
                out.rename_all_deserialize = de.or(out.rename_all_deserialize);
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
    out
}

fn serde_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident("serde"))
}

/// `key = value` (both directions) or `key(serialize = value, deserialize = value)`.
fn serialize_deserialize<T: Clone>(
    meta: &syn::meta::ParseNestedMeta<'_>,
    parse: impl Fn(syn::parse::ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<(Option<T>, Option<T>)> {
    if meta.input.peek(syn::Token![=]) {
        let value = parse(meta.value()?)?;
        return Ok((Some(value.clone()), Some(value)));
    }
    let (mut ser, mut de) = (None, None);
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("serialize") {
            ser = Some(parse(inner.value()?)?);
        } else if inner.path.is_ident("deserialize") {
            de = Some(parse(inner.value()?)?);
        } else {
            skip_value(&inner)?;
        }
        Ok(())
    })?;
    Ok((ser, de))
}

/// A member name as it appears in the JSON, and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Name {
    pub(crate) value: String,
    pub(crate) span: Span,
}

impl Name {
    /// The name of `field` in one direction: its `rename`, else `rename_all` applied to the
    /// field's name, else the field's name.
    pub(crate) fn of(field: &Ident, rename: Option<&LitStr>, rule: Option<RenameRule>) -> Self {
        use syn::ext::IdentExt as _;
        if let Some(lit) = rename {
            return Self {
                value: lit.value(),
                span: lit.span(),
            };
        }
        let name = field.unraw().to_string();
        Self {
            value: rule.map_or_else(|| name.clone(), |rule| rule.apply_to_field(&name)),
            span: field.span(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use syn::{DeriveInput, Field};

    use super::*;

    fn field(tokens: proc_macro2::TokenStream) -> Field {
        syn::parse::Parser::parse2(Field::parse_named, tokens).unwrap()
    }

    #[test]
    fn claims_flags_and_their_mistakes() {
        let f = field(quote!(#[claims(subject)] #[claims(roles)] id: String));
        let mut errors = Errors::new();
        let attrs = parse_field(&f.attrs, &mut errors);
        assert!(errors.is_empty());
        assert!(attrs.subject.is_some() && attrs.roles.is_some());

        let f = field(quote!(#[claims(subjekt, subject = true, subject, roles)] id: String));
        let mut errors = Errors::new();
        let attrs = parse_field(&f.attrs, &mut errors);
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "unknown `#[claims]` attribute `subjekt`; expected one of: `subject`, `roles`",
                "`#[claims(subject)]` takes no value; write `#[claims(subject)]`",
                "duplicate `#[claims]` attribute `subject`",
            ]
        );
        assert!(attrs.subject.is_some() && attrs.roles.is_some());
    }

    #[test]
    fn serde_names_in_both_directions() {
        let f = field(quote!(
            #[serde(default, rename(serialize = "out"), skip_serializing_if = "Vec::is_empty")]
            #[serde(rename(deserialize = "in"), with = "x")]
            groups: Vec<Role>
        ));
        let serde = parse_serde_field(&f.attrs);
        assert_eq!(serde.rename_serialize.unwrap().value(), "out");
        assert_eq!(serde.rename_deserialize.unwrap().value(), "in");
        assert!(!serde.flatten && !serde.skip_serializing);

        let f = field(quote!(#[serde(rename = "r", flatten, skip)] x: u8));
        let serde = parse_serde_field(&f.attrs);
        assert_eq!(serde.rename_serialize.unwrap().value(), "r");
        assert!(serde.flatten && serde.skip_serializing && serde.skip_deserializing);
    }

    #[test]
    fn serde_rename_all_of_the_container() {
        let input: DeriveInput = syn::parse2(quote! {
            #[serde(deny_unknown_fields, rename_all = "camelCase")]
            struct C;
        })
        .unwrap();
        let serde = parse_serde_container(&input.attrs);
        assert_eq!(serde.rename_all_serialize, Some(RenameRule::Camel));
        assert_eq!(serde.rename_all_deserialize, Some(RenameRule::Camel));
        let name = Name::of(
            &quote::format_ident!("user_roles"),
            None,
            serde.rename_all_deserialize,
        );
        assert_eq!(name.value, "userRoles");
    }
}
