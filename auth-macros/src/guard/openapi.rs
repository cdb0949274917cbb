//! The OpenAPI side of the guards: a `#[utoipa::path(..)]` written *below* `#[protected]` or
//! `#[requires_role(..)]` gets the operation's security requirement and its 401/403
//! responses, so the guard attribute is the one place that says who may call the handler.
//!
//! Attribute macros expand from the top down, and each sees the attributes below it still
//! unexpanded in the item. So the topmost guard finds the `utoipa::path` attribute among them,
//! reads every other guard attribute of the handler (stacked guards add up: AND), and appends
//! to the attribute's arguments:
//!
//! - `security(("bearer" = ["role", ..]), ..)`: one requirement per way to be let in (an
//!   `any(..)` gives one alternative per role, `all(..)` one with every role; OpenAPI 3.1
//!   allows role names in the array of a non-OAuth scheme), unless the attribute already has
//!   `security(..)`. The guards below see that `security` and add nothing more.
//! - `(status = 401, ..)` and, when roles are required, `(status = 403, ..)` in
//!   `responses(..)`, unless a response with that status (or `"4XX"`) is already listed.
//!
//! The scheme named `"bearer"` is defined by `auth::openapi::SecurityAddon`, which also gives
//! these responses their body schema and `WWW-Authenticate` header. Nothing here can fail:
//! arguments this code does not understand are left as they are, for utoipa to judge.

use proc_macro2::{Delimiter, Group, Literal, TokenStream, TokenTree};
use quote::{ToTokens as _, quote};
use syn::{Attribute, ItemFn, LitStr, Meta};

use super::validate::{self, Guard, Mode};
use super::{Kind, args};
use crate::errors::Errors;
use crate::shared::{
    BEARER_SCHEME, FORBIDDEN_DESCRIPTION, FORBIDDEN_PERMISSION_DESCRIPTION,
    FORBIDDEN_POLICY_DESCRIPTION,
};

/// Stacked `any(..)` groups multiply the alternatives; past this many, the requirement only
/// says that a token is needed.
const MAX_ALTERNATIVES: usize = 16;

const UNAUTHORIZED: &str = "Missing, invalid, expired or revoked access token";
const UNAUTHORIZED_FRESH: &str =
    "Missing, invalid, expired or revoked access token, or one that is not fresh (log in again)";

/// Adds the security requirement and the 401/403 responses of `guard` (and of the guard
/// attributes stacked below it) to the handler's `#[utoipa::path(..)]`, if it has one.
pub(super) fn document(item_fn: &mut ItemFn, guard: &Guard) {
    let Some(index) = item_fn.attrs.iter().position(is_utoipa_path) else {
        return;
    };
    let mut guards = vec![guard.clone()];
    guards.extend(item_fn.attrs.iter().filter_map(stacked_guard));
    if let Some(Attribute {
        meta: Meta::List(list),
        ..
    }) = item_fn.attrs.get_mut(index)
    {
        list.tokens = rewrite(std::mem::take(&mut list.tokens), &guards);
    }
}

/// `#[utoipa::path(..)]`, or `#[path(..)]` with `utoipa::path` imported.
fn is_utoipa_path(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    matches!(attr.meta, Meta::List(_))
        && matches!(
            segments.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["utoipa", "path"] | ["path"]
        )
}

/// Another `#[protected]` / `#[requires_role(..)]` of the handler, parsed. One with mistakes
/// is skipped: it reports them itself when it expands.
fn stacked_guard(attr: &Attribute) -> Option<Guard> {
    let kind = match attr.path().segments.last()?.ident.to_string().as_str() {
        "protected" => Kind::Protected,
        "requires_role" => Kind::RequiresRole,
        "requires_permission" => Kind::RequiresPermission,
        "authorize" => {
            return Some(Guard {
                roles: None,
                kind: Kind::Authorize,
                fresh: false,
            });
        }
        _ => return None,
    };
    let tokens = match &attr.meta {
        Meta::Path(_) => TokenStream::new(),
        Meta::List(list) => list.tokens.clone(),
        Meta::NameValue(_) => return None,
    };
    let args = args::parse(kind, tokens).ok()?;
    validate::check_args(kind, args, &mut Errors::new())
}

