-- Checks that tend's stored decisions (the latest nightly run of tenant
-- 'default' in public.evaluations, outbox, tasks) are pure_sql.sql's
-- (schema puresql) for every account: segment, touch, scorecard total,
-- band and blockers, health score and band, flags (in order), the rules
-- that fired, and the intents (kind, template or title, recipient or
-- owner, locale, dedupe key, rule); and that both queued the same outbox
-- and task rows. The message tend renders into an email intent (address,
-- subject, text) is its own extra work, which the SQL does not attempt:
-- the outbox payloads are compared without it. Prints one line of counts (run.sh fails unless every
-- difference is 0) and, with -v show_diff=1, up to 5 differing accounts.
\set ON_ERROR_STOP 1
CREATE FUNCTION pg_temp.decisions(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'segment', r->'segment', 'touch', r->'touch',
    'total', r #> '{scorecards,success,total}', 'band', r #> '{scorecards,success,band}',
    'blockers', r #> '{scorecards,success,blockers}',
    'health', r->'health', 'flags', r->'flags',
    'actions', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'kind', a->'kind', 'name', coalesce(a->'template', a->'title'),
                   'to', coalesce(a->'to', a->'owner'), 'locale', a->'locale',
                   'key', a->'key', 'rule', a->'rule') ORDER BY ord), '[]')
                  FROM jsonb_array_elements(r->'actions') WITH ORDINALITY AS e(a, ord)),
    'fired', (SELECT coalesce(jsonb_agg(e->'rule' ORDER BY ord), '[]')
                FROM jsonb_array_elements(r->'trace') WITH ORDINALITY AS tr(e, ord)
               WHERE (e->>'fired')::boolean))
$$;
CREATE TEMP TABLE diff AS
SELECT account_id, pg_temp.decisions(t.result) AS tend, pg_temp.decisions(p.result) AS sql
  FROM (SELECT account_id, result FROM evaluations
         WHERE tenant = 'default' AND run_id = (SELECT max(id) FROM job_runs WHERE tenant = 'default')) t
  FULL JOIN (SELECT account_id, result FROM puresql.evaluations WHERE tenant = 'default') p USING (account_id)
 WHERE pg_temp.decisions(t.result) IS DISTINCT FROM pg_temp.decisions(p.result);
SELECT (SELECT count(*) FROM evaluations
         WHERE tenant = 'default' AND run_id = (SELECT max(id) FROM job_runs WHERE tenant = 'default')) AS tend_accounts,
       (SELECT count(*) FROM puresql.evaluations WHERE tenant = 'default') AS sql_accounts,
       (SELECT count(*) FROM diff) AS differing,
       (SELECT count(*) FROM ((SELECT dedupe_key, account_id, kind, payload - '{address,subject,text}'::text[]
                                 FROM outbox WHERE tenant = 'default')
                              EXCEPT ALL (SELECT dedupe_key, account_id, kind, payload FROM puresql.outbox
                                           WHERE tenant = 'default')) x)
     + (SELECT count(*) FROM ((SELECT dedupe_key, account_id, kind, payload FROM puresql.outbox WHERE tenant = 'default')
                              EXCEPT ALL (SELECT dedupe_key, account_id, kind, payload - '{address,subject,text}'::text[]
                                            FROM outbox WHERE tenant = 'default')) x) AS outbox_diff,
       (SELECT count(*) FROM ((SELECT dedupe_key, account_id, title, owner FROM tasks WHERE tenant = 'default')
                              EXCEPT ALL (SELECT dedupe_key, account_id, title, owner FROM puresql.tasks
                                           WHERE tenant = 'default')) x)
     + (SELECT count(*) FROM ((SELECT dedupe_key, account_id, title, owner FROM puresql.tasks WHERE tenant = 'default')
                              EXCEPT ALL (SELECT dedupe_key, account_id, title, owner FROM tasks
                                           WHERE tenant = 'default')) x) AS tasks_diff,
       (SELECT count(*) FROM outbox WHERE tenant = 'default') AS outbox_rows,
       (SELECT count(*) FROM tasks WHERE tenant = 'default') AS task_rows
\gset
\echo compare: :tend_accounts accounts by tend, :sql_accounts by SQL, :differing differ; outbox :outbox_rows rows, :outbox_diff differ; tasks :task_rows rows, :tasks_diff differ
\if :{?show_diff}
SELECT account_id, tend::text, sql::text FROM diff ORDER BY account_id LIMIT 5;
\endif
