//! Where an `Authenticator` gets its verifying keys: a static key set, or a remote JWKS whose
//! keys change at run time.
//!
//! Both hand out the keys as a snapshot (`Arc<KeySet>`), so a verification runs against one
//! consistent set even while a refresh installs another, and reading costs one `Arc` clone.
//!
//! Each snapshot belongs to an *epoch*, a counter that moves on whenever a key is removed or
//! replaced (not when one is only added). The verified-token cache tags every entry with the
//! epoch of the snapshot that verified it and serves only entries of the current epoch, so a
//! token verified with a key that has since left the JWKS is verified again (and refused)
//! rather than served from the cache.

use std::fmt;
use std::sync::Arc;

use super::RemoteJwks;
use crate::keys::KeySet;

pub(crate) enum KeySource {
    /// Keys given at start-up; the epoch is always 0.
    Static(Arc<KeySet>),
    /// Keys of a JWKS URL (or another fetcher), refreshed in the background.
    Remote(RemoteJwks),
}

impl KeySource {
    /// The keys now, and their epoch.
    pub(crate) fn snapshot(&self) -> (Arc<KeySet>, u64) {
        match self {
            Self::Static(keys) => (keys.clone(), 0),
            Self::Remote(remote) => remote.snapshot(),
        }
    }

    /// Runs `f` with the keys now and their epoch; for static keys without touching the
    /// `Arc`'s count, as every verification does.
    pub(crate) fn with_snapshot<R>(&self, f: impl FnOnce(&KeySet, u64) -> R) -> R {
        match self {
            Self::Static(keys) => f(keys, 0),
            Self::Remote(remote) => {
                let (keys, epoch) = remote.snapshot();
                f(&keys, epoch)
            }
        }
    }

    /// The current epoch: one atomic load.
    pub(crate) fn epoch(&self) -> u64 {
        match self {
            Self::Static(_) => 0,
            Self::Remote(remote) => remote.epoch(),
        }
    }

    /// Whether the keys can change at run time.
    pub(crate) fn is_remote(&self) -> bool {
        matches!(self, Self::Remote(_))
    }

    /// Called when a token names a key the snapshot does not have. A remote source refreshes
    /// (single-flight, at most once per its minimum interval) and answers `true` so the caller
    /// verifies once more against the new snapshot; a static one answers `false` at once.
    pub(crate) async fn refresh_for_unknown_kid(&self) -> bool {
        match self {
            Self::Static(_) => false,
            Self::Remote(remote) => {
                remote.refresh_for_unknown_kid().await;
                true
            }
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(keys) => fmt::Debug::fmt(keys, f),
            Self::Remote(remote) => fmt::Debug::fmt(remote, f),
        }
    }
}
