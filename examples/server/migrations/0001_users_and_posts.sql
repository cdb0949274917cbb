-- The demo application's own tables; the auth store adds its `auth_` tables next to them.

CREATE TABLE users (
    -- the login name, also the subject (`sub`) of the user's tokens
    username      TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    -- one of the wire names of `Role`: admin, editor, viewer
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE posts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    author     TEXT NOT NULL REFERENCES users (username),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX posts_created_at ON posts (created_at);
