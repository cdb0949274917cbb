//! The one thing a [`RemoteJwks`](super::RemoteJwks) asks of the network: the bytes of
//! the JWKS document at its configured location.

use std::future::Future;
use std::pin::Pin;

use super::JwksError;

/// The future a [`JwksFetcher`] returns: the bytes of the JWKS document.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, JwksError>> + Send + 'a>>;

/// Fetches a JWKS document. The `jwks-remote` feature brings one for `https` URLs
/// (`RemoteJwks::builder`); implement this trait to fetch with a client of your own.
///
/// The fetcher always fetches the same, configured location: the key source never asks it
/// for a location named by a token (security manual, TV-06).
///
/// ```
/// use auth::jwks::{FetchFuture, JwksFetcher, RemoteJwks};
/// use auth::jwks::JwksError;
///
/// /// Reads the JWKS that a sidecar keeps up to date on disk.
/// struct FromDisk(std::path::PathBuf);
///
/// impl JwksFetcher for FromDisk {
///     fn fetch(&self, max_size: usize) -> FetchFuture<'_> {
///         Box::pin(async move {
///             let bytes = std::fs::read(&self.0).map_err(|err| JwksError::Io(err.kind()))?;
///             if bytes.len() > max_size {
///                 return Err(JwksError::TooLarge { limit: max_size });
///             }
///             Ok(bytes)
///         })
///     }
///
///     fn location(&self) -> &str {
///         "file:jwks.json"
///     }
/// }
///
/// let jwks = RemoteJwks::with_fetcher(FromDisk("jwks.json".into())).build()?;
/// # Ok::<(), JwksError>(())
/// ```
pub trait JwksFetcher: Send + Sync + 'static {
    /// Fetches the document, reading at most `max_size` bytes of it (more is
    /// [`JwksError::TooLarge`]). The caller applies the timeout.
    fn fetch(&self, max_size: usize) -> FetchFuture<'_>;

    /// Where the document comes from, for logs. Must not contain credentials.
    fn location(&self) -> &str;
}
