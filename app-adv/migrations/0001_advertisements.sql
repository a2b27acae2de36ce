-- One advertisement per (user, idempotency key): a repeat of a failed purchase with the same key
-- buys the same advertisement again.
CREATE TABLE advertisements (
  id              integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         integer     NOT NULL,
  idempotency_key text        NOT NULL,
  title           text        NOT NULL,
  text            text        NOT NULL,
  cost            integer     NOT NULL CHECK (cost > 0),
  status          text        NOT NULL CHECK (status IN ('pending', 'active', 'failed')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, idempotency_key)
);

CREATE INDEX advertisements_by_user ON advertisements (user_id, id DESC);

-- The purchase saga, one row per attempt: its state is stored before every action it takes.
CREATE TABLE purchases (
  id               uuid        PRIMARY KEY,
  user_id          integer     NOT NULL,
  idempotency_key  text        NOT NULL,
  attempt          integer     NOT NULL,
  fingerprint      text        NOT NULL,
  advertisement_id integer     NOT NULL REFERENCES advertisements (id),
  email            text        NOT NULL,
  cost             integer     NOT NULL,
  state            text        NOT NULL,
  failure          text,
  version          integer     NOT NULL DEFAULT 0,
  retries          integer     NOT NULL DEFAULT 0,
  last_error       text,
  next_run_at      timestamptz NOT NULL DEFAULT now(),
  -- a bonus accrual whose answer was lost may still commit until its deadline: compensate after it
  bonus_settles_at timestamptz,
  lease_owner      text,
  lease_until      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (user_id, idempotency_key, attempt)
);

CREATE INDEX purchases_unfinished ON purchases (next_run_at) WHERE finished_at IS NULL;
