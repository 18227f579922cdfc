-- When jobs run and who runs them (DESIGN "Scale-out").

-- A tenant's schedules, as its playbook declares them
-- (schedule "nightly" { cron = "0 2 * * *", run = "evaluate_all" }).
CREATE TABLE schedules (
    tenant     text NOT NULL REFERENCES tenants (id),
    name       text NOT NULL CHECK (name <> ''),
    cron       text NOT NULL,
    job        text NOT NULL,
    timezone   text NOT NULL DEFAULT 'UTC',
    enabled    boolean NOT NULL DEFAULT true,
    next_at    timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, name)
);

-- One row per run of a job. A cron occurrence runs exactly once: whoever
-- inserts (tenant, schedule, occurrence) first runs it, everyone else gets a
-- unique violation (or ON CONFLICT DO NOTHING) and leaves it alone. A run
-- started by hand (`tend run JOB`) names its own occurrence the same way.
CREATE TABLE job_runs (
    tenant      text NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    schedule    text NOT NULL,
    job         text NOT NULL,
    occurrence  timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    playbook    text,                     -- digest of the playbook the run used
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    accounts    integer NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0,
    summary     jsonb,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, schedule, occurrence)
);
CREATE INDEX job_runs_recent ON job_runs (tenant, job, started_at DESC);

-- A run's work split into shards: account ids whose hash falls in
-- [hash_lo, hash_hi). A worker claims one with
--   SELECT ... FROM shard_leases
--    WHERE tenant = $1 AND run_id = $2 AND status <> 'done'
--      AND (lease_until IS NULL OR lease_until < now())
--    ORDER BY shard LIMIT 1 FOR UPDATE SKIP LOCKED
-- then sets owner and lease_until, renews the lease while it works, and
-- marks the shard done. A worker that dies lets its lease expire; another
-- takes the shard over.
CREATE TABLE shard_leases (
    tenant      text NOT NULL REFERENCES tenants (id),
    run_id      bigint NOT NULL,
    shard       integer NOT NULL CHECK (shard >= 0),
    hash_lo     bigint NOT NULL,
    hash_hi     bigint NOT NULL CHECK (hash_hi > hash_lo),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    owner       text,
    lease_until timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    accounts    integer NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0,
    started_at  timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (tenant, run_id, shard),
    FOREIGN KEY (tenant, run_id) REFERENCES job_runs (tenant, id) ON DELETE CASCADE
);
CREATE INDEX shard_leases_open ON shard_leases (tenant, run_id, shard) WHERE status <> 'done';
