-- The public board (GET /api/v1/board). app-adv writes both new columns with the advertisement:
-- `author` is the buyer's username from their token (app-adv keeps no user directory), `words` the
-- lower-cased words of the title and text that `q` matches (split and lower-cased in TypeScript, so
-- the result does not depend on the database's locale).
ALTER TABLE advertisements ADD COLUMN author text NOT NULL DEFAULT '';
ALTER TABLE advertisements ADD COLUMN words text[] NOT NULL DEFAULT '{}';

-- Rows from before this migration: the words as well as SQL can split them (lower() follows the
-- database's locale); their author stays empty, as no username was stored for them.
UPDATE advertisements
SET words = ARRAY(SELECT DISTINCT w FROM unnest(regexp_split_to_array(lower(title || ' ' || text), '[^[:alnum:]]+')) AS w WHERE w <> '');

-- The board's two queries: newest active first, and the same filtered by words (GIN containment).
CREATE INDEX advertisements_board ON advertisements (id DESC) WHERE status = 'active';
CREATE INDEX advertisements_board_words ON advertisements USING gin (words) WHERE status = 'active';

-- The purchase's steps as the saga stored them (GET /api/v1/adv/{id}/purchase), written in the same
-- statement as the state transition they belong to, so the two never disagree.
CREATE TABLE purchase_steps (
  purchase_id uuid        NOT NULL REFERENCES purchases (id),
  step        text        NOT NULL CHECK (step IN ('bonus accrual', 'payment', 'bonus reversal', 'activation', 'notification')),
  outcome     text        NOT NULL CHECK (outcome IN ('done', 'refused', 'retrying', 'compensated')),
  attempts    integer     NOT NULL CHECK (attempts >= 0),
  at          timestamptz NOT NULL,
  -- the order in which the steps first happened
  position    bigint      GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (purchase_id, step)
);

-- The newest attempt of an advertisement's purchase.
CREATE INDEX purchases_by_advertisement ON purchases (advertisement_id, attempt DESC);
