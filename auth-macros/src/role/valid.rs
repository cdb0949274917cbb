//! Checks of the role enum: the 64-role limit, unique non-empty wire names, and a hierarchy
//! that names known variants and has no cycle.

use std::collections::HashMap;

use super::ast::RoleModel;
use crate::errors::Errors;
use crate::shared::MAX_ROLES;

pub(crate) fn check(model: &RoleModel<'_>, errors: &mut Errors) {
    if let Some(extra) = model.variants.get(MAX_ROLES) {
        errors.spanned(
            extra.ident,
            format!(
                "a role enum can have at most {MAX_ROLES} roles (one bit each in a `u64`); this is role {}",
                model.variants.len().min(MAX_ROLES + 1)
            ),
        );
    }
    check_names(model, errors);
    check_hierarchy(model, errors);
}

fn check_names(model: &RoleModel<'_>, errors: &mut Errors) {
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for variant in &model.variants {
        let name = variant.wire_name();
        if name.is_empty() {
            errors.push(syn::Error::new(
                variant.name_span(),
                "a role name cannot be empty",
            ));
            continue;
        }
        if let Some(first) = seen.get(&name) {
            errors.push(syn::Error::new(
                variant.name_span(),
                format!("duplicate role name `{name}`: `{first}` already has it"),
            ));
        } else {
            seen.insert(name, variant.ident);
        }
    }
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
        let input: DeriveInput = syn::parse2(input).unwrap();
        let mut errors = Errors::new();
        if let Some(model) = ast::parse(&input, &mut errors) {
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
}
