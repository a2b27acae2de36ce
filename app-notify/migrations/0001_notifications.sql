CREATE TABLE notifications (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- the order.event that produced it: a message delivered twice is stored once
  event_id   uuid        NOT NULL UNIQUE,
  user_id    integer     NOT NULL,
  email      text        NOT NULL,
  text       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notifications_by_user ON notifications (user_id, id);
