//! Service clients: machines that get access tokens with `grant_type=client_credentials`
//! (RFC 6749 §4.4), and the store the application keeps them in.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::store::StoreError;

/// A service client, as the application stores it.
///
/// ```
/// use auth::endpoints::Client;
/// # async fn example(passwords: &auth::password::Passwords) -> Result<(), Box<dyn std::error::Error>> {
/// let secret_hash = passwords.hash("the client's secret, 32 random bytes or more").await?;
/// let client = Client::new("reports-exporter", secret_hash, ["reports:read"]);
/// assert_eq!(client.scopes, ["reports:read"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Client {
    /// `client_id`: also the `sub` of the tokens it gets.
    pub id: String,
    /// The argon2 PHC string of the client secret
    /// ([`Passwords::hash`](crate::password::Passwords::hash)); never the secret itself.
    pub secret_hash: String,
    /// The scopes (permission names) the client may ask for. A request without `scope` gets
    /// all of them.
    pub scopes: Vec<String>,
    /// A disabled client is refused like an unknown one.
    pub disabled: bool,
}

impl Client {
    /// An enabled client.
    pub fn new<I>(id: impl Into<String>, secret_hash: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self {
            id: id.into(),
            secret_hash: secret_hash.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            disabled: false,
        }
    }

    /// The client, disabled (`true`) or not.
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hash is a credential too: it never reaches a log.
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret_hash", &"[redacted]")
            .field("scopes", &self.scopes)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// Where the application keeps its service clients, as [`UserStore`](super::UserStore) is
/// for users. Give it to
/// [`EndpointsBuilder::clients`](super::EndpointsBuilder::clients) to turn on
/// `grant_type=client_credentials`.
///
/// `Vec<Client>` is a store: for a handful of clients from configuration.
pub trait ClientStore: Send + Sync + 'static {
    /// The client whose `client_id` is `id`, exactly as sent.
    fn find_client(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Client>, StoreError>> + Send;
}

impl ClientStore for Vec<Client> {
    async fn find_client(&self, id: &str) -> Result<Option<Client>, StoreError> {
        Ok(self.iter().find(|client| client.id == id).cloned())
    }
}

/// The future a [`DynClientStore`] returns.
type FindClient<'a> = Pin<Box<dyn Future<Output = Result<Option<Client>, StoreError>> + Send + 'a>>;

/// [`ClientStore`] as a trait object, so the endpoints need no second type parameter.
pub(crate) trait DynClientStore: Send + Sync + 'static {
    fn find<'a>(&'a self, id: &'a str) -> FindClient<'a>;
}

impl<T: ClientStore> DynClientStore for T {
    fn find<'a>(&'a self, id: &'a str) -> FindClient<'a> {
        Box::pin(self.find_client(id))
    }
}
