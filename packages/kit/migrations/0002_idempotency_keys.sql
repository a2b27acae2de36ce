-- Idempotency keys: written in the same transaction as the effect they guard. The primary key
-- decides who wins a race; a completed key replays its stored response.
CREATE TABLE idempotency_keys (
  scope         text        NOT NULL,
  key           text        NOT NULL,
  fingerprint   text        NOT NULL,
  response_body jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
