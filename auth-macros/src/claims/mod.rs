//! `#[derive(Claims)]`: parse the struct into a model, validate it, expand the `TokenClaims`
//! impl; on error, the errors plus a stub impl,
//! so the IDE keeps working and the user sees one error, not a cascade.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

/// The expansion of `#[derive(Claims)]` on `input`.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let mut errors = Errors::new();
    let Some(model) = ast::parse(&input, &mut errors) else {
        return with_stubs(errors, &input, None);
    };
    let selection = valid::check(&model, &mut errors);
    let roles = selection.roles.and_then(|i| model.fields.get(i));
    match selection.subject.and_then(|i| model.fields.get(i)) {
        Some(subject) if errors.is_empty() => expand::expand(&model, subject, roles),
        _ => with_stubs(errors, &input, roles.map(|roles| roles.ty)),
    }
}

fn with_stubs(errors: Errors, input: &DeriveInput, roles_ty: Option<&syn::Type>) -> TokenStream {
    let mut tokens = errors
        .finish()
        .err()
        .map(syn::Error::into_compile_error)
        .unwrap_or_default();
    tokens.extend(fallback::stubs(input, roles_ty));
    tokens
}
