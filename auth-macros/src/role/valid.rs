//! Checks of the enum: the 64-variant limit, unique non-empty wire names (scope tokens for
//! permissions); for roles, a hierarchy that names known variants and has no cycle, and a
//! `grants(..)` on every variant once the enum names its permission enum.

use std::collections::HashMap;

use super::Flavor;
use super::ast::RoleModel;
use crate::errors::Errors;
use crate::shared::MAX_ROLES;

pub(crate) fn check(model: &RoleModel<'_>, errors: &mut Errors) {
    let noun = model.flavor.noun();
    if let Some(extra) = model.variants.get(MAX_ROLES) {
        errors.spanned(
            extra.ident,
            format!(
                "a {noun} enum can have at most {MAX_ROLES} {noun}s (one bit each in a `u64`); this is {noun} {}",
                model.variants.len().min(MAX_ROLES + 1)
            ),
        );
    }
    check_names(model, errors);
    if model.flavor == Flavor::Role {
        check_hierarchy(model, errors);
        check_grants(model, errors);
    }
}

/// With `#[role(permissions = P)]`, every role says what it grants; without, none does; and a
/// grant is listed once.
fn check_grants(model: &RoleModel<'_>, errors: &mut Errors) {
    for variant in &model.variants {
        match (&model.permissions, &variant.attrs.grants) {
            (Some(permissions), None) => errors.spanned(
                variant.ident,
                format!(
                    "role `{}` does not say what it grants: add `#[role(grants(..))]`, or \
                     `#[role(grants())]` for nothing; every role must, since the enum has \
                     `#[role(permissions = {})]`",
                    variant.ident,
                    super::path_name(permissions)
                ),
            ),
            (None, Some(grants)) => errors.spanned(
                &grants.key,
                "`grants` needs the permission enum: add `#[role(permissions = Permission)]` \
                 above the role enum",
            ),
            (Some(_), Some(grants)) => {
                let mut seen = std::collections::HashSet::new();
                for permission in &grants.permissions {
                    if !seen.insert(permission) {
                        errors.spanned(
                            permission,
                            format!("duplicate permission `{permission}` in `grants`"),
                        );
                    }
                }
            }
            (None, None) => {}
        }
    }
}

fn check_names(model: &RoleModel<'_>, errors: &mut Errors) {
    let noun = model.flavor.noun();
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in &model.variants {
        let name = variant.wire_name();
        if name.is_empty() {
            errors.push(syn::Error::new(
                variant.name_span(),
                format!("a {noun} name cannot be empty"),
            ));
            continue;
        }
        // Permissions are written into `scope` claims and `WWW-Authenticate` challenges as
        // they are (RFC 6749 §3.3).
        if model.flavor == Flavor::Permission && !is_scope_token(&name) {
            errors.push(syn::Error::new(
                variant.name_span(),
                format!(
                    "permission name `{}` cannot be an OAuth scope: use printable ASCII \
                     without spaces, `\"` or `\\`",
                    name.escape_debug()
                ),
            ));
        }
        if let Some(first) = seen.get(&name) {
            errors.push(syn::Error::new(
                variant.name_span(),
                format!("duplicate {noun} name `{name}`: `{first}` already has it"),
            ));
        } else {
            seen.insert(name, variant.ident);
        }
    }
}

/// A scope token (RFC 6749 §3.3): printable ASCII but space, `"` and `\`.
fn is_scope_token(name: &str) -> bool {
    name.bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// Where a variant is in the depth-first search.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    New,
    OnStack,
    Done,
}

