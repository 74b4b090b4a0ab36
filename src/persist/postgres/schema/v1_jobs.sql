-- The job store (src/persist/postgres/job_store.rs): one row per job, shared by every daemon.
-- `record` is the JSON JobRecord exactly as the redb store writes it; the other columns are
-- derived from it when it is written (claim order, history order), except the lease and
-- `requested`, which only the store writes.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    record         TEXT NOT NULL,
    state          TEXT NOT NULL,
    -- Claim order: highest priority first (job_store::priority_key), then oldest submit.
    priority_key   BIGINT NOT NULL,
    seq            BIGINT NOT NULL,
    -- History order of finished jobs.
    completion_seq BIGINT,
    -- Bumped by every write of `record`: a change decided on an older revision is refused.
    revision       BIGINT NOT NULL,
    -- Pause (1) and cancel (2) asked by another daemon of a job Running elsewhere, read back
    -- into the record's flags; cleared when the job leaves Running.
    requested      SMALLINT NOT NULL DEFAULT 0,
    -- Who runs a Running job, until when unless renewed (then another daemon claims it).
    lease_owner    TEXT,
    lease_until    TIMESTAMPTZ
);
CREATE INDEX jobs_pending ON jobs (priority_key, seq) WHERE state = 'Pending';
CREATE INDEX jobs_history ON jobs (completion_seq) WHERE state IN ('Success', 'Failure');
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'Running';
