use auth::Authenticator;
use axum::Router;
use axum::routing::get;

mod api {
    pub mod admin {
        use auth::{Role, protected, requires_role};

        #[derive(Role)]
        pub enum Role {
            Admin,
        }

        /// Docs and attributes are kept.
        #[protected]
        #[inline]
        pub async fn me() -> &'static str {
            "me"
        }

        #[requires_role("admin")]
        pub async fn stats() -> &'static str {
            "stats"
        }
    }
}

fn main() {
    let _: Router = Router::<Authenticator>::new()
        .route("/me", get(api::admin::me))
        .route("/stats", get(api::admin::stats))
        .with_state(auth::testing::authenticator());
}
