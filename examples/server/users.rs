//! Users: the roles and claims of the demo, and the `UserStore` the token endpoints read.

use auth::endpoints::{User, UserStore};
use auth::password::Passwords;
use auth::store::StoreError;
use auth::{Claims, Permission, Role, Roles};
use serde::{Deserialize, Serialize};

use crate::db::{Db, with_db};

/// What requests may do. `#[requires_permission("reports:raed")]` would not compile.
#[derive(Permission, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    #[permission(rename = "posts:write")]
    PostsWrite,
    #[permission(rename = "posts:delete")]
    PostsDelete,
    #[permission(rename = "reports:read")]
    ReportsRead,
}

/// The demo's roles, and what each grants (every role must say: adding one forces the
/// decision). `#[requires_role("admni")]` anywhere in the demo would not compile.
#[derive(Role, Clone, Copy, Debug, PartialEq, Eq)]
#[role(permissions = Permission)]
pub(crate) enum Role {
    #[role(grants(PostsWrite, PostsDelete, ReportsRead))]
    Admin,
    #[role(grants(PostsWrite, ReportsRead))]
    Editor,
    #[role(grants())]
    Viewer,
}

/// What the access tokens carry besides the registered claims.
#[derive(Claims, Serialize, Deserialize, Clone, Debug)]
pub(crate) struct UserClaims {
    /// The username.
    pub(crate) sub: String,
    pub(crate) roles: Roles<Role>,
}

/// Users in the `users` table.
#[derive(Clone)]
pub(crate) struct Users {
    db: Db,
}

impl Users {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    pub(crate) async fn count(&self) -> Result<i64, sqlx::Error> {
        with_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await
        })
    }

    /// Adds a user; `Ok(false)` when the name is taken.
    pub(crate) async fn insert(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<bool, sqlx::Error> {
        let inserted = with_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO users (username, password_hash, role, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING",
            )
            .bind(username)
            .bind(password_hash)
            .bind(role.to_string())
            .bind(crate::now())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    async fn find(&self, username: &str) -> Result<Option<User<UserClaims>>, StoreError> {
        let row: Option<(String, String, String, bool)> = with_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT username, password_hash, role, disabled FROM users WHERE username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await
        })
        .map_err(|err| StoreError::with_source("users table", err))?;
        Ok(row.map(|(username, password_hash, role, disabled)| {
            // A role name this build does not know grants nothing.
            let roles = Roles::from_names([role.as_str()]);
            User::new(
                UserClaims {
                    sub: username,
                    roles,
                },
                password_hash,
            )
            .disabled(disabled)
        }))
    }
}

impl UserStore for Users {
    type Claims = UserClaims;

    async fn find_by_username(
        &self,
        username: &str,
    ) -> Result<Option<User<UserClaims>>, StoreError> {
        self.find(username).await
    }

    async fn find_by_subject(&self, subject: &str) -> Result<Option<User<UserClaims>>, StoreError> {
        // The subject is the username.
        self.find(subject).await
    }

    async fn update_password_hash(&self, subject: &str, hash: &str) -> Result<(), StoreError> {
        with_db!(&self.db, pool => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                .bind(hash)
                .bind(subject)
                .execute(pool)
                .await
                .map(drop)
        })
        .map_err(|err| StoreError::with_source("users table", err))
    }
}

/// On first start (no users at all), creates `admin`, `editor` and `viewer`, each with the
/// role of its name, and returns the password they share when it was generated.
pub(crate) async fn seed(
    users: &Users,
    passwords: &Passwords,
    demo_password: Option<&str>,
) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    if users.count().await? > 0 {
        return Ok(None);
    }
    let generated = demo_password
        .is_none()
        .then(crate::random_password)
        .transpose()?;
    let password = demo_password.or(generated.as_deref()).unwrap_or_default();
    for (name, role) in [
        ("admin", Role::Admin),
        ("editor", Role::Editor),
        ("viewer", Role::Viewer),
    ] {
        let hash = passwords.hash(password).await?;
        users.insert(name, &hash, role).await?;
    }
    Ok(generated)
}
