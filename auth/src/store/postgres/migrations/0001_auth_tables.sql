-- Refresh-token families, their tokens (as SHA-256 only), and the access-token denylist: the
-- schema of the SQLite store, in PostgreSQL types. Times are seconds since the Unix epoch.

CREATE TABLE auth_refresh_families (
    family_id  TEXT PRIMARY KEY,
    -- insertion order: a user's oldest live families are the first evicted by the cap
    created    BIGINT GENERATED ALWAYS AS IDENTITY,
    subject    TEXT NOT NULL,
    -- absolute expiry of every token of the family
    expires_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

-- A user's families (revoke_subject) and, in order, the live ones (the cap on sessions).
CREATE INDEX auth_refresh_families_subject_revoked
    ON auth_refresh_families (subject, revoked, created);
CREATE INDEX auth_refresh_families_expires_at ON auth_refresh_families (expires_at);

CREATE TABLE auth_refresh_tokens (
    token_hash        BYTEA PRIMARY KEY,
    family_id         TEXT NOT NULL REFERENCES auth_refresh_families (family_id) ON DELETE CASCADE,
    -- the token's place in its family: 0 for the first, one more at each rotation
    seq               BIGINT NOT NULL,
    idle_expires_at   BIGINT NOT NULL,
    spent             BOOLEAN NOT NULL DEFAULT FALSE,
    -- the access token issued with this refresh token, denylisted when the family is revoked
    access_jti        TEXT NOT NULL,
    access_expires_at BIGINT NOT NULL
);

-- Spent tokens beyond the reuse window are forgotten by range of `seq`; a family's access
-- tokens are found by range of expiry.
CREATE INDEX auth_refresh_tokens_family_seq ON auth_refresh_tokens (family_id, seq);
CREATE INDEX auth_refresh_tokens_family_access
    ON auth_refresh_tokens (family_id, access_expires_at);

CREATE TABLE auth_revoked_access_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE INDEX auth_revoked_access_tokens_expires_at ON auth_revoked_access_tokens (expires_at);
