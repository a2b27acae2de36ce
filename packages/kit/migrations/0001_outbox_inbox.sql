-- Transactional outbox: a row is written in the same transaction as the change it describes and
-- deleted by the relay once the event bus has accepted it.
CREATE TABLE outbox (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id          uuid        NOT NULL UNIQUE,
  topic       text        NOT NULL,
  key         text        NOT NULL,
  type        text        NOT NULL,
  payload     jsonb       NOT NULL,
  traceparent text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Wakes the relay at commit time; the relay also polls, so a missed notification only delays.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbox: the ids of handled events, written in the same transaction as the handler's effect.
CREATE TABLE inbox (
  consumer   text        NOT NULL,
  event_id   uuid        NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Messages a consumer gave up on after bounded retries, kept for inspection and replay.
CREATE TABLE dead_letter (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  consumer    text        NOT NULL,
  event_id    text        NOT NULL,
  topic       text        NOT NULL,
  key         text,
  type        text,
  payload     jsonb,
  error       text        NOT NULL,
  attempts    integer     NOT NULL,
  failed_at   timestamptz NOT NULL DEFAULT now()
);
