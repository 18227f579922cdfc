-- The sample (load_sample.sql, tenant default) copied :copies times under ids "<id>-<n>",
-- with its events and metrics, into tenant :'tenant': enough accounts for
-- a run to be killed in the middle of.
INSERT INTO tenants (id, name) VALUES (:'tenant', :'tenant') ON CONFLICT DO NOTHING;
INSERT INTO accounts (tenant, id, name, employees, acv, industry, technical, product_type, locale, licensed_users,
                      contract_signed_at, onboarding_target_at, renewal_date, csm, champion, attrs)
SELECT :'tenant', a.id || '-' || n, a.name, a.employees, a.acv, a.industry, a.technical, a.product_type, a.locale,
       a.licensed_users, a.contract_signed_at, a.onboarding_target_at, a.renewal_date, a.csm, a.champion, a.attrs
  FROM accounts a, generate_series(1, :copies) n WHERE a.tenant = 'default';
INSERT INTO events (tenant, account_id, type, at, user_id, data)
SELECT :'tenant', e.account_id || '-' || n, e.type, e.at, e.user_id, e.data
  FROM events e, generate_series(1, :copies) n WHERE e.tenant = 'default';
INSERT INTO metrics_daily (tenant, account_id, date, metrics)
SELECT :'tenant', m.account_id || '-' || n, m.date, m.metrics
  FROM metrics_daily m, generate_series(1, :copies) n WHERE m.tenant = 'default';
