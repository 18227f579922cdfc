-- The benchmark playbook (playbook/) written as plain SQL: the same
-- decisions for every account of tenant 'default', computed inside
-- PostgreSQL from the same accounts, events and metrics_daily, and written
-- as one INSERT ... SELECT per table (evaluations, outbox, tasks) into
-- copies of those tables in schema `puresql` (same columns, defaults,
-- checks and indexes). run.sh times this file as one psql run against
-- `tend run nightly` on the same cluster.
--
--   psql -v now=2026-11-22T02:00:00Z -f pure_sql.sql
--
-- Semantics follow the timeline (runtime/lua/timeline.c): events and
-- metric days up to now; a window "Nd" is (now - N days, now]; days_since
-- counts calendar days (UTC), never = infinity; t.last picks the latest
-- event whose data matches; t.latest the latest day with the field; t.avg
-- the mean over the window's days with the field. Scores are float8 and
-- added in declaration order, as Lua does, so band thresholds compare the
-- same doubles. Locale choice follows tend.templates.pick for the stdlib
-- `reengagement` text (en, es, ms, pt-BR). The ledger is not consulted:
-- run.sh empties it before every run, as it empties these tables.
--
-- What tend writes and this does not: account_state, rule_fires (the
-- frequency-cap ledger), stage_history, job_runs, and the `why` of each
-- trace entry; so the comparison favours this file.
\set ON_ERROR_STOP 1
\if :{?now}
\else
\set now 2026-11-22T02:00:00Z
\endif
SET TimeZone = 'UTC';
SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS puresql;
CREATE TABLE IF NOT EXISTS puresql.evaluations (LIKE public.evaluations INCLUDING ALL);
CREATE TABLE IF NOT EXISTS puresql.outbox (LIKE public.outbox INCLUDING ALL);
CREATE TABLE IF NOT EXISTS puresql.tasks (LIKE public.tasks INCLUDING ALL);

