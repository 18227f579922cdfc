-- Tenants and what tend is told about their accounts: the data contract
-- (DESIGN "Data contract") as typed columns. Every table carries `tenant`
-- and starts its keys with it, so one tenant's rows stay together (and a
-- distributed PostgreSQL can shard by tenant).

CREATE TABLE tenants (
    id         text PRIMARY KEY CHECK (id <> ''),
    name       text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Input without a tenant belongs to "default".
INSERT INTO tenants (id, name) VALUES ('default', 'default');

-- One row per account; ingest upserts on (tenant, id). Contract dates are
-- calendar days (UTC); fields outside the contract are kept in attrs.
CREATE TABLE accounts (
    tenant               text NOT NULL REFERENCES tenants (id),
    id                   text NOT NULL CHECK (id <> ''),
    name                 text,
    employees            numeric,
    acv                  numeric,
    industry             text,
    technical            boolean,
    product_type         text,
    locale               text,
    licensed_users       numeric,
    contract_signed_at   date,
    onboarding_target_at date,
    renewal_date         date,
    csm                  text,
    champion             text,
    attrs                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attrs) = 'object'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, id)
);

-- Something that happened to an account. Events may arrive before their
-- account, so there is no foreign key to accounts. The contract's `user`
-- is user_id here (USER is reserved in SQL).
--
-- Dedupe: an event is the same event when it has the same `id`, or, when it
-- has none, the same (account_id, type, at, user, data). Ingest inserts with
-- ON CONFLICT DO NOTHING, so loading a file twice adds nothing.
CREATE TABLE events (
    tenant      text NOT NULL REFERENCES tenants (id),
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    id          text CHECK (id <> ''),
    account_id  text NOT NULL CHECK (account_id <> ''),
    type        text NOT NULL CHECK (type <> ''),
    at          timestamptz NOT NULL,
    user_id     text,
    data        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, seq)
);
CREATE UNIQUE INDEX events_dedupe_id ON events (tenant, id) WHERE id IS NOT NULL;
-- Without an id, an event is the same event when account, type, time, user
-- and data all match: two CSM assessments of different dimensions at the
-- same minute are two events.
CREATE UNIQUE INDEX events_dedupe_natural ON events (tenant, account_id, type, at, (coalesce(user_id, '')), (md5(data::text)))
    WHERE id IS NULL;
-- An account's timeline, oldest first.
CREATE INDEX events_timeline ON events (tenant, account_id, at);

-- A daily snapshot per account. The metric names are open (any numeric
-- field of the input), so they live in one object: {"active_users": 80, ...}.
CREATE TABLE metrics_daily (
    tenant     text NOT NULL REFERENCES tenants (id),
    account_id text NOT NULL CHECK (account_id <> ''),
    date       date NOT NULL,
    metrics    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metrics) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, account_id, date)
);
