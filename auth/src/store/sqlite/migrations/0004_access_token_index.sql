-- The family of an access token, found by its `jti`: a logout with the access token alone
-- revokes the session (the refresh-token family) that issued it.

CREATE INDEX auth_refresh_tokens_access_jti ON auth_refresh_tokens (access_jti);
