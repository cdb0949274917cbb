//! `#[protected]`, `#[requires_role(..)]` and `#[requires_permission(..)]`: parse the
//! arguments, validate them and the handler, then insert the guard extractor as the
//! handler's *first* argument (and, with `fresh`, the fresh guard right after the role or
//! permission guard) and change nothing else, so the handler stays an ordinary axum handler.
//! Being first, the guard runs before every other extractor, so a caller without the role
//! never has the request body read. The one other change: a `#[utoipa::path(..)]` below the
//! attribute gets the security requirement and the 401/403 responses (`openapi.rs`).

mod args;
pub(crate) mod authorize;
mod openapi;
pub(crate) mod public;
mod stack;
mod validate;

use std::fmt;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Ident, ItemFn, Type};

use crate::errors::Errors;
use crate::private;
use validate::{Guard, Mode, RoleCheck};

/// Which attribute is expanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Protected,
    RequiresRole,
    RequiresPermission,
    Authorize,
    Public,
}

impl Kind {
    /// What the attribute's string literals name: `role` or `permission`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::RequiresPermission => "permission",
            Self::Protected | Self::RequiresRole | Self::Authorize | Self::Public => "role",
        }
    }

    /// The enum the names are looked up in when the attribute names none.
    pub(crate) fn default_type(self) -> &'static str {
        match self {
            Self::RequiresPermission => "Permission",
            Self::Protected | Self::RequiresRole | Self::Authorize | Self::Public => "Role",
        }
    }

    /// A name for the examples of messages.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Self::RequiresPermission => "posts:write",
            Self::Protected | Self::RequiresRole | Self::Authorize | Self::Public => "admin",
        }
    }
}

impl fmt::Display for Kind {
    /// The attribute as users write it, for messages: `#[protected]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Protected => "#[protected]",
            Self::RequiresRole => "#[requires_role]",
            Self::RequiresPermission => "#[requires_permission]",
            Self::Authorize => "#[authorize]",
            Self::Public => "#[public]",
        })
    }
}

/// The expansion of `#[protected]` or `#[requires_role(args)]` on `item`.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn = match parse_handler(kind, item) {
        Ok(item_fn) => item_fn,
        Err(tokens) => return tokens,
    };
    let mut errors = Errors::new();
    let guard = errors
        .take(args::parse(kind, args))
        .and_then(|args| validate::check_args(kind, args, &mut errors));
    validate::check_fn(kind, &item_fn, &mut errors);
    if let Some(public) = stack::public_below(&item_fn) {
        errors.spanned(public, public::combined_message(kind));
    }
    match (errors.finish(), guard) {
        (Ok(()), Some(guard)) => expand_handler(item_fn, &guard),
        (Err(err), _) => with_error(item_fn.into_token_stream(), err),
        // `check_args` reports an error whenever it returns no guard.
        (Ok(()), None) => with_error(
            item_fn.into_token_stream(),
            syn::Error::new(Span::call_site(), format!("invalid `{kind}` arguments")),
        ),
    }
}

/// The handler every guard attribute works on, or the item unchanged with the error: a
/// signature too deep to parse safely, or an item that is not a function.
pub(crate) fn parse_handler(kind: Kind, item: TokenStream) -> Result<ItemFn, TokenStream> {
    if let Err(err) = check_depth(kind, &item) {
        return Err(with_error(item, err));
    }
    syn::parse2(item.clone()).map_err(|_| with_error(item.clone(), not_a_fn(kind, item)))
}

/// The error for an item that is not a function, over all of its tokens. They are not parsed
/// again as some other item only to be named: that would recurse once per nesting level of
/// whatever the item holds.
fn not_a_fn(kind: Kind, item: TokenStream) -> syn::Error {
    syn::Error::new_spanned(
        item,
        format!("`{kind}` can only be used on an `async fn` handler"),
    )
}

/// The most tokens read outside the body and the attributes' brackets: far more than any
/// handler's signature needs.
const MAX_SIGNATURE_TOKENS: usize = 1024;

