-- The durable job queue (transactional outbox), shared by every process.
-- Portable SQL (SQLite and PostgreSQL 15). Times are integer epoch
-- milliseconds written by code (store/sql_job_queue.cpp), never by the engine.
--
-- Ids are generated in code, not by the engine (SQLite's INTEGER PRIMARY KEY
-- and PostgreSQL's identity columns do not share a syntax): time-ordered
-- 63-bit integers, (epoch milliseconds << 21) | random 21 bits, strictly
-- increasing within a process; a rare collision between processes is detected
-- by ON CONFLICT DO NOTHING and retried with a fresh id.
--
-- Life of a job: ready -> running (leased) -> done | dead, or back to ready
-- for a retry or a configuration wait. A running job whose lease expired is
-- runnable again: that is how a dead worker's job comes back.

CREATE TABLE jobs (
  id BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,                -- JSON input; ids, never personal data in clear
  state TEXT NOT NULL DEFAULT '',       -- JSON progress saved by the handler between attempts
  status TEXT NOT NULL,                 -- ready | running | done | dead
  attempt INTEGER NOT NULL DEFAULT 0,   -- attempts started so far (configuration waits excluded)
  max_attempts INTEGER NOT NULL,
  run_at BIGINT NOT NULL,               -- not before (ms)
  lease_owner TEXT,                     -- worker that holds or last held the lease
  lease_token TEXT,                     -- random, proves ownership; NULL when not running
  lease_expires_at BIGINT,              -- ms; NULL when not running
  last_error TEXT,
  dedupe_key TEXT UNIQUE,               -- NULL for jobs that may repeat
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT                    -- when it became done or dead
);

-- Leasing the oldest ready job: WHERE status = 'ready' AND run_at <= now ORDER BY run_at, id.
CREATE INDEX jobs_status_run_at ON jobs (status, run_at, id);
-- Taking over expired leases, and purging old finished jobs.
CREATE INDEX jobs_status_lease_expires_at ON jobs (status, lease_expires_at);
CREATE INDEX jobs_status_finished_at ON jobs (status, finished_at);
