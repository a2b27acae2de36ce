import { isUniqueViolation, type Queryable } from '@adboard/kit';
import type { NewUser, ProfileChanges, User } from '../domain/user.js';

interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: number;
}

const columns = 'id, username, password_hash, first_name, last_name, email, phone';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
  };
}

/** Which unique rule a failed insert or update broke, if any. */
export function violatedUniqueness(error: unknown): 'username' | 'email' | undefined {
  if (isUniqueViolation(error, 'users_username_key')) return 'username';
  if (isUniqueViolation(error, 'users_email_key')) return 'email';
  return undefined;
}

export class UserRepository {
  constructor(private readonly db: Queryable) {}

  async findById(id: number): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${columns} FROM users WHERE id = $1`, [id]);
    return rows[0] && toUser(rows[0]);
  }

  async findWithPassword(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${columns} FROM users WHERE username = $1`, [
      username,
    ]);
    return rows[0] && { user: toUser(rows[0]), passwordHash: rows[0].password_hash };
  }

  /**
   * Which of a registration's unique fields other users hold, read in one statement so both answers
   * come from one snapshot (two statements could see a competing registration commit in between).
   */
  async takenFields(username: string, email: string): Promise<{ username: boolean; email: boolean }> {
    const { rows } = await this.db.query<{ username: boolean; email: boolean }>(
      `SELECT coalesce(bool_or(username = $1), false) AS username,
              coalesce(bool_or(lower(email) = lower($2)), false) AS email
       FROM users WHERE username = $1 OR lower(email) = lower($2)`,
      [username, email],
    );
    return rows[0]!;
  }

  async emailTaken(email: string, exceptUserId = 0): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2',
      [email, exceptUserId],
    );
    return rowCount! > 0;
  }

  async insert(user: NewUser): Promise<User> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (username, password_hash, first_name, last_name, email, phone)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${columns}`,
      [user.username, user.passwordHash, user.firstName, user.lastName, user.email, user.phone],
    );
    return toUser(rows[0]!);
  }

  async update(id: number, changes: ProfileChanges): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `UPDATE users SET
         first_name = COALESCE($2, first_name),
         last_name  = COALESCE($3, last_name),
         email      = COALESCE($4, email),
         phone      = COALESCE($5, phone),
         updated_at = now()
       WHERE id = $1 RETURNING ${columns}`,
      [id, changes.firstName ?? null, changes.lastName ?? null, changes.email ?? null, changes.phone ?? null],
    );
    return rows[0] && toUser(rows[0]);
  }
}
