//! `#[derive(Role)]`: parse the enum into a model, validate it, expand the impls; on error,
//! the errors plus stub impls,
//! so the IDE keeps working and the user sees one error, not a cascade.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

pub(crate) use attr::{path_name, skip_value};

/// The expansion of `#[derive(Role)]` on `input`.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let mut errors = Errors::new();
    let model = ast::parse(&input, &mut errors);
    if let Some(model) = &model {
        valid::check(model, &mut errors);
    }
    match (errors.finish(), &model) {
        (Ok(()), Some(model)) => expand::expand(model),
        (Err(err), _) => {
            let mut tokens = err.into_compile_error();
            tokens.extend(fallback::stubs(&input, model.as_ref()));
            tokens
        }
        // `ast::parse` reports an error whenever it returns no model.
        (Ok(()), None) => fallback::stubs(&input, None),
    }
}
