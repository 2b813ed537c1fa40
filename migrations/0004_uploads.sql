-- Sample dataset uploads (src/datasets). Portable SQL (SQLite and PostgreSQL
-- 15). Times are integer epoch milliseconds written by code.
--
-- The id (32 hex digits, 128 random bits) is the visitor's secret link, so it
-- is never logged next to personal data. The optional e-mail address for the
-- results link is sealed with the "datasets" key derived from SECRET_KEY.
-- The bytes live in the blob store (area "uploads" under `blob_key`, moved to
-- "quarantine" when malware is found); the analysis document is stored here.
--
-- An upload and its pipeline job (jobs.dedupe_key 'upload:<id>:pipeline') are
-- written in one transaction when the last byte arrives.

CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  file_name TEXT NOT NULL,              -- sanitized, extension kept
  format TEXT NOT NULL,                 -- csv | tsv | txt | json | ndjson | jsonl | xml | xlsx
  declared_size BIGINT NOT NULL,        -- bytes announced by the client
  received_bytes BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL,                 -- pending | receiving | scanning | processing | completed | failed | rejected
  reason TEXT NOT NULL DEFAULT '',      -- for failed / rejected
  sealed_email TEXT,                    -- FieldCipher("datasets"); NULL when none was given
  blob_key TEXT NOT NULL,
  analysis TEXT,                        -- the analysis document (JSON); NULL until completed
  steps TEXT NOT NULL,                  -- JSON array of {name, status, started_at, finished_at, detail}
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,           -- an unfinished upload is abandoned after this
  file_purged_at BIGINT,                -- when retention removed the uploaded file
  completed_at BIGINT                   -- when the pipeline finished (any final status)
);

-- Retention: uploaded files after UPLOAD_RETENTION_DAYS, results after RESULT_RETENTION_DAYS.
CREATE INDEX uploads_created_at ON uploads (created_at);
CREATE INDEX uploads_status_expires_at ON uploads (status, expires_at);
