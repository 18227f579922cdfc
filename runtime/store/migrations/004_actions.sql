-- What evaluation asked for: tasks for people, and the outbox of
-- notifications with its delivery attempts (DESIGN "Notifications").

-- A task for a person (task { "Schedule kickoff", owner = "specialist" }),
-- created once per intent key.
CREATE TABLE tasks (
    tenant         text NOT NULL REFERENCES tenants (id),
    id             bigint GENERATED ALWAYS AS IDENTITY,
    dedupe_key     text NOT NULL,
    account_id     text NOT NULL,
    title          text NOT NULL,
    owner          text,
    due_at         timestamptz,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    data           jsonb NOT NULL DEFAULT '{}',
    created_run_id bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, dedupe_key)
);
CREATE INDEX tasks_open ON tasks (tenant, account_id) WHERE status = 'open';

-- Notifications to send, written in the same transaction as the evaluation
-- that decided them. The intent's dedupe key is unique per tenant, so the
-- same intent is never queued twice (INSERT ... ON CONFLICT DO NOTHING).
--
-- Claiming (at-least-once, no row lost or doubled across crashes): a
-- delivery worker takes due rows with
--   SELECT tenant, id FROM outbox
--    WHERE status = 'pending' AND next_attempt_at <= now()
--    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED
-- (served by the partial index outbox_due) and, in the same transaction,
-- sets lease_owner, lease_until = now() + lease, next_attempt_at =
-- lease_until and attempts = attempts + 1. The row stays 'pending' while
-- leased, so if the worker dies it simply becomes due again when the lease
-- runs out. Afterwards: 'sent', or back to pending with next_attempt_at =
-- now() + backoff, or 'dead' after max_attempts.
CREATE TABLE outbox (
    tenant          text NOT NULL REFERENCES tenants (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    dedupe_key      text NOT NULL CHECK (dedupe_key <> ''),
    account_id      text NOT NULL,
    run_id          bigint,
    kind            text NOT NULL,        -- the intent's kind: email, notify, webhook
    connector       text,                 -- file, webhook, slack, smtp, http, ...
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL DEFAULT 8 CHECK (max_attempts > 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_owner     text,
    lease_until     timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, dedupe_key)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_dead ON outbox (tenant, created_at) WHERE status = 'dead';

-- One row per delivery attempt of an outbox row: what was tried and what
-- came back (`tend outbox` shows them).
CREATE TABLE deliveries (
    tenant      text NOT NULL,
    outbox_id   bigint NOT NULL,
    attempt     integer NOT NULL CHECK (attempt > 0),
    worker      text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    ok          boolean,
    http_status integer,
    error       text,
    response    text,
    PRIMARY KEY (tenant, outbox_id, attempt),
    FOREIGN KEY (tenant, outbox_id) REFERENCES outbox (tenant, id) ON DELETE CASCADE
);
