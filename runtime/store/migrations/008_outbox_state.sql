-- The state a person reads of an outbox row, defined once: `tend outbox`
-- lists and filters by it, `tend explain` shows it. status says where a row
-- is in its life (pending, sent, dead, capped); a pending row is further
-- 'held' by a disabled connector (held_by), 'quiet' while it waits for the
-- end of quiet hours (due exactly then), or 'sending' while a deliverer's
-- lease runs.
CREATE VIEW outbox_state AS
SELECT tenant, id,
       CASE WHEN status = 'pending' AND held_by IS NOT NULL THEN 'held'
            WHEN status = 'pending' AND held_until IS NOT NULL AND next_attempt_at = held_until THEN 'quiet'
            WHEN status = 'pending' AND lease_until > now() THEN 'sending'
            ELSE status END AS state
  FROM outbox;
