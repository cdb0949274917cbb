-- A sequence number on every denylist write, so that each process keeps a replica of the
-- denylist current with a cheap catch-up query ("what changed after the number I saw last").
-- The counter lives in a table of its own, bumped in the transaction of each write: writers
-- take the database's write lock in turn, so the numbers are committed in increasing order,
-- and a purge never makes them go back. Rows written before this migration get 0, which the
-- start-up load (everything above -1) still reads.

ALTER TABLE auth_revoked_access_tokens ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

CREATE INDEX auth_revoked_access_tokens_seq ON auth_revoked_access_tokens (seq);

CREATE TABLE auth_revocation_sequence (
    id  INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;

INSERT INTO auth_revocation_sequence (id, seq) VALUES (1, 0);
