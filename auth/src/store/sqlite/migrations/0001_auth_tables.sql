-- Refresh-token families, their tokens (as SHA-256 only), and the access-token denylist.
-- Times are seconds since the Unix epoch.

CREATE TABLE auth_refresh_families (
    family_id  TEXT PRIMARY KEY NOT NULL,
    subject    TEXT NOT NULL,
    -- absolute expiry of every token of the family
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX auth_refresh_families_subject ON auth_refresh_families (subject);
CREATE INDEX auth_refresh_families_expires_at ON auth_refresh_families (expires_at);

CREATE TABLE auth_refresh_tokens (
    token_hash        BLOB PRIMARY KEY NOT NULL,
    family_id         TEXT NOT NULL REFERENCES auth_refresh_families (family_id) ON DELETE CASCADE,
    idle_expires_at   INTEGER NOT NULL,
    spent             INTEGER NOT NULL DEFAULT 0,
    -- the access token issued with this refresh token, denylisted when the family is revoked
    access_jti        TEXT NOT NULL,
    access_expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_refresh_tokens_family_id ON auth_refresh_tokens (family_id);

CREATE TABLE auth_revoked_access_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX auth_revoked_access_tokens_expires_at ON auth_revoked_access_tokens (expires_at);
