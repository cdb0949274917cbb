//! The helper attributes: on a role variant `#[role(rename = "...", implies(A, B),
//! grants(X, Y))]`, on a role enum `#[role(permissions = Path)]`, on a permission variant
//! `#[permission(rename = "...")]`.

use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Path, Token, parenthesized};

use super::Flavor;
use crate::errors::Errors;

/// What the helper attributes of one variant say.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    /// `rename = "..."`: the wire name.
    pub(crate) rename: Option<LitStr>,
    /// `implies(..)`: the variants this role grants too, as written.
    pub(crate) implies: Vec<Ident>,
    /// `grants(..)`: the permissions this role grants, as written; `None` when not given
    /// (`grants()` is `Some` and empty: explicitly nothing).
    pub(crate) grants: Option<Grants>,
}

/// `grants(..)` as written.
pub(crate) struct Grants {
    /// The `grants` key, for errors about the attribute as a whole.
    pub(crate) key: Ident,
    pub(crate) permissions: Vec<Ident>,
}

/// The keys a variant's attribute takes, for messages.
fn variant_keys(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Role => "`rename`, `implies`, `grants`",
        Flavor::Permission => "`rename`",
    }
}

/// Parses the enum's own helper attributes: `#[role(permissions = Path)]` on a role enum;
/// nothing on a permission enum. Errors are collected.
pub(crate) fn parse_enum(flavor: Flavor, attrs: &[Attribute], errors: &mut Errors) -> Option<Path> {
    let noun = flavor.noun();
    let mut permissions: Option<Path> = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(noun)) {
        if flavor == Flavor::Permission {
            errors.spanned(
                attr,
                "`#[permission(..)]` goes on the variants of the enum, as in `#[permission(rename = \"posts:write\")] PostsWrite`",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("permissions") {
                let path: Path = meta.value()?.call(Path::parse_mod_style)?;
                if permissions.is_some() {
                    errors.push(meta.error("duplicate `#[role]` attribute `permissions`"));
                } else {
                    permissions = Some(path);
                }
            } else {
                errors.push(meta.error(format!(
                    "unknown `#[role]` attribute `{}` on the enum; expected `permissions = ..` \
                     (the others go on the variants, as in `#[role(rename = \"root\")] Admin`)",
                    path_name(&meta.path)
                )));
                skip_value(&meta)?;
            }
            Ok(())
        });
        errors.take(result);
    }
    permissions
}

/// Parses every helper attribute of a variant; errors are collected and parsing goes on.
pub(crate) fn parse_variant(
    flavor: Flavor,
    attrs: &[Attribute],
    errors: &mut Errors,
) -> VariantAttrs {
    let noun = flavor.noun();
    let mut out = VariantAttrs::default();
    let mut implies_seen = false;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident(noun)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let name: LitStr = meta.value()?.parse()?;
                if out.rename.is_some() {
                    errors.push(meta.error(format!("duplicate `#[{noun}]` attribute `rename`")));
                } else {
                    out.rename = Some(name);
                }
            } else if flavor == Flavor::Role && meta.path.is_ident("implies") {
                if implies_seen {
                    errors.push(meta.error(
                        "duplicate `#[role]` attribute `implies`; list every role in one `implies(..)`",
                    ));
                }
                implies_seen = true;
                out.implies.extend(parse_variants(&meta, "implies")?);
            } else if flavor == Flavor::Role && meta.path.is_ident("grants") {
                let permissions = parse_variants(&meta, "grants")?;
                match &mut out.grants {
                    Some(_) => errors.push(meta.error(
                        "duplicate `#[role]` attribute `grants`; list every permission in one `grants(..)`",
                    )),
                    None => {
                        out.grants = Some(Grants {
                            key: meta.path.get_ident().cloned().unwrap_or_else(|| {
                                Ident::new("grants", proc_macro2::Span::call_site())
                            }),
                            permissions,
                        });
                    }
                }
            } else {
                errors.push(meta.error(format!(
                    "unknown `#[{noun}]` attribute `{}`; expected one of: {}",
                    path_name(&meta.path),
                    variant_keys(flavor)
                )));
                skip_value(&meta)?;
            }
            Ok(())
        });
        errors.take(result);
    }
    out
}

