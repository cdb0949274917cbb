//! The one path through which expansions reach the runtime: `::auth::__private`, absolute,
//! so the user's own names (a `mod auth`, a `Result` alias) can never capture it.

use proc_macro2::TokenStream;
use quote::quote;

/// `::auth::__private`: what `auth` re-exports for the expansions, behind `#[doc(hidden)]`.
pub(crate) fn path() -> TokenStream {
    quote!(::auth::__private)
}
