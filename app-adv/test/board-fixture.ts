import type { Database } from '@adboard/kit';
import { BOARD_DEPTH, type BoardPage } from '../src/domain/board.js';

/**
 * The words of a generated board, by how many of its advertisements have each: advertisement n has
 * `half<n % 2>`, `tenth<n % 10>`, `hundredth<n % 100>`, `thousandth<n % 1000>`, `rare<n % (count/10)>`,
 * and `old` when it is among the oldest third. Every 97th advertisement is not active.
 */
export const BOARD_WORDS = {
  /** Each in half of the advertisements, never both in one. */
  everyOther: ['half0', 'half1'],
  oneInTen: 'tenth3',
  oneInHundred: 'hundredth7',
  oneInThousand: 'thousandth5',
  /** In ten advertisements spread over the whole board. */
  inTen: 'rare17',
  /** In every advertisement of the oldest third and in none of the others. */
  oldestThird: 'old',
  missing: 'nowhere',
} as const;

/**
 * Loads `count` advertisements with one INSERT ... SELECT, then ANALYZE, so plans are made with
 * fresh statistics. The board's indexes are dropped for the load and built again from their own
 * definitions afterwards (a bulk build is several times faster than `count` insertions); all in one
 * transaction without a statement timeout, whatever `count` is.
 */
export function loadBoard(database: Database, count: number): Promise<void> {
  return database.transaction(async (db) => {
    await db.query('SET LOCAL statement_timeout = 0');
    const { rows: indexes } = await db.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
     WHERE tablename = 'advertisements' AND indexname LIKE 'advertisements_board%'`,
    );
    for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);
    await db.query(
      `INSERT INTO advertisements (user_id, idempotency_key, title, text, cost, status, author, words)
     SELECT n % 5000, 'board-' || n, 'Advertisement ' || n, array_to_string(words, ' '), 100,
            CASE WHEN n % 97 = 0 THEN 'failed' ELSE 'active' END, 'user' || (n % 5000), words
     FROM generate_series(1, $1::int) AS n,
          LATERAL (SELECT ARRAY['advertisement', 'half' || n % 2, 'tenth' || n % 10, 'hundredth' || n % 100,
                                'thousandth' || n % 1000, 'rare' || n % ($1::int / 10), 'for', 'sale']
                          || CASE WHEN n <= $1::int / 3 THEN ARRAY['old'] ELSE ARRAY[]::text[] END AS words) AS w`,
      [count],
    );
    for (const index of indexes) await db.query(index.definition);
    await db.query('ANALYZE advertisements');
  });
}

/**
 * Every kind of read of a board of `count` generated advertisements that the plan test checks and
 * the benchmark times (bench/board.ts): first and deepest pages, cursors, and words from the most
 * to the least frequent, alone and together.
 */
export function boardReads(count: number): Record<string, BoardPage> {
  const { everyOther, oneInTen, oneInHundred, oneInThousand, inTen, oldestThird, missing } = BOARD_WORDS;
  const first = (words: string[], extra: Partial<BoardPage> = {}): BoardPage => ({
    limit: 20,
    offset: 0,
    words,
    ...extra,
  });
  const deepest = (words: string[]) => first(words, { offset: BOARD_DEPTH - 20 });
  return {
    'page 1': first([]),
    'the deepest page': deepest([]),
    '100 a page': first([], { limit: 100 }),
    'a page below a cursor': first([], { before: count / 2 }),
    'a common word': first([everyOther[0]]),
    'a common word, deepest page': deepest([everyOther[0]]),
    'a common word below a cursor': first([everyOther[1]], { before: count / 2 + 1 }),
    'a word in 1 of 10': first([oneInTen]),
    'a word in 1 of 10, deepest page': deepest([oneInTen]),
    'a word in 1 of 100': first([oneInHundred]),
    'a word in 1 of 100, deepest page': deepest([oneInHundred]),
    'a word in 1 of 1,000, 100 a page': first([oneInThousand], { limit: 100 }),
    'a rare word (10 ads)': first([inTen]),
    'a missing word': first([missing]),
    'two common words, never together': first([...everyOther]),
    'two common words, never together, deepest page': deepest([...everyOther]),
    'a common and a missing word': first([everyOther[0], missing]),
    'a word of the oldest third only': first([oldestThird]),
    'a word of the oldest third only, deepest page': deepest([oldestThird]),
    '10 words, one missing': first([
      'advertisement',
      'for',
      'sale',
      everyOther[0],
      oneInTen,
      oneInHundred,
      oneInThousand,
      inTen,
      oldestThird,
      missing,
    ]),
  };
}
