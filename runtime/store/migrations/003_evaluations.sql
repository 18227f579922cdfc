-- What evaluation decided, and what it remembers between runs.

-- One row per account per run: the result object exactly as `tend eval`
-- prints it (DESIGN "Evaluation result"). `tend explain ACCOUNT` reads the
-- latest one.
CREATE TABLE evaluations (
    tenant       text NOT NULL REFERENCES tenants (id),
    run_id       bigint NOT NULL,
    account_id   text NOT NULL,
    evaluated_at timestamptz NOT NULL,
    playbook     text NOT NULL,           -- "sha256:..." digest
    failed       boolean NOT NULL DEFAULT false,
    result       jsonb NOT NULL CHECK (jsonb_typeof(result) = 'object'),
    PRIMARY KEY (tenant, run_id, account_id),
    FOREIGN KEY (tenant, run_id) REFERENCES job_runs (tenant, id)
);
CREATE INDEX evaluations_latest ON evaluations (tenant, account_id, evaluated_at DESC);

-- Where each account stands now: the latest run's segment, stages and
-- health, and the flags that actions set and clear (flags persist across
-- runs until an unflag).
CREATE TABLE account_state (
    tenant            text NOT NULL,
    account_id        text NOT NULL,
    segment           text,
    touch             text,
    stages            text[] NOT NULL DEFAULT '{}',
    flags             text[] NOT NULL DEFAULT '{}',
    health_score      numeric,
    health_band       text,
    last_run_id       bigint,
    last_evaluated_at timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, account_id),
    FOREIGN KEY (tenant, account_id) REFERENCES accounts (tenant, id) ON DELETE CASCADE
);

-- Journey stages over time: a row opens when an account enters a stage and
-- closes when it leaves; at most one open row per (account, stage).
CREATE TABLE stage_history (
    tenant         text NOT NULL,
    account_id     text NOT NULL,
    stage          text NOT NULL,
    entered_at     timestamptz NOT NULL,
    exited_at      timestamptz CHECK (exited_at >= entered_at),
    entered_run_id bigint,
    exited_run_id  bigint,
    PRIMARY KEY (tenant, account_id, stage, entered_at),
    FOREIGN KEY (tenant, account_id) REFERENCES accounts (tenant, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX stage_history_open ON stage_history (tenant, account_id, stage) WHERE exited_at IS NULL;

-- The frequency-cap ledger: a rule fired for an account in a window (or
-- for a once_per value), named by `key`. A rule with every = "7d" fires
-- again only when no row with its key exists; inserting the row in the same
-- transaction as the evaluation makes the cap hold across workers.
CREATE TABLE rule_fires (
    tenant     text NOT NULL REFERENCES tenants (id),
    account_id text NOT NULL,
    rule       text NOT NULL,
    key        text NOT NULL,
    fired_at   timestamptz NOT NULL,
    run_id     bigint,
    PRIMARY KEY (tenant, account_id, rule, key)
);
CREATE INDEX rule_fires_recent ON rule_fires (tenant, account_id, rule, fired_at DESC);
