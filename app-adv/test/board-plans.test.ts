import { migrationsOf, type Queryable } from '@adboard/kit';
import { createTestDatabase, useStarted } from '@adboard/kit/testing';
import { describe, expect, it } from 'vitest';
import { BoardRepository } from '../src/data/board-repository.js';
import type { BoardPage } from '../src/domain/board.js';
import { boardReads, loadBoard } from './board-fixture.js';

const ADS = 300_000;

const database = useStarted(
  `a board of ${ADS} advertisements`,
  async () => {
    const created = await createTestDatabase([migrationsOf('app-adv', import.meta.url)]);
    await loadBoard(created.db, ADS);
    return created;
  },
  (created) => created.drop(),
);

const READS = boardReads(ADS);

/** The plans PostgreSQL makes for what the repository sends: with the values known, and prepared (generic). */
async function plansOf(read: BoardPage): Promise<{ custom: string; generic: string }> {
  const plans = { custom: '', generic: '' };
  const explaining: Queryable = {
    query: async (text, params = []) => {
      const lines = (rows: Record<string, string>[]) => rows.map((row) => row['QUERY PLAN']).join('\n');
      plans.custom = lines((await database.db.query(`EXPLAIN (COSTS OFF) ${text}`, params)).rows);
      plans.generic = await database.db.withClient(async (client) => {
        await client.query(`PREPARE board_read AS ${text}`);
        try {
          await client.query('SET plan_cache_mode = force_generic_plan');
          // EXPLAIN EXECUTE takes its values as literals.
          const literal = (value: unknown) =>
            Array.isArray(value)
              ? `ARRAY[${value.map((word) => client.escapeLiteral(String(word))).join(', ')}]::text[]`
              : String(value);
          const values = params.map(literal).join(', ');
          return lines((await client.query(`EXPLAIN (COSTS OFF) EXECUTE board_read(${values})`)).rows);
        } finally {
          await client.query('DEALLOCATE board_read');
          await client.query('RESET plan_cache_mode');
        }
      });
      return { rows: [] } as never;
    },
  };
  await new BoardRepository(explaining).page(read);
  return plans;
}

/** The same read answered by the plainest query there is, whatever its plan. */
async function referenceIds(read: BoardPage): Promise<number[]> {
  const { rows } = await database.db.query<{ id: number }>(
    `SELECT id FROM advertisements WHERE status = 'active' AND words @> $1::text[] AND id < $2
     ORDER BY id DESC LIMIT $3 OFFSET $4`,
    [read.words, read.before ?? 2_147_483_647, read.limit, read.offset],
  );
  return rows.map((row) => row.id);
}

describe(`the board's reads on ${ADS} advertisements`, () => {
  it.each(Object.entries(READS))(
    '%s: index-bound, whatever the planner knows of the values',
    async (_, read) => {
      for (const plan of Object.values(await plansOf(read))) {
        expect(plan).not.toMatch(/Seq Scan|BitmapAnd|on advertisements_pkey/);
        if (read.words.length === 0) {
          expect(plan).toMatch(
            /^Limit\n\s+->\s+Index (Only )?Scan using advertisements_board on advertisements/,
          );
          expect(plan).not.toMatch(/Sort/);
        } else {
          // Buckets newest first; in each, one lookup of the token index, then the bucket's matches sorted.
          expect(plan).toMatch(/Nested Loop\n\s+->\s+Function Scan on generate_series bucket/);
          expect(plan).toMatch(/Bitmap Index Scan on advertisements_board_tokens/);
        }
      }
    },
  );

  it.each(Object.entries(READS))(
    '%s: the same advertisements, in the same order, as a plain query',
    async (_, read) => {
      const found = await new BoardRepository(database.db).page(read);
      expect(found.map((item) => item.id)).toEqual(await referenceIds(read));
    },
  );
});