/// Refuses an item whose signature holds more than [`MAX_SIGNATURE_TOKENS`] tokens before syn
/// parses it. syn's parsers recurse once per nesting level (`&&&T`, `A<A<T>>`, `[[T; 1]; 1]`),
/// and at a few thousand levels that overflows the compiler's stack, which aborts the build
/// instead of reporting an error; each level takes at least one token, so this bounds the
/// depth. The body (the last brace group) is not counted, nor are attribute arguments
/// (`#[utoipa::path(..)]` can be long).
fn check_depth(kind: Kind, item: &TokenStream) -> syn::Result<()> {
    let mut tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    if matches!(tokens.last(), Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace)
    {
        tokens.pop();
    }
    let mut count = 0;
    let mut after_pound = false;
    for token in &tokens {
        // `#[path(..)]`: syn keeps the list's tokens as they are, so only its top level counts.
        // `#[path = value]` (a doc comment, say) is parsed: all of it counts.
        let list_attribute = after_pound
            && matches!(token, TokenTree::Group(group)
                if group.delimiter() == Delimiter::Bracket && !has_top_level_eq(group));
        after_pound = matches!(token, TokenTree::Punct(punct) if punct.as_char() == '#');
        // Groups are opened with a stack of our own: no recursion here either.
        let mut pending = match token {
            TokenTree::Group(group) if list_attribute => group.stream().into_iter().collect(),
            _ => vec![token.clone()],
        };
        while let Some(next) = pending.pop() {
            count += 1;
            if count > MAX_SIGNATURE_TOKENS {
                return Err(syn::Error::new_spanned(
                    token,
                    format!(
                        "`{kind}` reads handler signatures of up to {MAX_SIGNATURE_TOKENS} \
                         tokens; name the long types with `type` aliases"
                    ),
                ));
            }
            if let TokenTree::Group(group) = next
                && !list_attribute
            {
                pending.extend(group.stream());
            }
        }
    }
    Ok(())
}

/// Whether an attribute's brackets hold `path = value` rather than `path` or `path(..)`.
fn has_top_level_eq(group: &proc_macro2::Group) -> bool {
    group
        .stream()
        .into_iter()
        .any(|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == '='))
}

