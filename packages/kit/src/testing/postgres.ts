import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Database, databaseUrl } from '../db/database.js';
import { kitMigrations, migrate, type MigrationSource } from '../db/migrate.js';

export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** The server tests use: TEST_DATABASE_URL, or the embedded one the test run started (vitest global setup). */
export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set and no embedded PostgreSQL was started for the tests');
  return url;
}

/** A fresh, uniquely named database on the test server, migrated with the kit's and the given migrations. */
export async function createTestDatabase(migrations: MigrationSource[] = []): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(server, name);
  const db = new Database({ url, applicationName: 'test', maxConnections: 20 });
  await migrate(db, [kitMigrations, ...migrations]);
  return {
    url,
    db,
    drop: async () => {
      await db.close();
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
