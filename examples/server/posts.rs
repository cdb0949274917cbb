//! Posts: anyone reads them, editors and admins write them.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db::{Db, with_db};

/// A stored post.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub(crate) struct Post {
    pub(crate) id: i64,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) author: String,
    pub(crate) created_at: i64,
}

/// The body of `POST /posts`. The schema states every rule [`NewPost::problem`] checks, so
/// the OpenAPI document and the server agree on what is valid.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewPost {
    /// 1 to 200 characters, not only spaces, tabs or line breaks.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^ \t\r\n]")]
    pub(crate) title: String,
    /// At most 20000 characters.
    #[schema(max_length = 20000)]
    pub(crate) body: String,
}

const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 20_000;

/// What a title is trimmed of: exactly the characters the schema's `pattern` excludes, so a
/// title is blank for the server exactly when it is for the schema.
const BLANK: [char; 4] = [' ', '\t', '\r', '\n'];

impl NewPost {
    /// The title as stored.
    pub(crate) fn trimmed_title(&self) -> &str {
        self.title.trim_matches(BLANK)
    }

    /// The reason this post cannot be stored, if any.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.trimmed_title().is_empty() {
            Some("The title must not be empty")
        } else if self.title.chars().count() > MAX_TITLE {
            Some("The title is longer than 200 characters")
        } else if self.body.chars().count() > MAX_BODY {
            Some("The body is longer than 20000 characters")
        } else {
            None
        }
    }
}

type PostRow = (i64, String, String, String, i64);

impl From<PostRow> for Post {
    fn from((id, title, body, author, created_at): PostRow) -> Self {
        Self {
            id,
            title,
            body,
            author,
            created_at,
        }
    }
}

pub(crate) async fn insert(db: &Db, post: &NewPost, author: &str) -> Result<Post, sqlx::Error> {
    with_db!(db, pool => {
        sqlx::query_as::<_, PostRow>(
            "INSERT INTO posts (title, body, author, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, title, body, author, created_at",
        )
        .bind(post.trimmed_title())
        .bind(&post.body)
        .bind(author)
        .bind(crate::now())
        .fetch_one(pool)
        .await
    })
    .map(Post::from)
}

pub(crate) async fn latest(db: &Db, limit: i64) -> Result<Vec<Post>, sqlx::Error> {
    let rows = with_db!(db, pool => {
        sqlx::query_as::<_, PostRow>(
            "SELECT id, title, body, author, created_at FROM posts ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(Post::from).collect())
}

/// Replaces a post's title and body; the post as stored, or `None` when it does not exist.
pub(crate) async fn update(db: &Db, id: i64, post: &NewPost) -> Result<Option<Post>, sqlx::Error> {
    let row = with_db!(db, pool => {
        sqlx::query_as::<_, PostRow>(
            "UPDATE posts SET title = $1, body = $2 WHERE id = $3 \
             RETURNING id, title, body, author, created_at",
        )
        .bind(post.trimmed_title())
        .bind(&post.body)
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(Post::from))
}

/// The author of a post, or `None` when it does not exist.
pub(crate) async fn author(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, pool => {
        sqlx::query_scalar("SELECT author FROM posts WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
}

/// Deletes a post; whether it existed.
pub(crate) async fn delete(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let deleted = with_db!(db, pool => {
        sqlx::query("DELETE FROM posts WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(deleted > 0)
}

pub(crate) async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM posts")
            .fetch_one(pool)
            .await
    })
}

/// `Json<T>` whose rejections are JSON too (axum's are plain text), in the shape of the auth
/// errors: `{"error": "invalid_request", "error_description": "..."}`.
pub(crate) struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(bad_request(match rejection.status() {
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "The body must be application/json",
                _ => "The body must be a JSON object with a title and a body",
            })),
        }
    }
}

/// The `{id}` of `/posts/{id}`: a positive 64-bit integer. Anything else is a 400 in the JSON
/// shape of the API's other errors, where axum's `Path` answers plain text.
pub(crate) struct PostId(pub(crate) i64);

impl<S: Send + Sync> FromRequestParts<S> for PostId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<i64>::from_request_parts(parts, state).await {
            Ok(Path(id)) if id >= 1 => Ok(Self(id)),
            _ => Err(bad_request(
                "The post id must be a positive integer of at most 9223372036854775807",
            )),
        }
    }
}

/// 404 for a post that does not exist: one answer for every route, the policy's included.
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not_found", "error_description": "No such post"})),
    )
        .into_response()
}

pub(crate) fn bad_request(description: &'static str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({"error": "invalid_request", "error_description": description})),
    )
        .into_response()
}
