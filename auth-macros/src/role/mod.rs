//! `#[derive(Role)]` and `#[derive(Permission)]`: parse the enum into a model, validate it,
//! expand the impls; on error, the errors plus stub impls, so the IDE keeps working and the
//! user sees one error, not a cascade.
//!
//! Both derives turn a fieldless enum into a list of wire names (one bit each in a `u64`);
//! they differ in their attributes (a role enum has a hierarchy and grants permissions) and
//! in the trait they implement, which [`Flavor`] tells apart.

mod ast;
mod attr;
mod expand;
mod fallback;
mod grants;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

pub(crate) use attr::{path_name, skip_value};

/// Which derive is expanding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    Role,
    Permission,
}

impl Flavor {
    /// The derive's name: `Role`.
    pub(crate) fn derive(self) -> &'static str {
        match self {
            Self::Role => "Role",
            Self::Permission => "Permission",
        }
    }

    /// The helper attribute's name, and the noun of messages: `role`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Self::Role => "role",
            Self::Permission => "permission",
        }
    }
}

/// The expansion of `#[derive(Role)]` or `#[derive(Permission)]` on `input`.
pub(crate) fn derive(flavor: Flavor, input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let mut errors = Errors::new();
    let model = ast::parse(flavor, &input, &mut errors);
    if let Some(model) = &model {
        valid::check(model, &mut errors);
    }
    match (errors.finish(), &model) {
        (Ok(()), Some(model)) => expand::expand(model),
        (Err(err), _) => {
            let mut tokens = err.into_compile_error();
            tokens.extend(fallback::stubs(flavor, &input, model.as_ref()));
            tokens
        }
        // `ast::parse` reports an error whenever it returns no model.
        (Ok(()), None) => fallback::stubs(flavor, &input, None),
    }
}