/// The attribute's arguments with `security(..)` and the responses added.
fn rewrite(tokens: TokenStream, guards: &[Guard]) -> TokenStream {
    let mut items = split_commas(tokens);
    let fresh = guards.iter().any(|guard| guard.fresh);
    let mut wanted = vec![(
        401,
        if fresh {
            UNAUTHORIZED_FRESH
        } else {
            UNAUTHORIZED
        },
    )];
    let policy = guards.iter().any(|guard| guard.kind == Kind::Authorize);
    if policy && guards.iter().all(|guard| guard.roles.is_none()) {
        wanted.push((403, FORBIDDEN_POLICY_DESCRIPTION));
    } else if guards.iter().any(|guard| guard.roles.is_some()) {
        // The runtime's sentence for the handler's 403: the permission one when only
        // permissions are required (with both, either refusal can come first).
        let roles = guards
            .iter()
            .any(|guard| guard.roles.is_some() && guard.kind == Kind::RequiresRole);
        wanted.push((
            403,
            if roles {
                FORBIDDEN_DESCRIPTION
            } else {
                FORBIDDEN_PERMISSION_DESCRIPTION
            },
        ));
    }
    let responses = items.iter_mut().find_map(|item| match &mut item[..] {
        [TokenTree::Ident(name), TokenTree::Group(group)]
            if name == "responses" && group.delimiter() == Delimiter::Parenthesis =>
        {
            Some(group)
        }
        _ => None,
    });
    if let Some(group) = responses {
        let mut entries = split_commas(group.stream());
        for (status, description) in wanted {
            if !entries.iter().any(|entry| documents(entry, status)) {
                entries.push(response(status, description));
            }
        }
        let mut replaced = Group::new(Delimiter::Parenthesis, join(entries));
        replaced.set_span(group.span());
        *group = replaced;
    } else {
        let entries = wanted
            .into_iter()
            .map(|(status, description)| response(status, description));
        let list = join(entries.collect());
        items.push(trees(quote!(responses(#list))));
    }
    let has_security = items
        .iter()
        .any(|item| matches!(item.first(), Some(TokenTree::Ident(name)) if name == "security"));
    if !has_security {
        let requirements = requirement(guards)
            .into_iter()
            .map(|roles| quote!((#BEARER_SCHEME = [#(#roles),*])));
        items.push(trees(quote!(security(#(#requirements),*))));
    }
    join(items)
}

/// The alternatives (OR) of role sets (AND) that let a caller in: the guards in disjunctive
/// normal form. `[[]]`: any valid token.
fn requirement(guards: &[Guard]) -> Vec<Vec<String>> {
    let mut alternatives: Vec<Vec<String>> = vec![Vec::new()];
    for roles in guards.iter().filter_map(|guard| guard.roles.as_ref()) {
        let names: Vec<String> = roles.names.iter().map(LitStr::value).collect();
        alternatives = match roles.mode {
            Mode::All => alternatives
                .into_iter()
                .map(|mut alternative| {
                    for name in &names {
                        add(&mut alternative, name);
                    }
                    alternative
                })
                .collect(),
            Mode::Any => alternatives
                .iter()
                .flat_map(|alternative| {
                    names.iter().map(move |name| {
                        let mut alternative = alternative.clone();
                        add(&mut alternative, name);
                        alternative
                    })
                })
                .collect(),
        };
        alternatives = deduplicate(alternatives);
        if alternatives.len() > MAX_ALTERNATIVES {
            return vec![Vec::new()];
        }
    }
    alternatives
}

/// Drops the alternatives that repeat an earlier one's set of roles.
fn deduplicate(alternatives: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let sorted = |roles: &[String]| {
        let mut roles = roles.to_vec();
        roles.sort();
        roles
    };
    let mut unique: Vec<Vec<String>> = Vec::new();
    for alternative in alternatives {
        let key = sorted(&alternative);
        if !unique.iter().any(|seen| sorted(seen) == key) {
            unique.push(alternative);
        }
    }
    unique
}

fn add(roles: &mut Vec<String>, name: &str) {
    if !roles.iter().any(|role| role == name) {
        roles.push(name.to_owned());
    }
}

/// `(status = 401, description = "..")`.
fn response(status: u16, description: &str) -> Vec<TokenTree> {
    let status = Literal::u16_unsuffixed(status);
    trees(quote!((status = #status, description = #description)))
}

/// Whether a `responses(..)` entry documents `status`: `status = 401`, `"401"`, `"4XX"`, or a
/// `StatusCode` constant (`UNAUTHORIZED`, `StatusCode::FORBIDDEN`).
fn documents(entry: &[TokenTree], status: u16) -> bool {
    let [TokenTree::Group(group)] = entry else {
        return false;
    };
    let inner = split_commas(group.stream());
    inner.iter().any(|argument| match &argument[..] {
        [TokenTree::Ident(key), TokenTree::Punct(eq), value @ ..]
            if key == "status" && eq.as_char() == '=' =>
        {
            status_matches(value, status)
        }
        _ => false,
    })
}

fn status_matches(value: &[TokenTree], status: u16) -> bool {
    let constant = match status {
        401 => "UNAUTHORIZED",
        _ => "FORBIDDEN",
    };
    match value {
        [TokenTree::Literal(literal)] => {
            let text = literal.to_string();
            let text = text.trim_matches('"');
            text == status.to_string() || text.eq_ignore_ascii_case("4XX")
        }
        [.., TokenTree::Ident(last)] => last == constant,
        _ => false,
    }
}

/// Splits a token stream at its top-level commas; empty pieces (a trailing comma) are
/// dropped.
fn split_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut items = vec![Vec::new()];
    for tree in tokens {
        match &tree {
            TokenTree::Punct(punct) if punct.as_char() == ',' => items.push(Vec::new()),
            _ => {
                if let Some(last) = items.last_mut() {
                    last.push(tree);
                }
            }
        }
    }
    items.retain(|item| !item.is_empty());
    items
}

fn join(items: Vec<Vec<TokenTree>>) -> TokenStream {
    let mut tokens = TokenStream::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            quote!(,).to_tokens(&mut tokens);
        }
        tokens.extend(item);
    }
    tokens
}

fn trees(tokens: TokenStream) -> Vec<TokenTree> {
    tokens.into_iter().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;

    use super::*;

    fn guard(kind: Kind, tokens: TokenStream) -> Guard {
        let args = args::parse(kind, tokens).unwrap();
        validate::check_args(kind, args, &mut Errors::new()).unwrap()
    }

    fn rewritten(tokens: TokenStream, guards: &[Guard]) -> String {
        rewrite(tokens, guards).to_string()
    }

    #[test]
    fn protected_adds_bearer_and_401() {
        let out = rewritten(
            quote!(get, path = "/me", responses((status = 200, body = User))),
            &[guard(Kind::Protected, quote!())],
        );
        let expected = quote!(
            get,
            path = "/me",
            responses(
                (status = 200, body = User),
                (
                    status = 401,
                    description = "Missing, invalid, expired or revoked access token"
                )
            ),
            security(("bearer" = []))
        );
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn a_policy_adds_its_403_and_roles_keep_theirs() {
        let policy = Guard {
            roles: None,
            kind: Kind::Authorize,
            fresh: false,
        };
        let out = rewritten(
            quote!(put, path = "/posts/{id}"),
            std::slice::from_ref(&policy),
        );
        let expected = quote!(
            put,
            path = "/posts/{id}",
            responses(
                (
                    status = 401,
                    description = "Missing, invalid, expired or revoked access token"
                ),
                (
                    status = 403,
                    description = "The access token does not allow this request on this resource"
                )
            ),
            security(("bearer" = []))
        );
        assert_eq!(out, expected.to_string());
        // With a role, the role's 403 and its requirement.
        let out = rewritten(
            quote!(put, path = "/posts/{id}"),
            &[guard(Kind::RequiresRole, quote!("editor")), policy],
        );
        assert!(
            out.contains("The access token does not grant the required role"),
            "{out}"
        );
        assert!(
            out.contains(r#"security (("bearer" = ["editor"]))"#),
            "{out}"
        );
    }

    #[test]
    fn roles_add_403_and_one_alternative_per_any_role() {
        let out = rewritten(
            quote!(post, path = "/posts"),
            &[guard(Kind::RequiresRole, quote!(any("editor", "admin")))],
        );
        assert!(out.contains("(status = 403"), "{out}");
        assert!(
            out.ends_with(r#"security (("bearer" = ["editor"]) , ("bearer" = ["admin"]))"#),
            "{out}"
        );
    }

    #[test]
    fn stacked_guards_combine_as_and() {
        let guards = [
            guard(Kind::RequiresRole, quote!(any("a", "b"))),
            guard(Kind::RequiresRole, quote!(all("c", "a"))),
            guard(Kind::Protected, quote!(fresh)),
        ];
        assert_eq!(
            requirement(&guards),
            [
                vec!["a".to_owned(), "c".to_owned()],
                vec!["b".into(), "c".into(), "a".into()]
            ]
        );
        let out = rewritten(quote!(get, path = "/x"), &guards);
        assert!(out.contains("or one that is not fresh"), "{out}");
    }

    #[test]
    fn what_the_user_wrote_is_not_duplicated() {
        let out = rewritten(
            quote!(
                delete,
                path = "/x",
                responses(
                    (status = UNAUTHORIZED),
                    (status = "403", description = "no")
                ),
                security(("other" = [])),
            ),
            &[guard(Kind::RequiresRole, quote!("admin"))],
        );
        assert_eq!(out.matches("status").count(), 2, "{out}");
        assert_eq!(out.matches("security").count(), 1, "{out}");
        assert!(!out.contains("bearer"), "{out}");
        let out = rewritten(
            quote!(
                get,
                path = "/x",
                responses((status = "4XX", description = "client error"))
            ),
            &[guard(Kind::RequiresRole, quote!("admin"))],
        );
        assert_eq!(out.matches("status").count(), 1, "{out}");
        let out = rewritten(
            quote!(
                get,
                path = "/x",
                responses((status = StatusCode::FORBIDDEN))
            ),
            &[guard(Kind::RequiresRole, quote!("admin"))],
        );
        assert_eq!(out.matches("status").count(), 2, "{out}");
        assert!(out.contains("401"), "{out}");
    }

    #[test]
    fn too_many_alternatives_say_only_that_a_token_is_needed() {
        let names: Vec<LitStr> = (0..5)
            .map(|i| LitStr::new(&format!("r{i}"), proc_macro2::Span::call_site()))
            .collect();
        let any = guard(Kind::RequiresRole, quote!(any(#(#names),*)));
        assert_eq!(requirement(&[any.clone(), any.clone()]).len(), 15);
        let names: Vec<LitStr> = (0..5)
            .map(|i| LitStr::new(&format!("s{i}"), proc_macro2::Span::call_site()))
            .collect();
        let other = guard(Kind::RequiresRole, quote!(any(#(#names),*)));
        assert_eq!(requirement(&[any, other]), [Vec::<String>::new()]);
    }

    #[test]
    fn the_utoipa_attribute_is_found_and_stacked_guards_are_read() {
        let mut item: ItemFn = syn::parse2(quote!(
            #[requires_role("admin", fresh)]
            #[utoipa::path(get, path = "/x")]
            #[doc = "x"]
            async fn h() {}
        ))
        .unwrap();
        document(&mut item, &guard(Kind::Protected, quote!()));
        let out = item.to_token_stream().to_string();
        assert!(
            out.contains(r#"security (("bearer" = ["admin"]))"#),
            "{out}"
        );
        assert!(out.contains("403"), "{out}");
        assert!(out.contains("not fresh"), "{out}");

        let mut item: ItemFn = syn::parse2(quote!(
            #[doc = "no utoipa"]
            async fn h() {}
        ))
        .unwrap();
        let before = item.to_token_stream().to_string();
        document(&mut item, &guard(Kind::Protected, quote!()));
        assert_eq!(item.to_token_stream().to_string(), before);
    }
}
