//! [`Declared`]: the bound that makes an undeclared handler a compile error.

use super::access::{Access, AccessGuard};

/// The arguments of a handler whose first argument is an [`AccessGuard`]: what
/// [`auth::routing`](super)'s functions require of the handlers they take.
///
/// axum implements `Handler<T, S>` for an `async fn` (or a closure) with
/// `T = (M, T1, .., Tn)`, a marker and the types of its arguments. This trait is implemented
/// for exactly those tuples whose `T1` is a guard, so a handler without one does not
/// compile; the message names its first argument (see [`AccessGuard`]).
pub trait Declared<S> {
    /// What the handler's guard requires.
    fn access() -> Access;
}

macro_rules! declared {
    ($($rest:ident),*) => {
        impl<S, M, G: AccessGuard<S>, $($rest,)*> Declared<S> for (M, G, $($rest,)*) {
            fn access() -> Access {
                G::access()
            }
        }
    };
}

declared!();
declared!(T2);
declared!(T2, T3);
declared!(T2, T3, T4);
declared!(T2, T3, T4, T5);
declared!(T2, T3, T4, T5, T6);
declared!(T2, T3, T4, T5, T6, T7);
declared!(T2, T3, T4, T5, T6, T7, T8);
declared!(T2, T3, T4, T5, T6, T7, T8, T9);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14);
declared!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15);
declared!(
    T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16
);
