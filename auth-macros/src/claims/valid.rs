//! Checks of the claims struct: one subject, at most one roles field, and no member that
//! collides with a claim the library writes itself.

use super::ast::{ClaimField, ClaimsStruct};
use crate::errors::Errors;
use crate::shared::RESERVED_CLAIMS;

/// The `VerifiedToken` getter of a session claim (`fresh`, `sid`), which a claims type must not
/// declare either.
fn session_claim_getter(name: &str) -> Option<&'static str> {
    match name {
        "fresh" => Some("is_fresh"),
        "sid" => Some("session_id"),
        _ => None,
    }
}

/// Which fields hold the subject and the roles.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Selection {
    pub(crate) subject: Option<usize>,
    pub(crate) roles: Option<usize>,
}

pub(crate) fn check(model: &ClaimsStruct<'_>, errors: &mut Errors) -> Selection {
    let subject = select(model, "subject", "sub", subject_mark, errors);
    let roles = select(model, "roles", "roles", roles_mark, errors);
    if subject.is_none() && !model.marks_incomplete {
        errors.spanned(
            model.ident,
            "`#[derive(Claims)]` needs a subject field: name a `String` field `sub`, or mark one with `#[claims(subject)]`",
        );
    }
    if let (Some(s), Some(r)) = (subject, roles)
        && s == r
    {
        let field = &model.fields[r];
        errors.spanned(
            field.marks.roles.as_ref().unwrap_or(field.ident),
            format!("`{}` cannot be both the subject and the roles", field.ident),
        );
    }
    for (i, field) in model.fields.iter().enumerate() {
        for name in member_names(field) {
            if let Some(getter) = session_claim_getter(&name.value) {
                errors.push(syn::Error::new(
                    name.span,
                    format!(
                        "`{}` is a session claim that `auth` sets itself (read it with `VerifiedToken::{getter}`); use another name for this field",
                        name.value
                    ),
                ));
            } else if RESERVED_CLAIMS.contains(&name.value.as_str()) {
                errors.push(syn::Error::new(
                    name.span,
                    format!(
                        "`{}` is a registered JWT claim that `auth` sets and checks itself; use another name for this field",
                        name.value
                    ),
                ));
            } else if name.value == "sub"
                && let Some(s) = subject.filter(|&s| s != i)
            {
                errors.push(syn::Error::new(
                    name.span,
                    format!(
                        "`sub` is written from the subject field `{}`, so this field would be overwritten; use another name for it",
                        model.fields[s].ident
                    ),
                ));
            }
        }
    }
    Selection { subject, roles }
}

fn subject_mark<'f>(field: &'f ClaimField<'_>) -> Option<&'f syn::Ident> {
    field.marks.subject.as_ref()
}

fn roles_mark<'f>(field: &'f ClaimField<'_>) -> Option<&'f syn::Ident> {
    field.marks.roles.as_ref()
}

/// The field marked `#[claims(key)]`, else the one named `default_name`.
fn select(
    model: &ClaimsStruct<'_>,
    key: &str,
    default_name: &str,
    mark: for<'f> fn(&'f ClaimField<'_>) -> Option<&'f syn::Ident>,
    errors: &mut Errors,
) -> Option<usize> {
    let mut chosen: Option<usize> = None;
    for (i, field) in model.fields.iter().enumerate() {
        let Some(kw) = mark(field) else { continue };
        match chosen {
            Some(first) => errors.spanned(
                kw,
                format!(
                    "duplicate `#[claims({key})]`: `{}` is already marked",
                    model.fields[first].ident
                ),
            ),
            None => chosen = Some(i),
        }
    }
    chosen.or_else(|| {
        model
            .fields
            .iter()
            .position(|field| field.is_named(default_name))
    })
}

