-- Bounded refresh state: each token's place in its family, so spent tokens beyond the reuse
-- window are forgotten by range; the access tokens of a family found by range of expiry; a
-- user's live families found without reading the revoked ones.

ALTER TABLE auth_refresh_tokens ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

DROP INDEX auth_refresh_tokens_family_id;
CREATE INDEX auth_refresh_tokens_family_seq ON auth_refresh_tokens (family_id, seq);
CREATE INDEX auth_refresh_tokens_family_access ON auth_refresh_tokens (family_id, access_expires_at);

DROP INDEX auth_refresh_families_subject;
CREATE INDEX auth_refresh_families_subject_revoked ON auth_refresh_families (subject, revoked);
