//! `#[role(rename = "...", implies(A, B))]` on a variant.

use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Path, Token, parenthesized};

use crate::errors::Errors;

/// What the `#[role]` attributes of one variant say.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    /// `rename = "..."`: the wire name.
    pub(crate) rename: Option<LitStr>,
    /// `implies(..)`: the variants this role grants too, as written.
    pub(crate) implies: Vec<Ident>,
}

const KEYS: &str = "`rename`, `implies`";

/// Parses every `#[role(..)]` of a variant; errors are collected and parsing goes on.
pub(crate) fn parse_variant(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    let mut implies_seen = false;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("role")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let name: LitStr = meta.value()?.parse()?;
                if out.rename.is_some() {
                    errors.push(meta.error("duplicate `#[role]` attribute `rename`"));
                } else {
                    out.rename = Some(name);
                }
            } else if meta.path.is_ident("implies") {
                if implies_seen {
                    errors.push(meta.error(
                        "duplicate `#[role]` attribute `implies`; list every role in one `implies(..)`",
                    ));
                }
                implies_seen = true;
                out.implies.extend(parse_implies(&meta)?);
            } else {
                errors.push(meta.error(format!(
                    "unknown `#[role]` attribute `{}`; expected one of: {KEYS}",
                    path_name(&meta.path)
                )));
                skip_value(&meta)?;
            }
            Ok(())
        });
        errors.take(result);
    }
    out
}

/// `(Editor, Viewer)`: variant names, also accepted as `Self::Editor`.
fn parse_implies(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in meta.input);
    let paths = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
    paths
        .into_iter()
        .map(|path| {
            let segments: Vec<_> = path.segments.iter().collect();
            match segments[..] {
                [only] if only.arguments.is_none() => Ok(only.ident.clone()),
                [first, last]
                    if first.ident == "Self"
                        && path.leading_colon.is_none()
                        && last.arguments.is_none() =>
                {
                    Ok(last.ident.clone())
                }
                _ => Err(syn::Error::new_spanned(
                    &path,
                    "`implies` takes variants of this enum, as in `implies(Editor, Viewer)`",
                )),
            }
        })
        .collect()
}

/// The attribute key as written, for messages.
pub(crate) fn path_name(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.unraw().to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Consumes the value of a key we do not know (`= expr` or `(..)`), so the keys after it are
/// still parsed and their mistakes reported too.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use syn::Variant;

    use super::*;

    fn parse(variant: proc_macro2::TokenStream) -> (VariantAttrs, Vec<String>) {
        let variant: Variant = syn::parse2(variant).unwrap();
        let mut errors = Errors::new();
        let attrs = parse_variant(&variant.attrs, &mut errors);
        let messages = errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (attrs, messages)
    }

    #[test]
    fn reads_rename_and_implies() {
        let (attrs, errors) = parse(quote! {
            #[role(rename = "root", implies(Editor))]
            #[role(implies(Self::Viewer))]
            Admin
        });
        assert!(
            errors.len() == 1 && errors[0].starts_with("duplicate `#[role]` attribute `implies`")
        );
        assert_eq!(attrs.rename.unwrap().value(), "root");
        assert_eq!(attrs.implies, ["Editor", "Viewer"]);
    }

    #[test]
    fn reports_every_mistake() {
        let (attrs, errors) = parse(quote! {
            #[role(renam = "x", rename = "a", rename = "b", implies(crate::Other))]
            Admin
        });
        assert_eq!(
            errors,
            [
                "unknown `#[role]` attribute `renam`; expected one of: `rename`, `implies`",
                "duplicate `#[role]` attribute `rename`",
                "`implies` takes variants of this enum, as in `implies(Editor, Viewer)`",
            ]
        );
        assert_eq!(attrs.rename.unwrap().value(), "a");
    }
}