/// The distinct member names of a field in the JSON.
fn member_names<'f>(field: &'f ClaimField<'_>) -> impl Iterator<Item = &'f super::attr::Name> {
    let de = field.deserialized.as_ref().filter(|de| {
        field
            .serialized
            .as_ref()
            .is_none_or(|ser| ser.value != de.value)
    });
    field.serialized.iter().chain(de)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::DeriveInput;

    use super::*;
    use crate::claims::ast;

    fn run(input: TokenStream) -> (Selection, Vec<String>) {
        let input: DeriveInput = syn::parse2(input).unwrap();
        let mut errors = Errors::new();
        let selection = ast::parse(&input, &mut errors)
            .map(|model| check(&model, &mut errors))
            .unwrap_or_default();
        let messages = errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (selection, messages)
    }

    #[test]
    fn finds_fields_by_name_or_mark() {
        let (selection, errors) = run(quote!(
            struct C {
                email: String,
                roles: Vec<Role>,
                sub: String,
            }
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            selection,
            Selection {
                subject: Some(2),
                roles: Some(1)
            }
        );

        let (selection, errors) = run(quote!(
            struct C {
                #[claims(roles)]
                groups: Roles<Role>,
                #[claims(subject)]
                user_id: String,
            }
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            selection,
            Selection {
                subject: Some(1),
                roles: Some(0)
            }
        );

        let (selection, errors) = run(quote!(
            struct C {
                sub: String,
            }
        ));
        assert!(errors.is_empty());
        assert_eq!(selection.roles, None);
    }

    #[test]
    fn a_subject_is_required() {
        let (_, errors) = run(quote!(
            struct C {
                user: String,
            }
        ));
        assert_eq!(
            errors,
            [
                "`#[derive(Claims)]` needs a subject field: name a `String` field `sub`, or mark one with `#[claims(subject)]`"
            ]
        );
    }

    #[test]
    fn registered_and_overwritten_members_are_errors() {
        let (_, errors) = run(quote!(
            #[serde(rename_all = "camelCase")]
            struct C {
                #[claims(subject)]
                user_id: String,
                sub: String,
                exp: u64,
                #[serde(rename = "iss")]
                issuer: String,
                #[serde(skip)]
                jti: String,
                #[serde(rename(deserialize = "aud"))]
                audience: String,
            }
        ));
        assert_eq!(
            errors,
            [
                "`sub` is written from the subject field `user_id`, so this field would be overwritten; use another name for it",
                "`exp` is a registered JWT claim that `auth` sets and checks itself; use another name for this field",
                "`iss` is a registered JWT claim that `auth` sets and checks itself; use another name for this field",
                "`aud` is a registered JWT claim that `auth` sets and checks itself; use another name for this field",
            ]
        );
    }

    #[test]
    fn session_claims_are_reserved_too() {
        let (_, errors) = run(quote!(
            struct C {
                sub: String,
                fresh: bool,
                #[serde(rename = "sid")]
                session: String,
            }
        ));
        assert_eq!(
            errors,
            [
                "`fresh` is a session claim that `auth` sets itself (read it with `VerifiedToken::is_fresh`); use another name for this field",
                "`sid` is a session claim that `auth` sets itself (read it with `VerifiedToken::session_id`); use another name for this field",
            ]
        );
    }

    #[test]
    fn a_misspelt_mark_is_one_error() {
        let (_, errors) = run(quote!(
            struct C {
                #[claims(subjekt)]
                id: String,
            }
        ));
        assert_eq!(
            errors,
            ["unknown `#[claims]` attribute `subjekt`; expected one of: `subject`, `roles`"]
        );
    }

    #[test]
    fn marks_are_unique() {
        let (_, errors) = run(quote!(
            struct C {
                #[claims(subject)]
                a: String,
                #[claims(subject, roles)]
                b: String,
                #[claims(roles)]
                c: Vec<Role>,
            }
        ));
        assert_eq!(
            errors,
            [
                "duplicate `#[claims(subject)]`: `a` is already marked",
                "duplicate `#[claims(roles)]`: `b` is already marked",
            ]
        );
        let (_, errors) = run(quote!(
            struct C {
                #[claims(roles)]
                sub: Vec<Role>,
            }
        ));
        assert_eq!(errors, ["`sub` cannot be both the subject and the roles"]);
    }

    #[test]
    fn shapes_other_than_named_structs_are_errors() {
        let (_, errors) = run(quote!(
            struct C(String);
        ));
        assert_eq!(
            errors,
            [
                "`#[derive(Claims)]` needs a struct with named fields, as in `struct UserClaims { sub: String }`"
            ]
        );
        let (_, errors) = run(quote!(
            #[claims(subject)]
            enum C {
                A,
            }
        ));
        assert_eq!(errors.len(), 2);
    }
}
