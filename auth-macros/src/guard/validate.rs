//! Checks of the arguments and of the handler. Every independent mistake is reported.

use std::collections::HashSet;

use proc_macro2::Span;
use quote::ToTokens;
use syn::{ItemFn, LitStr, Type};

use super::args::{Arg, Args, RoleExpr};
use super::{Kind, stack};
use crate::errors::Errors;

/// axum implements `Handler` for functions of up to 16 arguments; the guard takes one.
const MAX_HANDLER_ARGS: usize = 16;

/// Whether the guard requires any one of the roles or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Any,
    All,
}

/// The validated arguments: what the guards check.
#[derive(Clone)]
pub(crate) struct Guard {
    /// `None` for `#[protected]`: any valid access token.
    pub(crate) roles: Option<RoleCheck>,
    /// Which attribute: whether `roles` names roles or permissions.
    pub(crate) kind: Kind,
    /// `fresh`: the token must be fresh too.
    pub(crate) fresh: bool,
}

/// The roles `#[requires_role(..)]` requires, or the permissions `#[requires_permission(..)]`
/// requires.
#[derive(Clone)]
pub(crate) struct RoleCheck {
    pub(crate) mode: Mode,
    /// `None`: the type named `Role` (`Permission`) where the handler is.
    pub(crate) role_type: Option<Box<Type>>,
    pub(crate) names: Vec<LitStr>,
}

/// Checks the arguments; `None` when an error was reported.
pub(crate) fn check_args(kind: Kind, args: Args, errors: &mut Errors) -> Option<Guard> {
    let mut found = Errors::new();
    let guard = match kind {
        Kind::Protected => {
            let fresh = check_fresh(kind, &args, &mut found);
            Some(Guard {
                roles: None,
                kind,
                fresh,
            })
        }
        Kind::RequiresRole | Kind::RequiresPermission => check_roles(kind, args, &mut found),
        // Their arguments are not role arguments: `authorize.rs` and `public.rs` read them.
        Kind::Authorize | Kind::Public => Some(Guard {
            roles: None,
            kind,
            fresh: false,
        }),
    };
    let ok = found.is_empty();
    errors.append(found);
    guard.filter(|_| ok)
}

/// Whether `fresh` was given; a repeated `fresh` is an error.
fn check_fresh(kind: Kind, args: &Args, errors: &mut Errors) -> bool {
    let mut flags = args.args.iter().filter_map(|arg| match arg {
        Arg::Fresh(kw) => Some(kw),
        _ => None,
    });
    let fresh = flags.next().is_some();
    for duplicate in flags {
        errors.spanned(duplicate, format!("duplicate `{kind}` argument `fresh`"));
    }
    fresh
}

