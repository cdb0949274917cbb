//! [`Authorize<P>`]: the extractor `#[authorize(P)]` inserts.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::{Decision, Policy};
use crate::error::{AuthError, ErrorKind};
use crate::extract::{AuthState, refusal, require};
use crate::token::VerifiedToken;

/// A valid access token that the policy `P` allows for this request: 401 without a valid
/// token, 403 `insufficient_scope` when the policy denies, the policy's 404 when it says
/// [`Decision::NotFound`], 500 when it cannot decide. What `#[authorize(P)]` inserts; it works
/// written by hand too. Derefs to the [`VerifiedToken`].
pub struct Authorize<P> {
    token: Arc<VerifiedToken>,
    _policy: PhantomData<fn() -> P>,
}

impl<P> Authorize<P> {
    /// The verified token.
    pub fn token(&self) -> &Arc<VerifiedToken> {
        &self.token
    }
}

impl<P> Deref for Authorize<P> {
    type Target = VerifiedToken;
    fn deref(&self) -> &VerifiedToken {
        &self.token
    }
}

impl<P> Clone for Authorize<P> {
    fn clone(&self) -> Self {
        Self {
            token: self.token.clone(),
            _policy: PhantomData,
        }
    }
}

impl<P> fmt::Debug for Authorize<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorize")
            .field("policy", &std::any::type_name::<P>())
            .field("subject", &self.token.subject())
            .finish()
    }
}

impl<S, P> FromRequestParts<S> for Authorize<P>
where
    S: AuthState,
    P: Policy<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        // 401 before anything the policy reads: an anonymous caller learns nothing about the
        // resource, not even whether its id parses.
        let auth = state.authenticator();
        let token = require(&auth, parts)
            .await
            .map_err(IntoResponse::into_response)?;
        let input = P::Input::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match P::check(&token, input).await {
            Ok(Decision::Allow) => Ok(Self {
                token,
                _policy: PhantomData,
            }),
            Ok(Decision::Deny) => {
                let err = auth.reject(AuthError::new(ErrorKind::PolicyDenied));
                refusal::log(parts, &err);
                Err(err.into_response())
            }
            Ok(Decision::NotFound) => {
                tracing::debug!(
                    target: "auth",
                    reason = "policy_not_found",
                    status = 404u16,
                    policy = P::name(),
                    "request refused"
                );
                Err(P::not_found())
            }
            Err(error) => {
                tracing::error!(
                    target: "auth",
                    reason = "policy_error",
                    policy = P::name(),
                    %error,
                    "the policy could not decide: the request is refused"
                );
                Err(auth
                    .reject(AuthError::new(ErrorKind::Internal))
                    .into_response())
            }
        }
    }
}
