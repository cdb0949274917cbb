//! The arguments of `#[requires_role(..)]` and `#[requires_permission(..)]`, parsed into a
//! model that keeps every token for spans: `"name"`, `any("a", ..)`, `all("a", ..)`,
//! `role = Type` (or `permission = Type`) and `fresh`, comma-separated; and those of
//! `#[protected]`: nothing, or `fresh`.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, Type, TypePath, parenthesized, token};

use super::Kind;
use crate::case::variant_to_snake_case;

pub(crate) mod kw {
    syn::custom_keyword!(any);
    syn::custom_keyword!(all);
    syn::custom_keyword!(fresh);
}

/// One comma-separated argument.
pub(crate) enum Arg {
    /// The roles (or permissions) required.
    Roles(RoleExpr),
    /// `role = path::MyRole` (`permission = path::MyPermission`): the enum, when it is not
    /// the `Role` (`Permission`) in scope. The key as written, then the type.
    RoleType(Ident, Box<Type>),
    /// `fresh`: the token must come from a password login, not a refresh.
    Fresh(kw::fresh),
}

/// Which roles the handler requires.
pub(crate) enum RoleExpr {
    /// `"admin"`
    Name(LitStr),
    /// `any("admin", "editor")`: at least one.
    Any(kw::any, Vec<LitStr>),
    /// `all("admin", "editor")`: every one.
    All(kw::all, Vec<LitStr>),
}

/// The parsed arguments, before validation.
pub(crate) struct Args {
    pub(crate) args: Vec<Arg>,
}

/// Parses the attribute's arguments; `#[protected]` takes none but `fresh`.
pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
    match kind {
        Kind::Protected if tokens.is_empty() => Ok(Args { args: Vec::new() }),
        Kind::Protected => {
            match Punctuated::<kw::fresh, Token![,]>::parse_terminated.parse2(tokens.clone()) {
                Ok(fresh) => Ok(Args {
                    args: fresh.into_iter().map(Arg::Fresh).collect(),
                }),
                Err(_) => Err(syn::Error::new_spanned(
                    tokens,
                    "`#[protected]` takes no arguments but `fresh`; use `#[requires_role(\"...\")]` to require a role",
                )),
            }
        }
        Kind::RequiresRole | Kind::RequiresPermission => {
            let args =
                (|input: ParseStream<'_>| comma_separated(input, |input| parse_arg(kind, input)))
                    .parse2(tokens)?;
            Ok(Args { args })
        }
        // Parsed by `authorize.rs` and `public.rs`.
        Kind::Authorize | Kind::Public => Ok(Args { args: Vec::new() }),
    }
}

/// Items separated by commas, with an optional trailing comma, up to the end of `input`.
/// (syn's `parse_terminated_with` takes a `fn`, which cannot carry the attribute's kind.)
fn comma_separated<T>(
    input: ParseStream<'_>,
    mut item: impl FnMut(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<Vec<T>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(item(input)?);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(items)
}

/// One argument of `#[requires_role]` or `#[requires_permission]`.
fn parse_arg(kind: Kind, input: ParseStream<'_>) -> syn::Result<Arg> {
    let type_key = kind.noun();
    if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
        let key = input.call(Ident::parse_any)?;
        if key == type_key {
            input.parse::<Token![=]>()?;
            return Ok(Arg::RoleType(key, Box::new(parse_role_type(kind, input)?)));
        }
        return Err(syn::Error::new_spanned(
            &key,
            format!(
                "unknown `{kind}` argument `{}`; expected a {type_key} name, `any(..)`, `all(..)`, `{type_key} = Type` or `fresh`",
                key.unraw()
            ),
        ));
    }
    if input.peek(kw::any) && input.peek2(token::Paren) {
        let kw = input.parse::<kw::any>()?;
        return Ok(Arg::Roles(RoleExpr::Any(kw, parse_names(kind, input)?)));
    }
    if input.peek(kw::all) && input.peek2(token::Paren) {
        let kw = input.parse::<kw::all>()?;
        return Ok(Arg::Roles(RoleExpr::All(kw, parse_names(kind, input)?)));
    }
    if input.peek(kw::fresh) && (input.peek2(Token![,]) || is_last(input)) {
        return Ok(Arg::Fresh(input.parse()?));
    }
    // `frsh`, `fersh`: a misspelt flag, not a role written without quotes.
    if input.peek(Ident::peek_any) && (input.peek2(Token![,]) || is_last(input)) {
        let fork = input.fork();
        let ident = fork.call(Ident::parse_any)?;
        let written = ident.unraw().to_string();
        if written != "fresh" && edit_distance(&written, "fresh") <= 2 {
            return Err(syn::Error::new_spanned(
                &ident,
                format!("unknown `{kind}` argument `{written}`; did you mean `fresh`?"),
            ));
        }
    }
    parse_name(kind, input).map(|name| Arg::Roles(RoleExpr::Name(name)))
}

/// The Levenshtein distance between two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Whether the next token is the last of the arguments.
fn is_last(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<proc_macro2::TokenTree>().is_ok() && fork.is_empty()
}