fn check_roles(kind: Kind, args: Args, errors: &mut Errors) -> Option<Guard> {
    let fresh = check_fresh(kind, &args, errors);
    let (noun, example) = (kind.noun(), kind.example());
    let mut roles: Option<RoleExpr> = None;
    let mut extra: Vec<RoleExpr> = Vec::new();
    let mut role_type: Option<Box<Type>> = None;
    for arg in args.args {
        match arg {
            Arg::Roles(expr) if roles.is_none() => roles = Some(expr),
            Arg::Roles(expr) => extra.push(expr),
            Arg::RoleType(kw, ty) => {
                if role_type.is_some() {
                    errors.spanned(kw, format!("duplicate `{kind}` argument `{noun}`"));
                } else {
                    role_type = Some(ty);
                }
            }
            Arg::Fresh(_) => {}
        }
    }
    let Some(roles) = roles else {
        let attribute = kind.to_string();
        let attribute = attribute.trim_end_matches(']');
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("`{kind}` needs at least one {noun}, as in `{attribute}(\"{example}\")]`"),
        ));
        return None;
    };
    if !extra.is_empty() {
        let all: Vec<&RoleExpr> = std::iter::once(&roles).chain(&extra).collect();
        let listed = all
            .iter()
            .map(|expr| match expr {
                RoleExpr::Name(name) => Some(format!("{:?}", name.value())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|names| names.join(", "));
        let example = listed.unwrap_or_else(|| match kind {
            Kind::RequiresPermission => "\"posts:write\", \"posts:delete\"".to_owned(),
            _ => "\"admin\", \"editor\"".to_owned(),
        });
        for expr in &extra {
            errors.spanned(
                expr_tokens(expr),
                format!(
                    "`{kind}` takes one {noun} or one `any(..)` or `all(..)` group; \
                     write `any({example})` to require one of them, `all({example})` to require every one"
                ),
            );
        }
    }
    let (mode, names) = match roles {
        RoleExpr::Name(name) => (Mode::Any, vec![name]),
        RoleExpr::Any(kw, names) => {
            check_list(kind, kw, "any", &names, errors);
            (Mode::Any, names)
        }
        RoleExpr::All(kw, names) => {
            check_list(kind, kw, "all", &names, errors);
            (Mode::All, names)
        }
    };
    Some(Guard {
        kind,
        roles: Some(RoleCheck {
            mode,
            role_type,
            names,
        }),
        fresh,
    })
}

fn check_list(kind: Kind, kw: impl ToTokens, group: &str, names: &[LitStr], errors: &mut Errors) {
    let noun = kind.noun();
    if names.is_empty() {
        let example = match kind {
            Kind::RequiresPermission => "\"posts:write\", \"posts:delete\"",
            _ => "\"admin\", \"editor\"",
        };
        errors.spanned(
            kw,
            format!("`{group}(..)` needs at least one {noun}, as in `{group}({example})`"),
        );
    }
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name.value()) {
            errors.spanned(name, format!("duplicate {noun} `{}`", name.value()));
        }
    }
}

fn expr_tokens(expr: &RoleExpr) -> proc_macro2::TokenStream {
    let mut tokens = proc_macro2::TokenStream::new();
    match expr {
        RoleExpr::Name(name) => name.to_tokens(&mut tokens),
        RoleExpr::Any(kw, names) => {
            kw.to_tokens(&mut tokens);
            tokens.extend(names.iter().map(ToTokens::to_token_stream));
        }
        RoleExpr::All(kw, names) => {
            kw.to_tokens(&mut tokens);
            tokens.extend(names.iter().map(ToTokens::to_token_stream));
        }
    }
    tokens
}

