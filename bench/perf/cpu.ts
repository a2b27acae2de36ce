import { readdirSync, readFileSync } from 'node:fs';

/** Where the machine's CPU went while a path was measured, in cores (1.0 = one core busy). */
export type CpuShares = Record<'system' | 'postgres' | 'redis' | 'load generator' | 'other', number>;

/** The same, and the system's share split by its named processes (one per service when distributed). */
export interface CpuUse {
  shares: CpuShares;
  processes: Record<string, number>;
}

interface ProcessTicks {
  pid: number;
  ppid: number;
  command: string;
  ticks: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readProcesses(): Map<number, ProcessTicks> {
  const processes = new Map<number, ProcessTicks>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended while we looked
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    processes.set(Number(entry), {
      pid: Number(entry),
      ppid: Number(fields[1]),
      command: stat.slice(stat.indexOf('(') + 1, close),
      // utime + stime, and cutime + cstime: the time of children it reaped (pgbench's connections'
      // backends end before the count is read, and their time is then their postmaster's).
      ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
    });
  }
  return processes;
}

/**
 * Starts counting CPU time per process; the returned function tells how it was shared since:
 * the system under test (the process tree of `systemPid`, PostgreSQL excepted), PostgreSQL, Redis,
 * the load generator (this process, or pgbench) and the rest of the machine; and each of `named`
 * (name → pid, with its descendants).
 */
export function countCpu(systemPid: number, named: Record<string, number> = {}): () => CpuUse {
  const before = readProcesses();
  const started = process.hrtime.bigint();
  return () => {
    const after = readProcesses();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const descendsFrom = (pid: number, ancestor: number): boolean => {
      for (let current = after.get(pid); current; current = after.get(current.ppid))
        if (current.pid === ancestor) return true;
      return false;
    };
    const shares: CpuShares = { system: 0, postgres: 0, redis: 0, 'load generator': 0, other: 0 };
    const processes: Record<string, number> = Object.fromEntries(Object.keys(named).map((name) => [name, 0]));
    for (const [pid, now] of after) {
      const used = (now.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
      if (used <= 0) continue;
      const group: keyof CpuShares =
        now.command === 'postgres'
          ? 'postgres'
          : now.command === 'redis-server'
            ? 'redis'
            : pid === process.pid || now.command === 'pgbench'
              ? 'load generator'
              : descendsFrom(pid, systemPid)
                ? 'system'
                : 'other';
      shares[group] += used / seconds;
      if (group !== 'system') continue;
      const owner = Object.entries(named).find(([, namedPid]) => descendsFrom(pid, namedPid))?.[0];
      if (owner) processes[owner] = (processes[owner] ?? 0) + used / seconds;
    }
    const rounded = (cores: number) => Math.round(cores * 1000) / 1000;
    for (const group of Object.keys(shares) as (keyof CpuShares)[]) shares[group] = rounded(shares[group]);
    for (const name of Object.keys(processes)) processes[name] = rounded(processes[name]!);
    return { shares, processes };
  };
}

/** CPU time per request in µs, by where it was spent: each named process, then PostgreSQL, Redis and the load generator. */
export function cpuPerRequestUs(use: CpuUse, requestsPerSecond: number): Record<string, number> {
  const perRequest = (cores: number) => Math.round((cores * 1e6) / requestsPerSecond);
  const { postgres, redis, 'load generator': loadGenerator } = use.shares;
  return Object.fromEntries(
    Object.entries({ ...use.processes, postgres, redis, 'load generator': loadGenerator })
      .filter(([, cores]) => cores > 0)
      .map(([name, cores]) => [name, perRequest(cores)]),
  );
}
