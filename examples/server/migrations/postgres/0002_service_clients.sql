-- Service clients: machines that get tokens with `grant_type=client_credentials`.

CREATE TABLE service_clients (
    client_id   TEXT PRIMARY KEY,
    -- argon2id PHC string of the client secret; never the secret itself
    secret_hash TEXT NOT NULL,
    -- the scopes (permission names) the client may ask for, separated by spaces
    scopes      TEXT NOT NULL,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
