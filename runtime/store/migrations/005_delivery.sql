-- Delivery bookkeeping for the notification loop (runtime/notify/).
--
-- Rounds: a row's retry schedule position is attempts - round_start; the
-- row is dead-lettered after the connector's last attempt of the round, and
-- `tend outbox retry` (or re-enabling a connector) starts a new round by
-- setting round_start = attempts. Attempt numbers keep growing, so every
-- attempt keeps its own deliveries row.
ALTER TABLE outbox ADD COLUMN round_start integer NOT NULL DEFAULT 0 CHECK (round_start >= 0);

-- A row whose connector answered 410 Gone is held (still 'pending', with
-- next_attempt_at = 'infinity', so never due) by that connector until
-- `tend outbox enable NAME` releases it. A connector is disabled while it
-- holds rows: the state lives in the rows it concerns, no table of its own.
ALTER TABLE outbox ADD COLUMN held_by text;
CREATE INDEX outbox_held ON outbox (held_by) WHERE held_by IS NOT NULL;

-- Which connector an attempt went through, and how long the request took.
ALTER TABLE deliveries ADD COLUMN connector text;
ALTER TABLE deliveries ADD COLUMN latency_ms integer;