/// Checks that the handler can take `added` guards as its first arguments.
pub(crate) fn check_fn(kind: Kind, item_fn: &ItemFn, errors: &mut Errors) {
    let sig = &item_fn.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            format!("`{kind}` handlers must be `async fn`"),
        );
    }
    if let Some(receiver) = sig.receiver() {
        errors.spanned(
            receiver,
            format!("`{kind}` cannot be used on methods that take `self`"),
        );
    }
    // However many guard attributes are stacked, their extractors end up in one argument
    // (`stack.rs`).
    let own = stack::own_args(item_fn);
    if own + 1 > MAX_HANDLER_ARGS {
        errors.spanned(
            &sig.inputs,
            format!(
                "`{kind}` adds an extractor, and axum handlers take at most {MAX_HANDLER_ARGS} \
                 arguments; this handler already has {own}"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::guard::args;

    fn check(tokens: TokenStream) -> Result<Guard, String> {
        let mut errors = Errors::new();
        let args = args::parse(Kind::RequiresRole, tokens).map_err(|e| e.to_string())?;
        let guard = check_args(Kind::RequiresRole, args, &mut errors);
        match (errors.finish(), guard) {
            (Ok(()), Some(guard)) => Ok(guard),
            (Err(err), _) => Err(err
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")),
            (Ok(()), None) => panic!("no guard and no error"),
        }
    }

    #[test]
    fn one_name_is_any_of_one() {
        let Ok(Guard {
            roles:
                Some(RoleCheck {
                    mode,
                    role_type,
                    names,
                }),
            fresh: false,
            ..
        }) = check(quote!("admin"))
        else {
            panic!()
        };
        assert_eq!(mode, Mode::Any);
        assert!(role_type.is_none());
        assert_eq!(names.len(), 1);
        let Ok(Guard {
            roles: Some(RoleCheck {
                mode, role_type, ..
            }),
            fresh: true,
            ..
        }) = check(quote!(all("a", "b"), fresh, role = my::R))
        else {
            panic!()
        };
        assert_eq!(mode, Mode::All);
        assert!(role_type.is_some());
    }

    #[test]
    fn fresh_is_given_once() {
        assert_eq!(
            check(quote!("a", fresh, fresh)).err().unwrap(),
            "duplicate `#[requires_role]` argument `fresh`"
        );
        let mut errors = Errors::new();
        let args = args::parse(Kind::Protected, quote!(fresh, fresh)).unwrap();
        assert!(check_args(Kind::Protected, args, &mut errors).is_none());
        assert_eq!(
            errors.finish().unwrap_err().to_string(),
            "duplicate `#[protected]` argument `fresh`"
        );
        let mut errors = Errors::new();
        let args = args::parse(Kind::Protected, quote!(fresh)).unwrap();
        let guard = check_args(Kind::Protected, args, &mut errors).unwrap();
        assert!(guard.fresh && guard.roles.is_none());
    }

    #[test]
    fn empty_arguments_and_groups_are_errors() {
        assert_eq!(
            check(quote!()).err().unwrap(),
            "`#[requires_role]` needs at least one role, as in `#[requires_role(\"admin\")]`"
        );
        assert_eq!(
            check(quote!(role = R)).err().unwrap(),
            "`#[requires_role]` needs at least one role, as in `#[requires_role(\"admin\")]`"
        );
        assert_eq!(
            check(quote!(any())).err().unwrap(),
            "`any(..)` needs at least one role, as in `any(\"admin\", \"editor\")`"
        );
    }

    #[test]
    fn several_roles_must_say_any_or_all() {
        assert_eq!(
            check(quote!("admin", "editor")).err().unwrap(),
            "`#[requires_role]` takes one role or one `any(..)` or `all(..)` group; write \
             `any(\"admin\", \"editor\")` to require one of them, `all(\"admin\", \"editor\")` \
             to require every one"
        );
    }

    #[test]
    fn independent_mistakes_are_all_reported() {
        let err = check(quote!(any("a", "a"), role = A, role = B))
            .err()
            .unwrap();
        assert_eq!(
            err,
            "duplicate `#[requires_role]` argument `role`\nduplicate role `a`"
        );
    }

    #[test]
    fn handler_checks_collect_every_mistake() {
        let item: ItemFn = syn::parse2(quote!(
            fn handler(&self) {}
        ))
        .unwrap();
        let mut errors = Errors::new();
        check_fn(Kind::Protected, &item, &mut errors);
        let messages: Vec<String> = errors
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            messages,
            [
                "`#[protected]` handlers must be `async fn`",
                "`#[protected]` cannot be used on methods that take `self`"
            ]
        );
        let args = (0..16).map(|i| quote::format_ident!("a{i}"));
        let item: ItemFn = syn::parse2(quote!(async fn h(#(#args: u8),*) {})).unwrap();
        let mut errors = Errors::new();
        check_fn(Kind::RequiresRole, &item, &mut errors);
        assert!(
            errors
                .finish()
                .unwrap_err()
                .to_string()
                .contains("at most 16 arguments")
        );
        // Guards inserted by stacked attributes share one argument: 15 of the handler's own
        // fit, however many guards are stacked.
        let args = (0..15).map(|i| quote::format_ident!("a{i}"));
        let item: ItemFn = syn::parse2(quote!(
            async fn h(__auth_guard: G, __auth_guard_1: G, #(#args: u8),*) {}
        ))
        .unwrap();
        let mut errors = Errors::new();
        check_fn(Kind::RequiresRole, &item, &mut errors);
        assert!(errors.is_empty());
        let args = (0..16).map(|i| quote::format_ident!("a{i}"));
        let item: ItemFn =
            syn::parse2(quote!(async fn h(__auth_guard: G, #(#args: u8),*) {})).unwrap();
        check_fn(Kind::RequiresRole, &item, &mut errors);
        assert_eq!(
            errors.finish().unwrap_err().to_string(),
            "`#[requires_role]` adds an extractor, and axum handlers take at most 16 arguments; this handler already has 16"
        );
    }
}
