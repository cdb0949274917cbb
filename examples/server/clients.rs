//! Service clients: the `ClientStore` behind `grant_type=client_credentials`, and the demo's
//! one client, created at the first start.

use auth::endpoints::{Client, ClientStore};
use auth::password::Passwords;
use auth::store::StoreError;

use crate::db::{Db, with_db};

/// The id of the demo's service client.
pub(crate) const DEMO_CLIENT: &str = "reports-exporter";

/// What the demo client may ask for.
pub(crate) const DEMO_CLIENT_SCOPES: &str = "reports:read";

/// Clients in the `service_clients` table.
#[derive(Clone)]
pub(crate) struct Clients {
    db: Db,
}

impl Clients {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    async fn count(&self) -> Result<i64, sqlx::Error> {
        with_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM service_clients")
                .fetch_one(pool)
                .await
        })
    }

    async fn insert(&self, id: &str, secret_hash: &str, scopes: &str) -> Result<(), sqlx::Error> {
        with_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO service_clients (client_id, secret_hash, scopes, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(id)
            .bind(secret_hash)
            .bind(scopes)
            .bind(crate::now())
            .execute(pool)
            .await
            .map(drop)
        })
    }
}

impl ClientStore for Clients {
    async fn find_client(&self, id: &str) -> Result<Option<Client>, StoreError> {
        let row: Option<(String, String, String, bool)> = with_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT client_id, secret_hash, scopes, disabled FROM service_clients \
                 WHERE client_id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
        })
        .map_err(|err| StoreError::with_source("service_clients table", err))?;
        Ok(row.map(|(id, secret_hash, scopes, disabled)| {
            Client::new(id, secret_hash, scopes.split_whitespace()).disabled(disabled)
        }))
    }
}

/// On first start (no clients at all), creates [`DEMO_CLIENT`] with the scopes
/// [`DEMO_CLIENT_SCOPES`], and returns its secret when it was generated.
pub(crate) async fn seed(
    clients: &Clients,
    passwords: &Passwords,
    demo_secret: Option<&str>,
) -> Result<Option<String>, Box<dyn std::error::Error + Send + Sync>> {
    if clients.count().await? > 0 {
        return Ok(None);
    }
    let generated = demo_secret
        .is_none()
        .then(crate::random_password)
        .transpose()?;
    let secret = demo_secret.or(generated.as_deref()).unwrap_or_default();
    let hash = passwords.hash(secret).await?;
    clients
        .insert(DEMO_CLIENT, &hash, DEMO_CLIENT_SCOPES)
        .await?;
    Ok(generated)
}
