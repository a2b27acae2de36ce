import { randomBytes } from 'node:crypto';
import type { KeyValueStore, UserClaims } from '@adboard/kit';

/**
 * Server-side sessions: the cookie holds only an opaque random id; what it stands for lives in the
 * store with a sliding expiry (each use restarts it).
 */
export class Sessions {
  constructor(
    private readonly store: KeyValueStore,
    private readonly ttlSeconds: number,
  ) {}

  async start(owner: UserClaims): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.store.set(this.key(id), JSON.stringify(owner), this.ttlSeconds);
    return id;
  }

  /** The session's owner, extending its life; null when there is no live session with this id. */
  async resume(id: string | undefined): Promise<UserClaims | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const value = await this.store.getAndTouch(this.key(id), this.ttlSeconds);
    return value === null ? null : (JSON.parse(value) as UserClaims);
  }

  async end(id: string | undefined): Promise<void> {
    if (id) await this.store.delete(this.key(id));
  }

  private key(id: string): string {
    return `session:${id}`;
  }
}
