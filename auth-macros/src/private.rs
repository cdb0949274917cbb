//! The one path through which expansions reach the runtime (STYLE R8).

use proc_macro2::TokenStream;
use quote::quote;

/// `::auth::__private`: what `auth` re-exports for the expansions, behind `#[doc(hidden)]`.
pub(crate) fn path() -> TokenStream {
    quote!(::auth::__private)
}
