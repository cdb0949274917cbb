//! Key files: where a generated key is kept, and reading and writing them.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use auth::keys::Algorithm;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use crate::db::Kind;

/// The largest key file read: an 8192-bit RSA key in PEM is under 7 KiB. A larger file is
/// not a key, and is not read into memory whole.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Where the generated key of an algorithm is kept.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Home {
    /// Next to the database file: `auth-demo.db` keeps its EdDSA key in
    /// `auth-demo.db.eddsa-key.pem`, so removing `auth-demo.db*` starts over with both. A
    /// PostgreSQL database has no file here: its key is kept in the working directory, named
    /// for the database (`postgres-auth_demo.eddsa-key.pem`).
    File(PathBuf),
    /// The database is in memory: so is the key.
    Memory,
}

/// The home of `alg`'s generated key, derived from `DATABASE_URL` the way SQLite (or
/// PostgreSQL) reads it.
pub(super) fn home(database_url: &str, alg: Algorithm) -> Result<Home, String> {
    let unusable = || format!("cannot derive a key file location from DATABASE_URL ({alg} key)");
    let suffix = format!(".{}-key.pem", alg.as_str().to_ascii_lowercase());
    if Kind::of(database_url) == Some(Kind::Postgres) {
        let options = PgConnectOptions::from_str(database_url).map_err(|_| unusable())?;
        // PostgreSQL's default database is the user's name. Only a plain file name is made
        // of it: no path separator can come from the URL.
        let database = options.get_database().unwrap_or(options.get_username());
        let name: String = database
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        return Ok(Home::File(PathBuf::from(format!(
            "postgres-{name}{suffix}"
        ))));
    }
    if in_memory(database_url) {
        return Ok(Home::Memory);
    }
    let options = SqliteConnectOptions::from_str(database_url).map_err(|_| unusable())?;
    let database = options.get_filename();
    let name = database.file_name().ok_or_else(unusable)?;
    let mut key_name = name.to_os_string();
    key_name.push(suffix);
    Ok(Home::File(database.with_file_name(key_name)))
}

/// Whether a SQLite URL names an in-memory database: `sqlite::memory:`, or `mode=memory`.
fn in_memory(database_url: &str) -> bool {
    let rest = database_url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

/// Reads a key file, refusing one that cannot be a key. Errors name the path and the
/// system's reason, never contents.
pub(super) fn read(path: &Path) -> Result<String, String> {
    let file = File::open(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_KEY_FILE {
        return Err(format!(
            "{} is larger than 64 KiB: not a private key",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{} is not a PEM file", path.display()))
}

/// What [`create`] found.
pub(super) enum Created {
    /// `pem` is now in the file.
    Written,
    /// Another process wrote the file first: this is its key, to be used instead.
    Existing(String),
}

/// Writes `pem` to a new file at `path`, readable by its owner only (mode 0600), and never
/// over an existing file: when two instances start at once on one database, both end up
/// with the key of the first.
pub(super) fn create(path: &Path, pem: &str) -> Result<Created, String> {
    let failed = |err: io::Error| format!("cannot write the key to {}: {err}", path.display());
    // Written completely under a temporary name, then linked into place, which fails if
    // the name exists: no reader ever sees half a key.
    let mut temporary = path.as_os_str().to_os_string();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = write_owner_only(&temporary, pem).and_then(|()| fs::hard_link(&temporary, path));
    let _ = fs::remove_file(&temporary);
    match written {
        Ok(()) => Ok(Created::Written),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => read(path).map(Created::Existing),
        Err(err) => Err(failed(err)),
    }
}

fn write_owner_only(path: &Path, contents: &str) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options.open(path)?;
        // `mode` is filtered by the umask; set it exactly.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        finish(file, contents)
    }
    #[cfg(not(unix))]
    {
        finish(options.open(path)?, contents)
    }
}

fn finish(mut file: File, contents: &str) -> io::Result<()> {
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Warns when others on the machine can read the key file: a warning, not a refusal, since
/// the secret volumes of container platforms are often mounted 0644 inside a container of
/// their own.
pub(super) fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the signing key file is readable by other users; `chmod 600` it"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Home {
        Home::File(PathBuf::from(path))
    }

    #[test]
    fn the_key_is_kept_next_to_the_database_file() {
        for (url, alg, expected) in [
            (
                "sqlite://auth-demo.db",
                Algorithm::EdDSA,
                "auth-demo.db.eddsa-key.pem",
            ),
            (
                "sqlite:auth-demo.db",
                Algorithm::ES256,
                "auth-demo.db.es256-key.pem",
            ),
            (
                "sqlite:///var/lib/demo/users.sqlite?mode=rwc",
                Algorithm::RS256,
                "/var/lib/demo/users.sqlite.rs256-key.pem",
            ),
            (
                "sqlite://data/demo.db",
                Algorithm::EdDSA,
                "data/demo.db.eddsa-key.pem",
            ),
        ] {
            assert_eq!(home(url, alg).unwrap(), file(expected), "{url}");
        }
    }

    #[test]
    fn a_postgres_database_keeps_the_key_in_the_working_directory() {
        for (url, alg, expected) in [
            (
                "postgres://demo@127.0.0.1/auth_demo",
                Algorithm::EdDSA,
                "postgres-auth_demo.eddsa-key.pem",
            ),
            (
                "postgresql://demo:secret@db.internal:5432/auth_demo?sslmode=disable",
                Algorithm::ES256,
                "postgres-auth_demo.es256-key.pem",
            ),
            // a name that would be a path is flattened
            (
                "postgres://demo@127.0.0.1/..%2Fetc%2Fdemo",
                Algorithm::RS256,
                "postgres-___etc_demo.rs256-key.pem",
            ),
        ] {
            assert_eq!(home(url, alg).unwrap(), file(expected), "{url}");
        }
    }

    #[test]
    fn an_in_memory_database_keeps_the_key_in_memory() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://demo.db?mode=memory",
            "sqlite:demo?cache=shared&mode=memory",
        ] {
            assert_eq!(home(url, Algorithm::EdDSA).unwrap(), Home::Memory, "{url}");
        }
    }

    #[test]
    fn a_new_key_file_is_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db.eddsa-key.pem");
        assert!(matches!(create(&path, "first"), Ok(Created::Written)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        match create(&path, "second") {
            Ok(Created::Existing(found)) => assert_eq!(found, "first"),
            _ => panic!("the existing key is kept"),
        }
        assert_eq!(read(&path).unwrap(), "first");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn what_cannot_be_a_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        assert!(read(&missing).unwrap_err().starts_with("cannot read "));
        let big = dir.path().join("big.pem");
        fs::write(&big, vec![b'A'; 70 * 1024]).unwrap();
        assert!(read(&big).unwrap_err().contains("larger than 64 KiB"));
        let binary = dir.path().join("key.der");
        fs::write(&binary, [0x30, 0x82, 0xff, 0xfe]).unwrap();
        assert!(read(&binary).unwrap_err().ends_with("is not a PEM file"));
    }
}
