-- The HTTP endpoint's Idempotency-Key: a post carrying a key stores its
-- rows and its answer in one transaction, so a retry with the same key
-- (the client never saw the answer) stores nothing again and gets the
-- first answer back. Keys are per tenant; a key reused with another body
-- is refused (the body's SHA-256 tells). Old keys are pruned by the
-- endpoint (a day by default).
CREATE TABLE endpoint_requests (
    tenant          text NOT NULL,
    idempotency_key text NOT NULL CHECK (idempotency_key <> ''),
    route           text NOT NULL,          -- events, accounts, metrics
    body_sha256     text NOT NULL,
    http_status     integer NOT NULL,
    response        text NOT NULL,          -- the answer's exact bytes, replayed as they were
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, idempotency_key)
);
CREATE INDEX endpoint_requests_created ON endpoint_requests (created_at);
