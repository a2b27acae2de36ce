import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaCluster } from '../src/kafka/cluster.js';
import { kafkaRuntime } from '../src/kafka/runtime.js';

const java = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
const saved = { PATH: process.env.PATH, ADBOARD_CACHE: process.env.ADBOARD_CACHE };
const folders: string[] = [];

afterEach(async () => {
  process.env.PATH = saved.PATH;
  if (saved.ADBOARD_CACHE === undefined) delete process.env.ADBOARD_CACHE;
  else process.env.ADBOARD_CACHE = saved.ADBOARD_CACHE;
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const created = await mkdtemp(join(tmpdir(), 'adboard-kafka-test-'));
  folders.push(created);
  return created;
}

/** A PATH with nothing on it but, when given, `java`. */
async function pathWith(tools: Record<string, string>): Promise<string> {
  const bin = await folder();
  for (const [name, target] of Object.entries(tools)) await symlink(target, join(bin, name));
  return bin;
}

const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;

describe('the Kafka runtime', () => {
  it('says in one line what to install when java is missing', async () => {
    process.env.PATH = await pathWith({});
    await expect(kafkaRuntime('set KAFKA_BROKERS to an existing cluster')).rejects.toThrow(
      /^Kafka needs Java 17\+ and Maven \(java is not on the PATH\): apt-get install openjdk-17-jre-headless maven; or set KAFKA_BROKERS to an existing cluster$/,
    );
  });

  it.skipIf(!java)('needs Maven only to fetch: an empty cache without mvn says so', async () => {
    process.env.ADBOARD_CACHE = await folder();
    process.env.PATH = await pathWith({ java });
    await expect(kafkaRuntime('set KAFKA_BROKERS to an existing cluster')).rejects.toThrow(
      /\(mvn is not on the PATH\): apt-get install openjdk-17-jre-headless maven/,
    );
  });

  it.skipIf(!java)('takes a broker fetched before from the cache, with no Maven', async () => {
    const fetched = await kafkaRuntime('—');
    process.env.PATH = await pathWith({ java });
    expect(await kafkaRuntime('—')).toEqual(fetched);
  });
});

describe.skipIf(!java)('a Kafka cluster of the project', { timeout: 120_000 }, () => {
  it('serves its topics, and stops leaving no JVM and no data behind, nor what a crashed run left', async () => {
    // What a launcher killed with SIGKILL leaves: its temporary folder and a node still running.
    const orphanDir = await mkdtemp(join(tmpdir(), 'adboard-kafka-'));
    const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)', orphanDir], {
      stdio: 'ignore',
    });
    await mkdir(join(orphanDir, 'node-1'));
    await writeFile(join(orphanDir, 'owner'), '999999999');
    await writeFile(join(orphanDir, 'node-1', 'pid'), String(orphan.pid));

    const cluster = await startKafkaCluster({ nodes: 1 });
    try {
      expect(orphan.exitCode ?? orphan.signalCode).not.toBeNull();
      expect(existsSync(orphanDir)).toBe(false);
      const admin = new Kafka({ brokers: cluster.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      expect((await admin.listTopics()).sort()).toEqual(['order.event', 'user.event']);
      await admin.disconnect();
    } finally {
      await cluster.stop();
    }
    expect(cluster.pids.filter(alive)).toEqual([]);
    expect(existsSync(cluster.dataDir)).toBe(false);
  });
});
