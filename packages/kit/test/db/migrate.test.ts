import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/postgres.js';

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await writeFile(join(dir, '0001_things.sql'), 'CREATE TABLE things (id int PRIMARY KEY);');
  await writeFile(join(dir, '0002_more.sql'), 'ALTER TABLE things ADD COLUMN name text;');
});
afterAll(() => database.drop());

describe('migrate', () => {
  it('applies pending migrations once, even when started concurrently', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrate(database.db, [{ name: 'svc', dir }])));
    expect(runs.flat().sort()).toEqual(['svc/0001_things.sql', 'svc/0002_more.sql']);
    expect(await migrate(database.db, [{ name: 'svc', dir }])).toEqual([]);
    await database.db.query("INSERT INTO things VALUES (1, 'one')");
  });

  it('rolls back a failing migration and names it', async () => {
    await writeFile(join(dir, '0003_broken.sql'), 'CREATE TABLE half (id int); SELECT no_such_function();');
    await expect(migrate(database.db, [{ name: 'svc', dir }])).rejects.toThrow(/svc\/0003_broken.sql failed/);
    expect((await database.db.query("SELECT to_regclass('half') AS t")).rows[0]).toEqual({ t: null });
  });
});
