-- Event-triggered evaluation (tend serve): an account with new events is
-- woken, whoever wrote the events (tend ingest, a plain SQL INSERT, the
-- HTTP endpoint), and serve processes re-evaluate it.
--
-- One row per account waiting to be evaluated. A trigger on events adds it
-- (or, if it is already there, moves woken_at forward) and sends
-- NOTIFY tend_events with the tenant, in the inserting transaction, so the
-- wake-up is visible exactly when the events are. A serve process claims
-- rows with
--   UPDATE account_wakeups SET claimed_by, claimed_at, claimed_until
--    WHERE (tenant, account_id) IN (SELECT ... WHERE claimed_until IS NULL
--          OR claimed_until < now() ... FOR UPDATE SKIP LOCKED)
-- evaluates the accounts, and deletes the rows whose woken_at is not later
-- than its claim (an event that came meanwhile keeps the row, to be
-- evaluated again). A process that dies leaves its claim to expire; the
-- intents' dedupe keys keep a second evaluation from queueing twice.
CREATE TABLE account_wakeups (
    tenant        text NOT NULL REFERENCES tenants (id),
    account_id    text NOT NULL,
    woken_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_by    text,
    claimed_at    timestamptz,
    claimed_until timestamptz,
    PRIMARY KEY (tenant, account_id)
);
CREATE INDEX account_wakeups_due ON account_wakeups (tenant, woken_at);

CREATE FUNCTION tend_wake_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    INSERT INTO account_wakeups (tenant, account_id)
    SELECT DISTINCT tenant, account_id FROM new_events
    ON CONFLICT (tenant, account_id) DO UPDATE SET woken_at = clock_timestamp();
    FOR t IN SELECT DISTINCT tenant FROM new_events LOOP
        PERFORM pg_notify('tend_events', t);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_wake_accounts AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION tend_wake_accounts();
