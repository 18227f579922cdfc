-- Loads scripts/examples/sample into the database with psql alone (no tend
-- ingest), so the nightly test checks the run against independent data.
CREATE TEMP TABLE ja (line jsonb); CREATE TEMP TABLE je (line jsonb); CREATE TEMP TABLE jm (line jsonb);
\copy ja FROM 'scripts/examples/sample/accounts.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
\copy je FROM 'scripts/examples/sample/events.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
\copy jm FROM 'scripts/examples/sample/metrics.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
INSERT INTO accounts (tenant, id, name, employees, acv, industry, technical, product_type, locale, licensed_users, contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs)
SELECT 'default', line->>'id', line->>'name', (line->>'employees')::numeric, (line->>'acv')::numeric, line->>'industry', (line->>'technical')::boolean, line->>'product_type', line->>'locale', (line->>'licensed_users')::numeric, (line->>'contract_signed_at')::date, (line->>'onboarding_target_at')::date, (line->>'renewal_date')::date, line->>'csm', line->>'champion', coalesce(line->'attrs', '{}') FROM ja;
INSERT INTO events (tenant, account_id, type, at, user_id, data) SELECT 'default', line->>'account_id', line->>'type', (line->>'at')::timestamptz, line->>'user', coalesce(line->'data','{}') FROM je;
INSERT INTO metrics_daily (tenant, account_id, date, metrics) SELECT 'default', line->>'account_id', (line->>'date')::date, line - 'account_id' - 'date' FROM jm;
