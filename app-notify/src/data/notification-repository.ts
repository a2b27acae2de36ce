import { formatTimestamp, type Queryable } from '@adboard/kit';

export interface Notification {
  userId: number;
  email: string;
  text: string;
  createdAt: string;
}

interface NotificationRow {
  user_id: number;
  email: string;
  text: string;
  created_at: Date;
}

export class NotificationRepository {
  constructor(private readonly db: Queryable) {}

  async add(eventId: string, notification: Omit<Notification, 'createdAt'>): Promise<void> {
    await this.db.query(
      'INSERT INTO notifications (event_id, user_id, email, text) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING',
      [eventId, notification.userId, notification.email, notification.text],
    );
  }

  /** Oldest first. */
  async forUser(userId: number, page: { limit: number; offset: number }): Promise<Notification[]> {
    const { rows } = await this.db.query<NotificationRow>(
      'SELECT user_id, email, text, created_at FROM notifications WHERE user_id = $1 ORDER BY id LIMIT $2 OFFSET $3',
      [userId, page.limit, page.offset],
    );
    return rows.map((row) => ({
      userId: row.user_id,
      email: row.email,
      text: row.text,
      createdAt: formatTimestamp(row.created_at),
    }));
  }
}
