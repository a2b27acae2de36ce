import { messages, ValidationError, type FieldError } from '@adboard/kit';
import type { BoardStore } from './ports.js';

/** An advertisement as the public board shows it: no user id, e-mail or phone, only the username. */
export interface BoardItem {
  id: number;
  title: string;
  text: string;
  createdAt: string;
  author: string;
}

/** What the board is asked for: a page, optionally below a cursor, of the matches of every word. */
export interface BoardPage {
  limit: number;
  offset: number;
  /** Only advertisements with a smaller id (the last id of the page before): a keyset cursor. */
  before?: number;
  words: string[];
}

/** Pages reach the newest this many matches (page × limit); past them the `before` cursor goes on. */
export const BOARD_DEPTH = 1_000;

/** The most words `q` may have: each costs an index lookup in every bucket the search reads. */
export const QUERY_MAX_WORDS = 10;

/**
 * The words search matches: maximal runs of letters, marks and digits, lower-cased (Unicode rules,
 * not the database's locale), each once. `q` matches an advertisement when every word of `q` is one
 * of the advertisement's words.
 */
export function wordsOf(text: string): string[] {
  return [
    ...new Set(
      text
        .normalize('NFC')
        .toLowerCase()
        .match(/[\p{L}\p{M}\p{N}]+/gu) ?? [],
    ),
  ];
}

/**
 * The public board, newest first; `query` keeps the advertisements that have every one of its words.
 * A page deeper than BOARD_DEPTH or a query of more than QUERY_MAX_WORDS words is a validation error,
 * so that every read stays within a bounded amount of work.
 */
export async function boardOf(
  board: BoardStore,
  request: { limit: number; offset: number; before?: number; query?: string },
): Promise<BoardItem[]> {
  const words = wordsOf(request.query ?? '');
  const errors: FieldError[] = [];
  if (request.offset + request.limit > BOARD_DEPTH) {
    errors.push({ field: 'page', text: messages.atMost(Math.floor(BOARD_DEPTH / request.limit)) });
  }
  if (words.length > QUERY_MAX_WORDS) {
    errors.push({ field: 'q', text: `This value should have ${QUERY_MAX_WORDS} words or fewer.` });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  const { limit, offset, before } = request;
  return board.page({ limit, offset, words, ...(before === undefined ? {} : { before }) });
}
