use auth::policy::{BoxError, Decision, Policy};
use auth::token::VerifiedToken;
use auth::routing::{Router, any, get};
use auth::{
    Auth, Authenticated, Authenticator, Claims, Public, Role, authorize, protected, public,
    requires_role,
};
use axum::extract::Path;

#[derive(Role)]
enum Role {
    Admin,
    Editor,
}

#[derive(Claims, serde::Deserialize)]
struct UserClaims {
    sub: String,
}

struct Mine;

impl<S: Send + Sync> Policy<S> for Mine {
    type Input = Path<String>;

    async fn check(token: &VerifiedToken, Path(id): Path<String>) -> Result<Decision, BoxError> {
        Ok(if id == token.subject() { Decision::Allow } else { Decision::Deny })
    }
}

#[public]
async fn health() {}

#[protected]
async fn me() {}

#[requires_role(any("admin", "editor"), fresh)]
#[authorize(Mine)]
async fn edit(Path(_id): Path<String>, _body: String) {}

#[authorize(Mine)]
#[requires_role("admin")]
async fn policy_above() {}

async fn by_hand(_: Authenticated) {}

async fn claims_first(Auth(_claims): Auth<UserClaims>) {}

async fn public_by_hand(_: Public) {}

async fn tuple_by_hand(_: (Authenticated, auth::RequireFresh)) {}

fn main() {
    let app: Router<Authenticator> = Router::new()
        .route("/health", get(health))
        .route("/me", get(me).post(by_hand))
        .route("/items/{id}", get(claims_first).put(edit).patch(policy_above))
        .route("/open", any(public_by_hand))
        .route("/tuple", get(tuple_by_hand));
    assert_eq!(
        app.manifest().to_string(),
        "GET    /health      public\n\
         GET    /items/{id}  authenticated\n\
         PUT    /items/{id}  role any(admin, editor); fresh; policy Mine\n\
         PATCH  /items/{id}  role admin; policy Mine\n\
         GET    /me          authenticated\n\
         POST   /me          authenticated\n\
         *      /open        public\n\
         GET    /tuple       fresh\n"
    );
    let _: axum::Router = app.with_state(auth::testing::authenticator()).into();
}