/// `("a", "b", ..)` after `any` or `all`.
fn parse_names(kind: Kind, input: ParseStream<'_>) -> syn::Result<Vec<LitStr>> {
    let content;
    parenthesized!(content in input);
    comma_separated(&content, |input| parse_name(kind, input))
}

/// The role enum of `role = ..`: a path such as `Role` or `crate::roles::StaffRole`.
///
/// Parsed as a path without generic arguments rather than as any `Type`: an enum that derives
/// `Role` has none, and a type parser recurses once per `&`, `[` or `<`, so a long enough
/// argument would overflow the compiler's stack instead of getting an error.
fn parse_role_type(kind: Kind, input: ParseStream<'_>) -> syn::Result<Type> {
    let path = input.call(syn::Path::parse_mod_style)?;
    if !input.is_empty() && !input.peek(Token![,]) {
        let rest = rest_of_argument(input)?;
        let (noun, ty) = (kind.noun(), kind.default_type());
        return Err(syn::Error::new_spanned(
            quote::quote!(#path #rest),
            format!(
                "`{noun} = ..` takes the path of the {noun} enum, such as `{noun} = crate::{noun}s::{ty}`"
            ),
        ));
    }
    Ok(Type::Path(TypePath {
        attrs: Vec::new(),
        qself: None,
        path,
    }))
}

/// A role name: a string literal. Anything else is an error that shows the literal to write.
///
/// The tokens of a wrong argument are read one by one up to the next comma, never parsed as
/// an expression: an expression parser recurses once per nesting level, and no argument may
/// overflow the compiler's stack.
fn parse_name(kind: Kind, input: ParseStream<'_>) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        return input.parse();
    }
    let rest = rest_of_argument(input)?;
    let hint = path_tail(&rest).map(|ident| {
        format!(
            "; write `\"{}\"`",
            variant_to_snake_case(&ident.unraw().to_string())
        )
    });
    let message = format!(
        "`{kind}` takes {} names as string literals{}",
        kind.noun(),
        hint.unwrap_or_else(|| format!(
            ", as in `{}(\"{}\")]`",
            kind.to_string().trim_end_matches(']'),
            kind.example()
        ))
    );
    Err(if rest.is_empty() {
        input.error(message)
    } else {
        syn::Error::new_spanned(rest, message)
    })
}

/// The tokens up to the next top-level comma (or the end), consumed.
fn rest_of_argument(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut rest = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        rest.extend([input.parse::<TokenTree>()?]);
    }
    Ok(rest)
}