BEGIN;
WITH
ev AS (                         -- per account: what the rules ask of events
  SELECT account_id,
         max(at) FILTER (WHERE type = 'login') AS last_login,
         count(*) FILTER (WHERE type = 'support_ticket' AND at > :'now'::timestamptz - interval '30 days') AS tickets_30d,
         (array_agg((data->>'score')::float8 ORDER BY at DESC, seq DESC)
            FILTER (WHERE type = 'assessment' AND data->>'dimension' = 'technical'))[1] AS technical,
         (array_agg((data->>'score')::float8 ORDER BY at DESC, seq DESC)
            FILTER (WHERE type = 'assessment' AND data->>'dimension' = 'value'))[1] AS value,
         (array_agg((data->>'score')::float8 ORDER BY at DESC, seq DESC)
            FILTER (WHERE type = 'assessment' AND data->>'dimension' = 'stakeholder'))[1] AS stakeholder
    FROM events
   WHERE tenant = 'default' AND at <= :'now'::timestamptz
   GROUP BY account_id
),
me AS (                         -- per account: what the rules ask of daily metrics
  SELECT account_id,
         (array_agg((metrics->>'weekly_active')::float8 ORDER BY date DESC)
            FILTER (WHERE metrics ? 'weekly_active'))[1] AS latest_weekly,
         avg((metrics->>'weekly_active')::float8)
            FILTER (WHERE date > :'now'::timestamptz - interval '7 days') AS weekly_7d,
         avg((metrics->>'weekly_active')::float8)
            FILTER (WHERE date > :'now'::timestamptz - interval '30 days') AS weekly_30d,
         avg((metrics->>'daily_active')::float8)
            FILTER (WHERE date > :'now'::timestamptz - interval '30 days') AS daily_30d
    FROM metrics_daily         -- tend reads a year of daily metrics (400 days) by default
   WHERE tenant = 'default' AND date <= :'now'::timestamptz AND date > (:'now'::timestamptz - interval '400 days')::date
   GROUP BY account_id
),
f AS (                          -- facts: segment, days idle, usage ratios, dimension scores
  SELECT a.id, a.locale,
         CASE WHEN coalesce(a.employees, 0) >= 1000 OR coalesce(a.acv, 0) >= 50000 THEN 'enterprise'
              WHEN coalesce(a.acv, 0) >= 10000 THEN 'mid_market' ELSE 'smb' END AS segment,
         CASE WHEN ev.last_login IS NULL THEN 'infinity'::float8
              ELSE (:'now'::timestamptz)::date - ev.last_login::date END AS idle,
         coalesce(ev.tickets_30d, 0) AS tickets_30d,
         ev.technical, ev.value, ev.stakeholder,
         CASE WHEN a.licensed_users > 0 THEN me.latest_weekly / a.licensed_users::float8 END AS active_ratio,
         CASE WHEN a.licensed_users > 0 THEN me.weekly_7d / a.licensed_users::float8 END AS weekly_7d_ratio,
         CASE WHEN a.licensed_users > 0 AND me.latest_weekly IS NOT NULL
              THEN least(10::float8, 10 * (me.latest_weekly / a.licensed_users::float8) / 0.70::float8) END AS adoption,
         CASE WHEN me.weekly_30d > 0
              THEN least(10::float8, 10 * (me.daily_30d / me.weekly_30d) / 0.50::float8) END AS engagement
    FROM accounts a
    LEFT JOIN ev ON ev.account_id = a.id
    LEFT JOIN me ON me.account_id = a.id
   WHERE a.tenant = 'default'
),
s AS (                          -- the scorecard total, in declaration order
  SELECT f.*,
         0 + coalesce(0.20::float8 * technical, 0) + coalesce(0.25::float8 * value, 0)
           + coalesce(0.15::float8 * stakeholder, 0) + coalesce(0.25::float8 * adoption, 0)
           + coalesce(0.15::float8 * engagement, 0) AS total,
         active_ratio < 0.40::float8 AS blocked,
         greatest(0, least(100, floor(100 - 2 * least(idle, 30) - 10 * least(tickets_30d, 4) + 0.5)))::int AS health
    FROM f
),
b AS (                          -- bands (a blocker keeps an account out of the top one)
  SELECT s.*,
         CASE WHEN total >= 7.0 AND NOT coalesce(blocked, false) THEN 'healthy'
              WHEN total >= 4.0 THEN 'watch' ELSE 'at_risk' END AS band
    FROM s
),
d AS MATERIALIZED (             -- decisions: which rules fired, and their intents
  SELECT b.*,
         idle >= 14 AS reengage,
         segment IN ('enterprise', 'mid_market') AND weekly_7d_ratio < 0.40::float8 AS low_adoption,
         band = 'at_risk' OR tickets_30d >= 3 AS at_risk,
         CASE WHEN idle >= 14 THEN jsonb_build_object(
           'kind', 'email', 'template', 'reengagement', 'to', 'champion',
           'locale', CASE WHEN lower(replace(locale, '_', '-')) IN ('en', 'es', 'ms') THEN lower(locale)
                          WHEN lower(replace(locale, '_', '-')) = 'pt-br' THEN 'pt-BR'
                          WHEN split_part(lower(replace(locale, '_', '-')), '-', 1) IN ('en', 'es', 'ms')
                            THEN split_part(lower(replace(locale, '_', '-')), '-', 1)
                          WHEN split_part(lower(replace(locale, '_', '-')), '-', 1) = 'pt' THEN 'pt-BR'
                          ELSE 'en' END,
           -- every = "7d": the key names the 7-day window (from the epoch) holding now
           'key', 'reengagement:' || id || ':'
                  || to_timestamp(floor(extract(epoch FROM :'now'::timestamptz) / 604800) * 604800)::date,
           'rule', 'reengage',
           'data', jsonb_build_object('days_idle', CASE WHEN idle = 'infinity' THEN to_jsonb('many'::text)
                                                        ELSE to_jsonb(idle::int) END)) END AS email,
         CASE WHEN segment IN ('enterprise', 'mid_market') AND weekly_7d_ratio < 0.40::float8 THEN jsonb_build_object(
           'kind', 'task', 'title', 'Adoption review', 'owner', 'csm',
           'key', 'task:Adoption review:' || id || ':'
                  || to_timestamp(floor(extract(epoch FROM :'now'::timestamptz) / 1209600) * 1209600)::date,
           'rule', 'low_adoption') END AS task
    FROM b
),
evaluations AS (
  INSERT INTO puresql.evaluations (tenant, run_id, account_id, evaluated_at, playbook, failed, result)
  SELECT 'default', 0, id, :'now'::timestamptz, 'pure-sql', false,
         jsonb_build_object(
           'account_id', id, 'tenant', 'default', 'evaluated_at', :'now', 'playbook', 'pure-sql',
           'segment', segment,
           'touch', CASE segment WHEN 'enterprise' THEN 'high' WHEN 'mid_market' THEN 'low' ELSE 'tech' END,
           'stages', '[]'::jsonb,
           'scorecards', jsonb_build_object('success', jsonb_build_object(
             'dimensions', jsonb_build_object(
               'technical', floor(technical * 10 + 0.5) / 10, 'value', floor(value * 10 + 0.5) / 10,
               'stakeholder', floor(stakeholder * 10 + 0.5) / 10, 'adoption', floor(adoption * 10 + 0.5) / 10,
               'engagement', floor(engagement * 10 + 0.5) / 10),
             'total', floor(total * 10 + 0.5) / 10,
             'band', band,
             'blockers', CASE WHEN blocked THEN jsonb_build_array(format(
                           'only %s%% of licensed users are active (threshold 40%%)',
                           floor(active_ratio * 100 + 0.5))) ELSE '[]'::jsonb END)),
           'health', jsonb_build_object('score', health,
                                        'band', CASE WHEN health >= 70 THEN 'green' WHEN health >= 40 THEN 'yellow'
                                                     ELSE 'red' END),
           'flags', to_jsonb(array_remove(ARRAY[CASE WHEN reengage THEN 'inactive' END,
                                                CASE WHEN at_risk THEN 'at_risk' END], NULL)),
           'actions', jsonb_path_query_array(jsonb_build_array(email, task), '$[*] ? (@ != null)'),
           'trace', CASE WHEN segment = 'smb'
                      THEN jsonb_build_array(jsonb_build_object('rule', 'reengage', 'fired', reengage),
                                             jsonb_build_object('rule', 'at_risk', 'fired', at_risk))
                      ELSE jsonb_build_array(jsonb_build_object('rule', 'reengage', 'fired', reengage),
                                             jsonb_build_object('rule', 'low_adoption', 'fired', coalesce(low_adoption, false)),
                                             jsonb_build_object('rule', 'at_risk', 'fired', at_risk)) END,
           'errors', '[]'::jsonb)
    FROM d
),
outbox AS (
  INSERT INTO puresql.outbox (tenant, dedupe_key, account_id, run_id, kind, connector, payload)
  SELECT 'default', email->>'key', id, 0, 'email', NULL, email FROM d WHERE email IS NOT NULL
  ON CONFLICT (tenant, dedupe_key) DO NOTHING
)
INSERT INTO puresql.tasks (tenant, dedupe_key, account_id, title, owner, data, created_run_id)
SELECT 'default', task->>'key', id, 'Adoption review', 'csm', '{}', 0 FROM d WHERE task IS NOT NULL
ON CONFLICT (tenant, dedupe_key) DO NOTHING;
COMMIT;
