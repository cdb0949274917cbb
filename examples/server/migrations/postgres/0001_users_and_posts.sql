-- The demo application's own tables on PostgreSQL (the SQLite schema, in PostgreSQL types);
-- the auth store adds its `auth_` tables next to them.

CREATE TABLE users (
    -- the login name, also the subject (`sub`) of the user's tokens
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    -- one of the wire names of `Role`: admin, editor, viewer
    role          TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE posts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    author     TEXT NOT NULL REFERENCES users (username),
    created_at BIGINT NOT NULL
);

CREATE INDEX posts_created_at ON posts (created_at);