/// The user's tokens unchanged, then the error: the item stays visible to the IDE and to the
/// rest of the crate, so the user sees this one error and no cascade.
fn with_error(mut tokens: TokenStream, error: syn::Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

/// Inserts the guards as the first arguments (the role guard first, then the fresh guard: a
/// caller without the role learns that before being asked to log in again); the rest of the
/// function is re-emitted as parsed, but for the OpenAPI additions.
fn expand_handler(mut item_fn: ItemFn, guard: &Guard) -> TokenStream {
    openapi::document(&mut item_fn, guard);
    let private = private::path();
    if guard.fresh {
        insert_guard(&mut item_fn, quote!(#private::RequireFresh));
    }
    match &guard.roles {
        Some(roles) => insert_guard(&mut item_fn, guard_type(guard.kind, roles)),
        None if !guard.fresh => insert_guard(&mut item_fn, quote!(#private::Authenticated)),
        // `RequireFresh` authenticates too.
        None => {}
    }
    stack::gather_if_last(&mut item_fn);
    item_fn.into_token_stream()
}

/// Inserts `__auth_guard: <ty>` as the first argument.
fn insert_guard(item_fn: &mut ItemFn, ty: TokenStream) {
    stack::insert_guard_at(item_fn, 0, Type::Verbatim(ty));
}

/// The role (or permission) guard's type. Each name's bit is a `const` item of the
/// expansion, spanned at the name's literal: an unknown name panics there, at compile time,
/// so the error points at what the user typed and quotes nothing of the runtime crate. The
/// enum is named only as `<Type as RoleEnum>` (`PermissionEnum`), so a type that is not
/// such an enum is one error at that path too.
fn guard_type(kind: Kind, roles: &RoleCheck) -> TokenStream {
    let private = private::path();
    let RoleCheck {
        mode,
        role_type,
        names,
    } = roles;
    // Resolved where the handler is, like any type the user writes there.
    let role_type = role_type.as_ref().map_or_else(
        || Ident::new(kind.default_type(), Span::call_site()).into_token_stream(),
        ToTokens::to_token_stream,
    );
    let (enum_trait, noun) = match kind {
        Kind::RequiresPermission => (quote!(PermissionEnum), "permission"),
        Kind::Protected | Kind::RequiresRole | Kind::Authorize | Kind::Public => {
            (quote!(RoleEnum), "role")
        }
    };
    // The enum as the user wrote it (or the default), for the message of an unknown name.
    let enum_name = role_type
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>();
    // One `const` item per role: rustc evaluates each, so every unknown role is reported,
    // not only the first.
    let consts: Vec<Ident> = (0..names.len())
        .zip(names)
        .map(|(i, name)| {
            let span = Span::mixed_site().located_at(name.span());
            Ident::new(&format!("__AUTH_{}_{i}", noun.to_uppercase()), span)
        })
        .collect();
    let bits = names.iter().map(|name| {
        let names = quote_spanned! {name.span()=>
            <#role_type as ::auth::__private::#enum_trait>::NAMES
        };
        quote_spanned! {name.span()=>
            match ::auth::__private::name_bit_among(#noun, #enum_name, #names, #name) {
                ::core::result::Result::Ok(bit) => bit,
                ::core::result::Result::Err(unknown) => ::core::panic!("{}", unknown.message()),
            }
        }
    });
    let mask = quote! {
        #(const #consts: ::core::primitive::u64 = #bits;)*
        #(#consts)|*
    };
    let guard = match (kind, mode) {
        (Kind::RequiresPermission, Mode::Any) => quote!(RequirePermission),
        (Kind::RequiresPermission, Mode::All) => quote!(RequireAllPermissions),
        (_, Mode::Any) => quote!(RequireRole),
        (_, Mode::All) => quote!(RequireAllRoles),
    };
    quote!(#private::#guard<#role_type, { #mask }>)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn expand_str(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        expand(kind, args, item).to_string()
    }

    #[test]
    fn protected_inserts_an_authenticated_guard_first() {
        let out = expand_str(
            Kind::Protected,
            quote!(),
            quote!(
                pub async fn me(State(db): State<Db>) -> StatusCode {
                    ok()
                }
            ),
        );
        let expected = quote! {
            pub async fn me(__auth_guard: ::auth::__private::Authenticated, State(db): State<Db>) -> StatusCode {
                ok()
            }
        };
        assert_eq!(out, expected.to_string());
    }

    #[test]
    fn requires_role_builds_the_mask_from_role_bits() {
        let out = expand_str(
            Kind::RequiresRole,
            quote!(any("admin", "editor"), role = crate::R),
            quote!(
                async fn h<T: Send>(x: T) -> T
                where
                    T: Sync,
                {
                    x
                }
            ),
        );
        let expected = quote! {
            async fn h<T: Send>(
                __auth_guard: ::auth::__private::RequireRole<
                    crate::R,
                    {
                        const __AUTH_ROLE_0: ::core::primitive::u64 =
                            match ::auth::__private::name_bit_among("role", "crate::R", <crate::R as ::auth::__private::RoleEnum>::NAMES, "admin") {
                                ::core::result::Result::Ok(bit) => bit,
                                ::core::result::Result::Err(unknown) => ::core::panic!("{}", unknown.message()),
                            };
                        const __AUTH_ROLE_1: ::core::primitive::u64 =
                            match ::auth::__private::name_bit_among("role", "crate::R", <crate::R as ::auth::__private::RoleEnum>::NAMES, "editor") {
                                ::core::result::Result::Ok(bit) => bit,
                                ::core::result::Result::Err(unknown) => ::core::panic!("{}", unknown.message()),
                            };
                        __AUTH_ROLE_0 | __AUTH_ROLE_1
                    }
                >,
                x: T
            ) -> T
            where
                T: Sync,
            {
                x
            }
        };
        assert_eq!(out, expected.to_string());
        let out = expand_str(
            Kind::RequiresRole,
            quote!(all("a")),
            quote!(
                async fn h() {}
            ),
        );
        assert!(out.contains("RequireAllRoles < Role , { const __AUTH_ROLE_0 : :: core :: primitive :: u64 = match :: auth :: __private :: name_bit_among (\"role\" , \"Role\" , < Role as :: auth :: __private :: RoleEnum > :: NAMES , \"a\")"), "{out}");
    }

    #[test]
    fn requires_permission_builds_the_mask_from_permission_bits() {
        let out = expand_str(
            Kind::RequiresPermission,
            quote!(all("posts:write", "reports_read"), permission = crate::P),
            quote!(
                async fn h() {}
            ),
        );
        let expected = quote! {
            async fn h(
                __auth_guard: ::auth::__private::RequireAllPermissions<
                    crate::P,
                    {
                        const __AUTH_PERMISSION_0: ::core::primitive::u64 =
                            match ::auth::__private::name_bit_among("permission", "crate::P", <crate::P as ::auth::__private::PermissionEnum>::NAMES, "posts:write") {
                                ::core::result::Result::Ok(bit) => bit,
                                ::core::result::Result::Err(unknown) => ::core::panic!("{}", unknown.message()),
                            };
                        const __AUTH_PERMISSION_1: ::core::primitive::u64 =
                            match ::auth::__private::name_bit_among("permission", "crate::P", <crate::P as ::auth::__private::PermissionEnum>::NAMES, "reports_read") {
                                ::core::result::Result::Ok(bit) => bit,
                                ::core::result::Result::Err(unknown) => ::core::panic!("{}", unknown.message()),
                            };
                        __AUTH_PERMISSION_0 | __AUTH_PERMISSION_1
                    }
                >
            ) {}
        };
        assert_eq!(out, expected.to_string());
        // Without `permission = ..`, the `Permission` in scope; `any` is `RequirePermission`.
        let out = expand_str(
            Kind::RequiresPermission,
            quote!("posts:write"),
            quote!(
                async fn h() {}
            ),
        );
        assert!(
            out.starts_with("async fn h (__auth_guard : :: auth :: __private :: RequirePermission < Permission , {"),
            "{out}"
        );
    }

    #[test]
    fn fresh_inserts_the_fresh_guard_after_the_role_guard() {
        let out = expand_str(
            Kind::Protected,
            quote!(fresh),
            quote!(
                async fn h(x: u8) {}
            ),
        );
        assert_eq!(
            out,
            quote!(
                async fn h(__auth_guard: ::auth::__private::RequireFresh, x: u8) {}
            )
            .to_string()
        );
        let out = expand_str(
            Kind::RequiresRole,
            quote!("admin", fresh),
            quote!(
                async fn h() {}
            ),
        );
        assert!(
            out.starts_with(
                "async fn h (__auth_guard : (:: auth :: __private :: RequireRole < Role , { const __AUTH_ROLE_0 : :: core :: primitive :: u64 = match :: auth :: __private :: name_bit_among (\"role\" , \"Role\" , < Role as :: auth :: __private :: RoleEnum > :: NAMES , \"admin\")"
            ) && out.ends_with(":: auth :: __private :: RequireFresh)) { }"),
            "{out}"
        );
    }

    #[test]
    fn stacked_guards_are_gathered_into_one_argument_in_order() {
        let once = expand(
            Kind::RequiresRole,
            quote!("a"),
            quote!(
                async fn h() {}
            ),
        );
        let twice = expand_str(Kind::Protected, quote!(), once);
        assert!(
            twice.starts_with(
                "async fn h (__auth_guard : (:: auth :: __private :: Authenticated , :: auth :: __private :: RequireRole <"
            ),
            "{twice}"
        );
        // While a guard attribute is still below, each keeps an argument of its own.
        let once = expand(
            Kind::RequiresRole,
            quote!("a"),
            quote!(
                #[protected]
                async fn h() {}
            ),
        );
        assert!(
            once.to_string()
                .contains("async fn h (__auth_guard : :: auth"),
            "{once}"
        );
    }

    #[test]
    fn errors_keep_the_item_and_report_everything() {
        let out = expand_str(
            Kind::Protected,
            quote!(x),
            quote!(
                fn h(&self) {}
            ),
        );
        assert!(out.starts_with("fn h (& self) { }"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        let out = expand_str(
            Kind::Protected,
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(
            out.contains("can only be used on an `async fn` handler"),
            "{out}"
        );
    }
}

#[cfg(test)]
mod depth_tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Expands on a thread with a 1 MiB stack, as text.
    fn expand_small_stack(args: &str, item: String) -> String {
        let args = args.to_owned();
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let args: TokenStream = args.parse().unwrap();
                let item: TokenStream = item.parse().unwrap();
                expand(Kind::RequiresRole, args, item).to_string()
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn deeply_nested_signatures_and_items_are_errors_not_stack_overflows() {
        let deep =
            |open: &str, close: &str| format!("{}u8{}", open.repeat(3000), close.repeat(3000));
        for ty in [
            deep("&", ""),
            deep("A<", ">"),
            deep("[", "; 1]"),
            deep("(", ",)"),
        ] {
            let out = expand_small_stack("\"admin\"", format!("async fn h(x: {ty}) {{}}"));
            assert!(
                out.contains("reads handler signatures of up to 1024 tokens"),
                "{out:.200}"
            );
            // Not a function, and deep: an error too, never a second parse.
            let out = expand_small_stack("\"admin\"", format!("static S: {ty} = 0;"));
            assert!(out.contains("compile_error"), "{out:.200}");
        }
        let doc = format!("#[doc = {}] async fn h() {{}}", deep("(", ")"));
        let out = expand_small_stack("\"admin\"", doc);
        assert!(out.contains("reads handler signatures"), "{out:.200}");
    }

    #[test]
    fn a_shallow_item_that_is_no_function_is_named_as_such() {
        let out = expand_small_stack("\"admin\"", "static S: &&u8 = &&0;".to_owned());
        assert!(
            out.contains("can only be used on an `async fn` handler"),
            "{out}"
        );
    }

    #[test]
    fn long_bodies_and_attribute_lists_are_not_counted() {
        let responses = "(status = 200, description = \"ok\"), ".repeat(200);
        let statements = "let _ = (1, 2, [3, 4], { 5 });\n".repeat(500);
        let item = format!(
            "#[utoipa::path(get, path = \"/x\", responses({responses}))]\n\
             async fn h(State(db): State<Db>) -> StatusCode {{ {statements} StatusCode::OK }}"
        );
        let out = expand_small_stack("\"admin\"", item);
        assert!(!out.contains("compile_error"), "{out:.300}");
    }
}