/// The last identifier of tokens that form a plain path (`Admin`, `Role::Admin`,
/// `crate::Role::Admin`), for the hint of a role written as an enum variant.
fn path_tail(tokens: &TokenStream) -> Option<Ident> {
    let mut last: Option<Ident> = None;
    // `:` seen since the last identifier: segments are separated by exactly `::`.
    let mut colons = 0;
    for token in tokens.clone() {
        match token {
            TokenTree::Ident(ident) => {
                let separated = colons == 2 || (last.is_none() && colons == 0);
                if !separated {
                    return None;
                }
                last = Some(ident);
                colons = 0;
            }
            TokenTree::Punct(punct) if punct.as_char() == ':' && colons < 2 => colons += 1,
            _ => return None,
        }
    }
    last.filter(|_| colons == 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use quote::quote;

    use super::*;

    fn parse_err(kind: Kind, tokens: TokenStream) -> String {
        match parse(kind, tokens) {
            Ok(_) => panic!("expected an error"),
            Err(err) => err.to_string(),
        }
    }

    /// Parses on a thread with a small stack (1 MiB): every argument form, however deeply
    /// nested, must come back as an error rather than overflow the stack.
    fn parse_err_small_stack(text: String) -> String {
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let tokens: TokenStream = text.parse().unwrap();
                parse_err(Kind::RequiresRole, tokens)
            })
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn deeply_nested_arguments_are_errors_not_stack_overflows() {
        let deep =
            |open: &str, close: &str| format!("{}u8{}", open.repeat(2000), close.repeat(2000));
        for role_type in [
            deep("&", ""),
            deep("[", "; 1]"),
            deep("A<", ">"),
            deep("(", ",)"),
        ] {
            let err = parse_err_small_stack(format!("\"admin\", role = {role_type}"));
            assert!(
                err.contains("`role = ..` takes the path") || err.contains("expected identifier"),
                "{err}"
            );
        }
        for name in [
            deep("&", ""),
            deep("!", ""),
            deep("(", ")"),
            deep("{", "}"),
            deep("-", ""),
        ] {
            let err = parse_err_small_stack(name);
            assert!(err.contains("takes role names as string literals"), "{err}");
        }
    }

    #[test]
    fn a_role_type_is_a_plain_path() {
        for tokens in [
            quote!("a", role = Role),
            quote!("a", role = crate::roles::Role),
            quote!(role = ::r::Role, "a"),
        ] {
            assert!(parse(Kind::RequiresRole, tokens).is_ok());
        }
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!("a", role = Role<T>)),
            "`role = ..` takes the path of the role enum, such as `role = crate::roles::Role`"
        );
    }

    #[test]
    fn a_variant_instead_of_a_literal_gets_the_literal_to_write() {
        for (tokens, hint) in [
            (quote!(Admin), "; write `\"admin\"`"),
            (quote!(Role::NightShift), "; write `\"night_shift\"`"),
            (quote!(::crate_a::Role::r#Type), "; write `\"type\"`"),
            (quote!(Role:Admin), ", as in `#[requires_role(\"admin\")]`"),
            (quote!(a b), ", as in `#[requires_role(\"admin\")]`"),
            (quote!(1 + 1), ", as in `#[requires_role(\"admin\")]`"),
        ] {
            assert_eq!(
                parse_err(Kind::RequiresRole, tokens),
                format!("`#[requires_role]` takes role names as string literals{hint}")
            );
        }
    }

    #[test]
    fn parses_names_groups_and_the_role_type() {
        let args = parse(
            Kind::RequiresRole,
            quote!(any("admin", "editor",), role = crate::MyRole,),
        )
        .unwrap();
        assert_eq!(args.args.len(), 2);
        let Arg::Roles(RoleExpr::Any(_, names)) = &args.args[0] else {
            panic!("expected any(..)")
        };
        let names: Vec<String> = names.iter().map(LitStr::value).collect();
        assert_eq!(names, ["admin", "editor"]);
        assert!(matches!(args.args[1], Arg::RoleType(..)));

        let args = parse(Kind::RequiresRole, quote!("admin")).unwrap();
        assert!(matches!(&args.args[..], [Arg::Roles(RoleExpr::Name(_))]));
        let args = parse(Kind::RequiresRole, quote!(all("a", "b"))).unwrap();
        assert!(matches!(&args.args[..], [Arg::Roles(RoleExpr::All(..))]));
        assert!(parse(Kind::RequiresRole, quote!()).unwrap().args.is_empty());
    }

    #[test]
    fn protected_takes_no_arguments_but_fresh() {
        assert!(parse(Kind::Protected, quote!()).unwrap().args.is_empty());
        let args = parse(Kind::Protected, quote!(fresh)).unwrap();
        assert!(matches!(&args.args[..], [Arg::Fresh(_)]));
        assert_eq!(
            parse(Kind::Protected, quote!(fresh, fresh,))
                .unwrap()
                .args
                .len(),
            2
        );
        for tokens in [
            quote!("admin"),
            quote!(fresh = true),
            quote!(fresh("x")),
            quote!(frsh),
        ] {
            assert_eq!(
                parse_err(Kind::Protected, tokens),
                "`#[protected]` takes no arguments but `fresh`; use `#[requires_role(\"...\")]` to require a role"
            );
        }
    }

    #[test]
    fn fresh_is_a_flag_of_requires_role() {
        let args = parse(Kind::RequiresRole, quote!("admin", fresh)).unwrap();
        assert!(matches!(
            &args.args[..],
            [Arg::Roles(RoleExpr::Name(_)), Arg::Fresh(_)]
        ));
        let args = parse(Kind::RequiresRole, quote!(fresh, any("a", "b"),)).unwrap();
        assert!(matches!(
            &args.args[..],
            [Arg::Fresh(_), Arg::Roles(RoleExpr::Any(..))]
        ));
        // A role that happens to be named "fresh" is a string, as every role.
        let args = parse(Kind::RequiresRole, quote!("fresh")).unwrap();
        assert!(matches!(&args.args[..], [Arg::Roles(RoleExpr::Name(_))]));
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!("admin", fresh = true)),
            "unknown `#[requires_role]` argument `fresh`; expected a role name, `any(..)`, `all(..)`, `role = Type` or `fresh`"
        );
    }

    #[test]
    fn non_literal_roles_suggest_the_literal() {
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!(Role::SuperAdmin)),
            "`#[requires_role]` takes role names as string literals; write `\"super_admin\"`"
        );
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!(any("a", admin))),
            "`#[requires_role]` takes role names as string literals; write `\"admin\"`"
        );
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!(1 + 2)),
            "`#[requires_role]` takes role names as string literals, as in `#[requires_role(\"admin\")]`"
        );
    }

    #[test]
    fn a_misspelt_fresh_is_named() {
        for (tokens, written) in [
            (quote!("admin", frsh), "frsh"),
            (quote!("admin", fersh), "fersh"),
            (quote!(Fresh, "admin"), "Fresh"),
        ] {
            assert_eq!(
                parse_err(Kind::RequiresRole, tokens),
                format!("unknown `#[requires_role]` argument `{written}`; did you mean `fresh`?")
            );
        }
        // Far from `fresh`: a role written without quotes.
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!("admin", editor)),
            "`#[requires_role]` takes role names as string literals; write `\"editor\"`"
        );
        assert_eq!(edit_distance("fresh", "fresh"), 0);
        assert_eq!(edit_distance("", "fresh"), 5);
    }

    #[test]
    fn unknown_keys_are_named() {
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!("admin", roles = Role)),
            "unknown `#[requires_role]` argument `roles`; expected a role name, `any(..)`, `all(..)`, `role = Type` or `fresh`"
        );
    }
}
