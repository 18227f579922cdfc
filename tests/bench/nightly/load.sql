-- Loads generate.lua's JSONL into accounts, events and metrics_daily with
-- psql alone (no tend ingest; like tests/integration/load_sample.sql), then
-- VACUUM ANALYZE so no timed run pays for hint bits or statistics.
-- Run from the folder holding the files: cd DATA && psql -f load.sql
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
CREATE TEMP TABLE ja (line jsonb); CREATE TEMP TABLE je (line jsonb); CREATE TEMP TABLE jm (line jsonb);
\copy ja FROM 'accounts.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
\copy je FROM 'events.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
\copy jm FROM 'metrics.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
INSERT INTO accounts (tenant, id, name, employees, acv, industry, technical, product_type, locale, licensed_users,
                      contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs)
SELECT 'default', line->>'id', line->>'name', (line->>'employees')::numeric, (line->>'acv')::numeric,
       line->>'industry', (line->>'technical')::boolean, line->>'product_type', line->>'locale',
       (line->>'licensed_users')::numeric, (line->>'contract_signed_at')::date,
       (line->>'onboarding_target_at')::date, (line->>'renewal_date')::date, line->>'csm', line->>'champion',
       jsonb_strip_nulls(jsonb_build_object('region', line->'region'))
FROM ja;
-- Two logins by the same user in the same hour are one event (the natural dedupe).
INSERT INTO events (tenant, account_id, type, at, user_id, data)
SELECT 'default', line->>'account_id', line->>'type', (line->>'at')::timestamptz, line->>'user',
       coalesce(line->'data', '{}')
FROM je ORDER BY line->>'account_id', (line->>'at')::timestamptz
ON CONFLICT DO NOTHING;
INSERT INTO metrics_daily (tenant, account_id, date, metrics)
SELECT 'default', line->>'account_id', (line->>'date')::date, line - 'account_id' - 'date' FROM jm;
DROP TABLE ja, je, jm;
VACUUM (FREEZE, ANALYZE) accounts, events, metrics_daily;
SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM metrics_daily) AS metric_rows \gset
\echo loaded :accounts accounts, :events events, :metric_rows metric rows
