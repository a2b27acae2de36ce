-- Accounts with a balance that only changes together with a ledger entry, so that for every
-- account balance = Σ amount of its entries, and never below zero.
CREATE TABLE accounts (
  user_id    integer     PRIMARY KEY,
  balance    bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id         integer     NOT NULL REFERENCES accounts (user_id),
  amount          bigint      NOT NULL CHECK (amount <> 0),
  kind            text        NOT NULL,
  idempotency_key text,
  -- a reversal names the entry it reverses; an entry is reversed at most once
  reverses        bigint      UNIQUE REFERENCES ledger_entries (id),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ledger_entries_by_account ON ledger_entries (user_id, id DESC);
CREATE INDEX ledger_entries_by_key ON ledger_entries (user_id, idempotency_key);
