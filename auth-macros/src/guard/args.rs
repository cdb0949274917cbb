//! The arguments of `#[requires_role(..)]`, parsed into a model that keeps every token for
//! spans: `"name"`, `any("a", ..)`, `all("a", ..)`, `role = Type` and `fresh`,
//! comma-separated; and those of `#[protected]`: nothing, or `fresh`.

use proc_macro2::TokenStream;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token, Type, parenthesized, token};

use super::Kind;
use crate::case::variant_to_snake_case;

pub(crate) mod kw {
    syn::custom_keyword!(any);
    syn::custom_keyword!(all);
    syn::custom_keyword!(role);
    syn::custom_keyword!(fresh);
}

/// One comma-separated argument.
pub(crate) enum Arg {
    /// The roles required.
    Roles(RoleExpr),
    /// `role = path::MyRole`: the role enum, when it is not the `Role` in scope.
    RoleType(kw::role, Box<Type>),
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
        Kind::RequiresRole => {
            let args = Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens)?;
            Ok(Args {
                args: args.into_iter().collect(),
            })
        }
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(kw::role) && input.peek2(Token![=]) {
            let kw = input.parse::<kw::role>()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::RoleType(kw, input.parse()?));
        }
        if input.peek(kw::any) && input.peek2(token::Paren) {
            let kw = input.parse::<kw::any>()?;
            return Ok(Self::Roles(RoleExpr::Any(kw, parse_names(input)?)));
        }
        if input.peek(kw::all) && input.peek2(token::Paren) {
            let kw = input.parse::<kw::all>()?;
            return Ok(Self::Roles(RoleExpr::All(kw, parse_names(input)?)));
        }
        if input.peek(kw::fresh) && (input.peek2(Token![,]) || is_last(input)) {
            return Ok(Self::Fresh(input.parse()?));
        }
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key = input.call(Ident::parse_any)?;
            return Err(syn::Error::new_spanned(
                &key,
                format!(
                    "unknown `#[requires_role]` argument `{}`; expected a role name, `any(..)`, `all(..)`, `role = Type` or `fresh`",
                    key.unraw()
                ),
            ));
        }
        parse_name(input).map(|name| Self::Roles(RoleExpr::Name(name)))
    }
}

/// Whether the next token is the last of the arguments.
fn is_last(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    fork.parse::<proc_macro2::TokenTree>().is_ok() && fork.is_empty()
}

/// `("a", "b", ..)` after `any` or `all`.
fn parse_names(input: ParseStream<'_>) -> syn::Result<Vec<LitStr>> {
    let content;
    parenthesized!(content in input);
    let names = Punctuated::<LitStr, Token![,]>::parse_terminated_with(&content, parse_name)?;
    Ok(names.into_iter().collect())
}

/// A role name: a string literal. Anything else is an error that shows the literal to write.
fn parse_name(input: ParseStream<'_>) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        return input.parse();
    }
    let expr: Expr = input.parse()?;
    let hint = match &expr {
        Expr::Path(path) => path.path.segments.last().map(|segment| {
            format!(
                "; write `\"{}\"`",
                variant_to_snake_case(&segment.ident.unraw().to_string())
            )
        }),
        _ => None,
    };
    Err(syn::Error::new_spanned(
        expr,
        format!(
            "`#[requires_role]` takes role names as string literals{}",
            hint.unwrap_or_else(|| ", as in `#[requires_role(\"admin\")]`".to_owned())
        ),
    ))
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
    fn unknown_keys_are_named() {
        assert_eq!(
            parse_err(Kind::RequiresRole, quote!("admin", roles = Role)),
            "unknown `#[requires_role]` argument `roles`; expected a role name, `any(..)`, `all(..)`, `role = Type` or `fresh`"
        );
    }
}