/// `(Editor, Viewer)`: variant names, also accepted as `Self::Editor` for `implies`. For
/// `grants`, bare names of the variants of the enum `permissions = ..` names.
fn parse_variants(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in meta.input);
    let paths = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
    paths
        .into_iter()
        .map(|path| {
            let segments: Vec<_> = path.segments.iter().collect();
            let qualifier_ok = |first: &syn::PathSegment| key == "implies" && first.ident == "Self";
            match segments[..] {
                [only] if only.arguments.is_none() => Ok(only.ident.clone()),
                [first, last]
                    if qualifier_ok(first)
                        && first.arguments.is_none()
                        && path.leading_colon.is_none()
                        && last.arguments.is_none() =>
                {
                    Ok(last.ident.clone())
                }
                _ if key == "grants" => Err(syn::Error::new_spanned(
                    &path,
                    "`grants` takes variants of the permission enum, as in `grants(PostsWrite, PostsDelete)`",
                )),
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

    fn parse(flavor: Flavor, variant: proc_macro2::TokenStream) -> (VariantAttrs, Vec<String>) {
        let variant: Variant = syn::parse2(variant).unwrap();
        let mut errors = Errors::new();
        let attrs = parse_variant(flavor, &variant.attrs, &mut errors);
        let messages = errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (attrs, messages)
    }

    #[test]
    fn reads_rename_and_implies() {
        let (attrs, errors) = parse(
            Flavor::Role,
            quote! {
                #[role(rename = "root", implies(Editor))]
                #[role(implies(Self::Viewer))]
                Admin
            },
        );
        assert!(
            errors.len() == 1 && errors[0].starts_with("duplicate `#[role]` attribute `implies`")
        );
        assert_eq!(attrs.rename.unwrap().value(), "root");
        assert_eq!(attrs.implies, ["Editor", "Viewer"]);
    }

    #[test]
    fn reads_grants_empty_or_not() {
        let (attrs, errors) = parse(
            Flavor::Role,
            quote!(
                #[role(grants(PostsWrite, ReportsRead))]
                Editor
            ),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            attrs.grants.unwrap().permissions,
            ["PostsWrite", "ReportsRead"]
        );
        let (attrs, _) = parse(
            Flavor::Role,
            quote!(
                #[role(grants())]
                Viewer
            ),
        );
        assert!(attrs.grants.unwrap().permissions.is_empty());
        let (attrs, _) = parse(Flavor::Role, quote!(Viewer));
        assert!(attrs.grants.is_none());
        let (_, errors) = parse(
            Flavor::Role,
            quote!(
                #[role(grants(A), grants(B))]
                #[role(grants(Permission::C))]
                Viewer
            ),
        );
        assert_eq!(
            errors,
            [
                "duplicate `#[role]` attribute `grants`; list every permission in one `grants(..)`",
                "`grants` takes variants of the permission enum, as in `grants(PostsWrite, PostsDelete)`",
            ]
        );
    }

    #[test]
    fn permissions_take_rename_only() {
        let (attrs, errors) = parse(
            Flavor::Permission,
            quote!(
                #[permission(rename = "posts:write", grants(X))]
                PostsWrite
            ),
        );
        assert_eq!(attrs.rename.unwrap().value(), "posts:write");
        assert_eq!(
            errors,
            ["unknown `#[permission]` attribute `grants`; expected one of: `rename`"]
        );
        // A `#[role]` on a permission is someone else's attribute.
        let (attrs, errors) = parse(
            Flavor::Permission,
            quote!(
                #[role(rename = "x")]
                A
            ),
        );
        assert!(attrs.rename.is_none() && errors.is_empty());
    }

    #[test]
    fn reports_every_mistake() {
        let (attrs, errors) = parse(
            Flavor::Role,
            quote! {
                #[role(renam = "x", rename = "a", rename = "b", implies(crate::Other))]
                Admin
            },
        );
        assert_eq!(
            errors,
            [
                "unknown `#[role]` attribute `renam`; expected one of: `rename`, `implies`, `grants`",
                "duplicate `#[role]` attribute `rename`",
                "`implies` takes variants of this enum, as in `implies(Editor, Viewer)`",
            ]
        );
        assert_eq!(attrs.rename.unwrap().value(), "a");
    }

    #[test]
    fn the_enum_takes_permissions_only() {
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[role(permissions = crate::perm::Permission)]),
            syn::parse_quote!(#[role(rename_all = "kebab-case", permissions = P)]),
        ];
        let mut errors = Errors::new();
        let path = parse_enum(Flavor::Role, &attrs, &mut errors).unwrap();
        assert_eq!(path_name(&path), "crate::perm::Permission");
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "unknown `#[role]` attribute `rename_all` on the enum; expected `permissions = ..` (the others go on the variants, as in `#[role(rename = \"root\")] Admin`)",
                "duplicate `#[role]` attribute `permissions`",
            ]
        );
    }
}