/// Unknown variants in `implies(..)`, then cycles: one error per back edge of a depth-first
/// search, placed on the `implies` entry that closes the cycle.
fn check_hierarchy(model: &RoleModel<'_>, errors: &mut Errors) {
    let index: HashMap<&syn::Ident, usize> = model
        .variants
        .iter()
        .enumerate()
        .map(|(i, variant)| (variant.ident, i))
        .collect();
    let known = model
        .variants
        .iter()
        .map(|variant| format!("`{}`", variant.ident))
        .collect::<Vec<_>>()
        .join(", ");
    // edges[i]: (target index, the ident as written) for each known target of variant i.
    let mut edges: Vec<Vec<(usize, &syn::Ident)>> = Vec::with_capacity(model.variants.len());
    for variant in &model.variants {
        let mut targets = Vec::new();
        for target in &variant.attrs.implies {
            match index.get(target) {
                Some(&j) => targets.push((j, target)),
                None => errors.spanned(
                    target,
                    format!("unknown role `{target}` in `implies`; expected one of: {known}"),
                ),
            }
        }
        edges.push(targets);
    }

    let mut marks = vec![Mark::New; edges.len()];
    let mut stack: Vec<usize> = Vec::new();
    for start in 0..edges.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next edge to look at).
        let mut frames: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::OnStack;
        stack.push(start);
        while let Some(frame) = frames.last_mut() {
            let (node, next) = *frame;
            let Some(&(target, written)) = edges[node].get(next) else {
                marks[node] = Mark::Done;
                stack.pop();
                frames.pop();
                continue;
            };
            frame.1 += 1;
            match marks[target] {
                Mark::New => {
                    marks[target] = Mark::OnStack;
                    stack.push(target);
                    frames.push((target, 0));
                }
                Mark::OnStack => {
                    let from = stack.iter().position(|&n| n == target).unwrap_or(0);
                    let path = stack[from..]
                        .iter()
                        .chain(std::iter::once(&target))
                        .map(|&n| format!("`{}`", model.variants[n].ident))
                        .collect::<Vec<_>>()
                        .join(" -> ");
                    errors.spanned(
                        written,
                        format!("cycle in the role hierarchy: {path}; a role cannot imply itself"),
                    );
                }
                Mark::Done => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::DeriveInput;

    use super::*;
    use crate::role::ast;

    fn errors_of(input: TokenStream) -> Vec<String> {
        errors_of_flavor(Flavor::Role, input)
    }

    fn errors_of_flavor(flavor: Flavor, input: TokenStream) -> Vec<String> {
        let input: DeriveInput = syn::parse2(input).unwrap();
        let mut errors = Errors::new();
        if let Some(model) = ast::parse(flavor, &input, &mut errors) {
            check(&model, &mut errors);
        }
        errors
            .finish()
            .err()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_plain_hierarchy_is_fine() {
        assert!(
            errors_of(quote! {
                enum Role {
                    #[role(implies(Editor))] Admin,
                    #[role(implies(Viewer), rename = "writer")] Editor,
                    Viewer,
                }
            })
            .is_empty()
        );
    }

    #[test]
    fn cycles_are_reported_with_their_path() {
        assert_eq!(
            errors_of(quote! {
                enum Role {
                    #[role(implies(Editor))] Admin,
                    #[role(implies(Viewer))] Editor,
                    #[role(implies(Admin))] Viewer,
                    #[role(implies(Solo))] Solo,
                }
            }),
            [
                "cycle in the role hierarchy: `Admin` -> `Editor` -> `Viewer` -> `Admin`; a role cannot imply itself",
                "cycle in the role hierarchy: `Solo` -> `Solo`; a role cannot imply itself",
            ]
        );
    }

    #[test]
    fn names_must_be_unique_and_known() {
        assert_eq!(
            errors_of(quote! {
                enum Role {
                    #[role(implies(Edtor))] Admin,
                    #[role(rename = "admin")] Root,
                    #[role(rename = "")] Nobody,
                }
            }),
            [
                "duplicate role name `admin`: `Admin` already has it",
                "a role name cannot be empty",
                "unknown role `Edtor` in `implies`; expected one of: `Admin`, `Root`, `Nobody`",
            ]
        );
    }

    #[test]
    fn shape_errors_are_all_reported() {
        assert_eq!(
            errors_of(quote!(
                struct Role;
            )),
            [
                "`#[derive(Role)]` only works on fieldless enums, as in `enum Role { Admin, Viewer }`"
            ]
        );
        assert_eq!(
            errors_of(quote! {
                enum Role<T> { Admin(T), Viewer { x: u8 } }
            }),
            [
                "`#[derive(Role)]` does not support generic parameters: a role enum is a fixed list of names",
                "`#[derive(Role)]` needs a fieldless enum; remove the fields of `Admin`",
                "`#[derive(Role)]` needs a fieldless enum; remove the fields of `Viewer`",
            ]
        );
    }

    #[test]
    fn at_most_64_roles() {
        let variants = (0..65).map(|i| quote::format_ident!("R{i}"));
        let errors = errors_of(quote!(enum Role { #(#variants),* }));
        assert_eq!(
            errors,
            ["a role enum can have at most 64 roles (one bit each in a `u64`); this is role 65"]
        );
        let variants = (0..64).map(|i| quote::format_ident!("R{i}"));
        assert!(errors_of(quote!(enum Role { #(#variants),* })).is_empty());
    }

    #[test]
    fn every_role_says_what_it_grants_once_permissions_are_named() {
        assert!(
            errors_of(quote! {
                #[role(permissions = Permission)]
                enum Role {
                    #[role(grants(PostsWrite), implies(Viewer))] Editor,
                    #[role(grants())] Viewer,
                }
            })
            .is_empty()
        );
        assert_eq!(
            errors_of(quote! {
                #[role(permissions = crate::Permission)]
                enum Role {
                    #[role(grants(PostsWrite, PostsWrite))] Editor,
                    Viewer,
                }
            }),
            [
                "duplicate permission `PostsWrite` in `grants`",
                "role `Viewer` does not say what it grants: add `#[role(grants(..))]`, or `#[role(grants())]` for nothing; every role must, since the enum has `#[role(permissions = crate::Permission)]`",
            ]
        );
        assert_eq!(
            errors_of(quote! {
                enum Role { #[role(grants(PostsWrite))] Editor }
            }),
            [
                "`grants` needs the permission enum: add `#[role(permissions = Permission)]` above the role enum"
            ]
        );
    }

    #[test]
    fn permission_names_are_scope_tokens() {
        assert_eq!(
            errors_of_flavor(
                Flavor::Permission,
                quote! {
                    enum Permission {
                        #[permission(rename = "posts:write")] PostsWrite,
                        #[permission(rename = "posts write")] Spaced,
                        #[permission(rename = "say\"hi\"")] Quoted,
                        #[permission(rename = "posts:write")] Again,
                        Numbered = 7,
                    }
                }
            ),
            [
                "`#[derive(Permission)]` numbers the permissions in order; remove the discriminant of `Numbered`",
                "permission name `posts write` cannot be an OAuth scope: use printable ASCII without spaces, `\"` or `\\`",
                "permission name `say\\\"hi\\\"` cannot be an OAuth scope: use printable ASCII without spaces, `\"` or `\\`",
                "duplicate permission name `posts:write`: `PostsWrite` already has it",
            ]
        );
        let variants = (0..65).map(|i| quote::format_ident!("P{i}"));
        assert_eq!(
            errors_of_flavor(
                Flavor::Permission,
                quote!(enum Permission { #(#variants),* })
            ),
            [
                "a permission enum can have at most 64 permissions (one bit each in a `u64`); this is permission 65"
            ]
        );
    }
}
