-- The playbook's send policy (send_policy { cap {...}, quiet_hours {...} }),
-- applied by tend deliver to every row it claims, before sending it
-- (runtime/notify/policy.c).
--
-- A capped row is final: 'capped', never sent, with the reason. It is not
-- lost: `tend outbox retry ID` puts it back before the policy.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'dead', 'capped'));

-- admitted_at: when the policy let the row through (it then counts toward
-- every cap's rolling window, sent or still being sent); contact: who it
-- went to (the address behind payload.to, else account:role), for caps per
-- contact; held_until: the end of the quiet hours it last waited for;
-- policy_reason: why it was held or capped, in words (tend explain and
-- tend outbox show print it).
ALTER TABLE outbox ADD COLUMN admitted_at timestamptz;
ALTER TABLE outbox ADD COLUMN contact text;
ALTER TABLE outbox ADD COLUMN held_until timestamptz;
ALTER TABLE outbox ADD COLUMN policy_reason text;

-- Counting a window: what was admitted for one account, or to one contact,
-- since a time. Partial: rows sent with no policy in force cost nothing.
CREATE INDEX outbox_policy_account ON outbox (tenant, account_id, admitted_at) WHERE admitted_at IS NOT NULL;
CREATE INDEX outbox_policy_contact ON outbox (tenant, contact, admitted_at) WHERE contact IS NOT NULL;
