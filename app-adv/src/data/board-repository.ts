import { formatTimestamp, INT32_MAX, type Queryable } from '@adboard/kit';
import type { BoardItem, BoardPage } from '../domain/board.js';
import type { BoardStore } from '../domain/ports.js';

interface BoardRow {
  id: number;
  title: string;
  text: string;
  created_at: Date;
  author: string;
}

/** The newest active advertisements below the cursor: a walk of the index advertisements_board. */
const NEWEST = `
  SELECT id, title, text, created_at, author FROM advertisements
  WHERE status = 'active' AND id < $1
  ORDER BY id DESC LIMIT $2 OFFSET $3`;

/**
 * The same, keeping those that have every word: the buckets of 2,048 ids (migration 0003) newest
 * first, each bucket's matches from the index advertisements_board_tokens sorted newest first; a
 * nested loop emits them in the buckets' order, so the page is complete, and the reading stops,
 * once LIMIT + OFFSET rows came. The cursor is a filter within a bucket (`id + 0`), never a range
 * over the primary key, which would cost as many entries as there are ids below it, in each bucket.
 */
const MATCHING = `
  SELECT m.id, m.title, m.text, m.created_at, m.author
  FROM generate_series(least($1 - 1, (SELECT max(id) FROM advertisements)) >> 11, 0, -1) AS bucket
  CROSS JOIN LATERAL (
    SELECT a.id, a.title, a.text, a.created_at, a.author FROM advertisements a
    WHERE a.status = 'active' AND a.id + 0 < $1
      AND board_tokens(a.words, a.id >> 11) @> board_tokens($4::text[], bucket)
    ORDER BY a.id DESC
  ) m
  LIMIT $2 OFFSET $3`;

/** The public board, read on a pool of its own (see app.ts) whose statement timeout bounds every read. */
export class BoardRepository implements BoardStore {
  constructor(private readonly db: Queryable) {}

  async page({ limit, offset, before = INT32_MAX, words }: BoardPage): Promise<BoardItem[]> {
    const { rows } = await this.db.query<BoardRow>(
      words.length > 0 ? MATCHING : NEWEST,
      words.length > 0 ? [before, limit, offset, words] : [before, limit, offset],
    );
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      text: row.text,
      createdAt: formatTimestamp(row.created_at),
      author: row.author,
    }));
  }
}

/** The statements, for the plan tests. */
export const boardStatements = { NEWEST, MATCHING };
