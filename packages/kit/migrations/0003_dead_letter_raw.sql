-- A dead letter keeps the message's exact bytes, whatever they are: jsonb refuses some JSON (U+0000,
-- a lone surrogate) and a value from the bus may not be JSON at all. `payload` keeps what parses.
ALTER TABLE dead_letter ADD COLUMN raw bytea;
UPDATE dead_letter SET raw = convert_to(coalesce(payload::text, ''), 'UTF8');
ALTER TABLE dead_letter ALTER COLUMN raw SET NOT NULL;

-- The bytes as jsonb, or NULL when they are not UTF-8 JSON that jsonb can hold (any data exception).
CREATE FUNCTION jsonb_or_null(bytes bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN convert_from(bytes, 'UTF8')::jsonb;
EXCEPTION WHEN data_exception THEN
  RETURN NULL;
END $$;
