-- A run's life as a scheduler sees it (runtime/sched/, README "Running
-- nightly from a scheduler"): who owns the work of a running occurrence,
-- and what became of a run that did not finish.
--
-- Statuses: 'partial' is a run that finished with some accounts failed
-- (not 'succeeded'); 'interrupted' one stopped by SIGTERM (the next run of
-- the occurrence resumes it, as it does a run whose owner died).
ALTER TABLE job_runs DROP CONSTRAINT job_runs_status_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted'));

-- backfill: the occurrence is older than the day the run started (or than
-- a run already stored): its evaluations are kept for history, but it
-- queues nothing, leaves account state, stage history and the ledger alone,
-- and is never "the latest run". shards: how the occurrence is split.
ALTER TABLE job_runs ADD COLUMN backfill boolean NOT NULL DEFAULT false;
ALTER TABLE job_runs ADD COLUMN shards integer NOT NULL DEFAULT 1 CHECK (shards > 0);

-- Ownership of a shard (002_scheduling.sql): the worker that claims it
-- takes the session-level advisory lock pg_try_advisory_lock(1952804467,
-- lock_key) ("tens") on its lease connection and holds it while it works.
-- The server drops the lock when that session ends (the process killed,
-- the connection lost), so a shard whose lock is free has no live owner
-- whatever its status says, and the next worker takes it over without
-- anyone passing --force. lease_until is renewed by a heartbeat; a lease
-- long expired whose session still holds the lock (a host cut off from the
-- network, its server-side session not yet closed) is ended with
-- pg_terminate_backend by the worker that takes the shard over.
CREATE SEQUENCE shard_lock_keys AS integer MINVALUE 1 CYCLE;
ALTER TABLE shard_leases ADD COLUMN lock_key integer NOT NULL DEFAULT nextval('shard_lock_keys');
ALTER TABLE shard_leases ADD COLUMN heartbeat_at timestamptz;

-- Each shard is the accounts whose hashtext(id) falls in [hash_lo,
-- hash_hi): read in that order, a slice at a time.
CREATE INDEX accounts_shard ON accounts (tenant, hashtext(id), id);
