-- The board's search, bounded whatever `q` is (GET /api/v1/board, issue 19). The GIN index over
-- `words` found the matches of a word but not the newest ones: a frequent word meant sorting most of
-- the table, a missing word let the planner walk the id index through every row instead.
--
-- Now every word is indexed together with its advertisement's bucket of 2,048 consecutive ids
-- (`word#bucket`), so one index lookup finds a word's matches among 2,048 advertisements. The board
-- reads the buckets newest first and stops once the page is full: at most one bucket's matches are
-- read beyond the page, and a word absent from a bucket costs one index lookup.
-- The bucket size (`id >> 11`) is repeated in data/board-repository.ts, whose plan test uses this index.

-- Building the index reads the whole table: no statement timeout for this migration.
SET LOCAL statement_timeout = 0;

CREATE FUNCTION board_tokens(words text[], bucket integer) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT array_agg(word || '#' || bucket::text) FROM unnest(words) AS word $$;

-- fastupdate off: no pending list that every search would have to read; each activation writes its
-- entries at once instead.
CREATE INDEX advertisements_board_tokens ON advertisements
  USING gin (board_tokens(words, id >> 11)) WITH (fastupdate = off)
  WHERE status = 'active';

DROP INDEX advertisements_board_words;
