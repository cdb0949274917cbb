//! The demo's object-level policy: who may edit a post.

use auth::policy::{BoxError, Decision, Policy};
use auth::token::VerifiedToken;
use axum::extract::State;
use axum::response::Response;

use crate::db::Db;
use crate::posts::{self, PostId};
use crate::routes::AppState;
use crate::users::Role;

/// The author of post `{id}`, or an admin. A post that does not exist is the same 404 as the
/// other routes answer. Checked on every `PUT /posts/{id}`: one lookup by primary key.
pub(crate) struct OwnsPost;

impl Policy<AppState> for OwnsPost {
    type Input = (PostId, State<Db>);

    async fn check(
        token: &VerifiedToken,
        (PostId(id), State(db)): Self::Input,
    ) -> Result<Decision, BoxError> {
        Ok(match posts::author(&db, id).await? {
            None => Decision::NotFound,
            Some(author) if author == token.subject() => Decision::Allow,
            Some(_) if token.effective_roles::<Role>().contains(Role::Admin) => Decision::Allow,
            Some(_) => Decision::Deny,
        })
    }

    fn not_found() -> Response {
        posts::not_found()
    }
}
