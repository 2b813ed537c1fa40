-- Contact, demo and quote requests (src/leads). Portable SQL (SQLite and
-- PostgreSQL 15). Times are integer epoch milliseconds written by code.
--
-- Personal data is never stored in clear: `sealed_fields` holds every field a
-- visitor typed, encrypted with the "leads" key derived from SECRET_KEY
-- (XChaCha20-Poly1305), and `email_index` a keyed hash of the e-mail address
-- for look-ups. `details` keeps the non-personal choices (services, company
-- size, data type, timeline, budget range) readable for reports.
--
-- A lead and its delivery jobs (jobs.dedupe_key 'lead:<id>:<kind>') are
-- written in one transaction. Retention deletes both.

CREATE TABLE leads (
  id TEXT PRIMARY KEY,                  -- 26 characters of base32: 128 random bits
  kind TEXT NOT NULL,                   -- contact | demo | quote
  sealed_fields TEXT NOT NULL,
  email_index TEXT NOT NULL,
  details TEXT NOT NULL,                -- JSON object
  challenge TEXT NOT NULL,              -- altcha | recaptcha | none
  source TEXT NOT NULL,                 -- form | api
  idempotency_key TEXT,                 -- the API client's Idempotency-Key; NULL when none
  request_fingerprint TEXT NOT NULL,    -- keyed hash of the request, to tell a retry from a reused key
  created_at BIGINT NOT NULL
);

-- One lead per (kind, Idempotency-Key); NULL keys never conflict in either engine.
CREATE UNIQUE INDEX leads_kind_idempotency_key ON leads (kind, idempotency_key);
-- Retention: oldest first.
CREATE INDEX leads_created_at ON leads (created_at);
-- Finding a visitor's requests (access and erasure requests) without decrypting every row.
CREATE INDEX leads_email_index ON leads (email_index);
