import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopics, eventTopics, freePortRun } from '@adboard/kit';
import { kafkaRuntime, LOG_CONFIG } from './runtime.js';

export interface KafkaClusterOptions {
  /** Combined broker+controller nodes (default 3). */
  nodes?: number;
  /** server.properties lines of their own, over the defaults (e.g. `broker.session.timeout.ms`). */
  settings?: Record<string, string>;
  /** Where the nodes keep their data, kept after the stop; by default a temporary folder, removed. */
  dataDir?: string;
  /** Each node's Java heap (default 384m: about 340 MB resident per node). */
  heap?: string;
  /** What to say when Java or Maven is missing, after what to install (e.g. 'set KAFKA_BROKERS …'). */
  missingHint?: string;
}

export interface KafkaCluster {
  /** `host:port,...` of every node's client listener (KAFKA_BROKERS). */
  brokers: string;
  version: string;
  dataDir: string;
  /** Each node's JVM, by node id (1…). */
  pids: number[];
  /** Stops every node (SIGKILL for a throwaway cluster) and removes a temporary data folder. */
  stop(): Promise<void>;
}

const TEMPORARY_PREFIX = 'adboard-kafka-';
const START_TIMEOUT_MS = 120_000;
const SERVING = 'Kafka Server started';

/**
 * A real Apache Kafka cluster on 127.0.0.1 in KRaft mode: every node a broker and a controller,
 * replication factor 3 and `min.insync.replicas` 2 (with 3 nodes or more), no topic created on
 * first use. Resolves once every node serves (its log says so: an open port is not enough) and the
 * system's topics exist; on any failure, nothing it started is left running.
 */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const runtime = await kafkaRuntime(options.missingHint ?? 'set KAFKA_BROKERS to an existing cluster');
  await stopOrphans();
  const count = options.nodes ?? 3;
  const keep = options.dataDir !== undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), TEMPORARY_PREFIX)));
  await mkdir(dataDir, { recursive: true });
  // A temporary folder names its launcher, so that a next start can tell it was left behind.
  if (!keep) await writeFile(join(dataDir, 'owner'), String(process.pid));
  const base = await freePortRun(2 * count);
  const nodes = Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    dir: join(dataDir, `node-${index + 1}`),
    clientPort: base + 2 * index,
    controllerPort: base + 2 * index + 1,
  }));
  const brokers = nodes.map((node) => `127.0.0.1:${node.clientPort}`).join(',');
  const voters = nodes.map((node) => `${node.id}@127.0.0.1:${node.controllerPort}`).join(',');
  const java = (args: string[]) => [
    `-Dlog4j2.configurationFile=${LOG_CONFIG}`,
    '-cp',
    runtime.classpath,
    ...args,
  ];

  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll); // a launcher that dies still takes its cluster with it
  const stop = async () => {
    process.off('exit', killAll);
    const exited = children.map((child) => exitOf(child));
    if (keep) {
      for (const child of children) child.kill('SIGTERM'); // a controlled shutdown keeps the data consistent
      await Promise.race([Promise.all(exited), delay(15_000)]);
    }
    killAll();
    await Promise.all(exited);
    if (!keep) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const clusterId = await clusterIdOf(dataDir);
    await Promise.all(
      nodes.map(async (node) => {
        await mkdir(node.dir, { recursive: true });
        const properties = join(node.dir, 'server.properties');
        const own = {
          'node.id': String(node.id),
          listeners: `PLAINTEXT://127.0.0.1:${node.clientPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
          'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.clientPort}`,
          'controller.quorum.voters': voters,
          'log.dirs': join(node.dir, 'data'),
        };
        await writeFile(
          properties,
          propertiesText({ ...serverDefaults(count), ...own, ...options.settings }),
        );
        if (existsSync(join(node.dir, 'data', 'meta.properties'))) return;
        const format = spawnSync(
          'java',
          java(['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties]),
          { encoding: 'utf8' },
        );
        if (format.status !== 0)
          throw new Error(`formatting Kafka node ${node.id} failed: ${format.stdout}${format.stderr}`.trim());
      }),
    );
    for (const node of nodes) {
      const log = openSync(join(node.dir, 'server.log'), 'w');
      const heap = options.heap ?? '384m';
      const child = spawn(
        'java',
        [
          `-Xms${heap}`,
          `-Xmx${heap}`,
          '-XX:+UseG1GC',
          ...java(['kafka.Kafka', join(node.dir, 'server.properties')]),
        ],
        { detached: true, stdio: ['ignore', log, log] },
      );
      closeSync(log);
      children.push(child);
      await writeFile(join(node.dir, 'pid'), String(child.pid));
    }
    await Promise.all(nodes.map((node, index) => untilServing(node.id, node.dir, children[index]!)));
    await createTopics(brokers.split(','), eventTopics());
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    brokers,
    version: runtime.version,
    dataDir,
    pids: children.map((child) => child.pid!),
    stop,
  };
}

/** `a=1,b=2` → `{ a: '1', b: '2' }`. */
export function parseSettings(text = ''): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const equals = entry.indexOf('=');
    if (equals < 1) throw new Error(`"${entry}" is not key=value`);
    settings[entry.slice(0, equals).trim()] = entry.slice(equals + 1).trim();
  }
  return settings;
}

/** A single-host cluster's settings; the internal topics as replicated as the topics. */
function serverDefaults(count: number): Record<string, string> {
  const replicas = String(Math.min(count, 3));
  const inSync = String(Math.min(count, 2));
  return {
    'process.roles': 'broker,controller',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'auto.create.topics.enable': 'false',
    'num.partitions': '3',
    'default.replication.factor': replicas,
    'min.insync.replicas': inSync,
    'offsets.topic.replication.factor': replicas,
    // The consumer groups' offsets topic is created at the first group's join: 50 partitions by default.
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': inSync,
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': inSync,
    'group.initial.rebalance.delay.ms': '0',
  };
}

function propertiesText(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/** The cluster id the nodes were formatted with, or a new one (a base64url UUID, as Kafka's own). */
async function clusterIdOf(dataDir: string): Promise<string> {
  const file = join(dataDir, 'cluster.id');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  await writeFile(file, id);
  return id;
}

async function untilServing(id: number, dir: string, child: ChildProcess): Promise<void> {
  const log = join(dir, 'server.log');
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (readFileSync(log, 'utf8').includes(SERVING)) return;
    const tail = () => readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n');
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`Kafka node ${id} exited before it served (${log}):\n${tail()}`);
    if (Date.now() > deadline)
      throw new Error(
        `Kafka node ${id} did not serve within ${START_TIMEOUT_MS / 1000} s (${log}):\n${tail()}`,
      );
    await delay(200);
  }
}

/**
 * The nodes of temporary clusters whose launcher died without stopping them (SIGKILL): stopped,
 * and their folders removed, so a crash leaves nothing behind past the next start.
 */
async function stopOrphans(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => []);
  for (const entry of entries.filter((name) => name.startsWith(TEMPORARY_PREFIX))) {
    const dir = join(tmpdir(), entry);
    const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => '0'));
    if (owner === 0 || alive(owner)) continue;
    for (const node of await readdir(dir).catch(() => [])) {
      const pid = Number(await readFile(join(dir, node, 'pid'), 'utf8').catch(() => '0'));
      const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (pid > 0 && command.includes(dir)) process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
