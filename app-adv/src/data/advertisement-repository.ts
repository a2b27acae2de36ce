import { formatTimestamp, type Queryable } from '@adboard/kit';
import type { Advertisement, AdvertisementStatus } from '../domain/advertisement.js';
import type { AdvertisementStore } from '../domain/ports.js';
import { wordsOf } from '../domain/board.js';

interface AdvertisementRow {
  id: number;
  user_id: number;
  title: string;
  text: string;
  cost: number;
  status: AdvertisementStatus;
  created_at: Date;
  updated_at: Date;
}

const toAdvertisement = (row: AdvertisementRow): Advertisement => ({
  id: row.id,
  userId: row.user_id,
  title: row.title,
  text: row.text,
  cost: row.cost,
  status: row.status,
  createdAt: formatTimestamp(row.created_at),
  updatedAt: formatTimestamp(row.updated_at),
});

const columns = 'id, user_id, title, text, cost, status, created_at, updated_at';

export class AdvertisementRepository implements AdvertisementStore {
  constructor(private readonly db: Queryable) {}

  async reserve(
    userId: number,
    key: string,
    ad: { title: string; text: string; cost: number; author: string },
  ): Promise<Advertisement> {
    const { rows } = await this.db.query<AdvertisementRow>(
      `INSERT INTO advertisements (user_id, idempotency_key, title, text, cost, author, words, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending')
       ON CONFLICT (user_id, idempotency_key) DO UPDATE
         SET title = EXCLUDED.title, text = EXCLUDED.text, cost = EXCLUDED.cost, author = EXCLUDED.author,
             words = EXCLUDED.words, status = 'pending', updated_at = now()
       RETURNING ${columns}`,
      [userId, key, ad.title, ad.text, ad.cost, ad.author, wordsOf(`${ad.title} ${ad.text}`)],
    );
    return toAdvertisement(rows[0]!);
  }

  async setStatus(id: number, status: AdvertisementStatus): Promise<void> {
    await this.db.query('UPDATE advertisements SET status = $2, updated_at = now() WHERE id = $1', [
      id,
      status,
    ]);
  }

  async byId(id: number): Promise<Advertisement | undefined> {
    const { rows } = await this.db.query<AdvertisementRow>(
      `SELECT ${columns} FROM advertisements WHERE id = $1`,
      [id],
    );
    return rows[0] && toAdvertisement(rows[0]);
  }

  async ofUser(userId: number, page: { limit: number; offset: number }): Promise<Advertisement[]> {
    const { rows } = await this.db.query<AdvertisementRow>(
      `SELECT ${columns} FROM advertisements WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    );
    return rows.map(toAdvertisement);
  }
}
