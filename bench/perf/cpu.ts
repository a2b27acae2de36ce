import { readdirSync, readFileSync } from 'node:fs';

/** Where the machine's CPU went while a path was measured, in cores (1.0 = one core busy). */
export type CpuShares = Record<'system' | 'postgres' | 'redis' | 'load generator' | 'other', number>;

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
      ticks: Number(fields[11]) + Number(fields[12]), // utime + stime
    });
  }
  return processes;
}

/**
 * Starts counting CPU time per process; the returned function tells how it was shared since:
 * the system under test (the process tree of `systemPid`, PostgreSQL excepted), PostgreSQL, Redis,
 * this process (the load generator) and the rest of the machine.
 */
export function countCpu(systemPid: number): () => CpuShares {
  const before = readProcesses();
  const started = process.hrtime.bigint();
  return () => {
    const after = readProcesses();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const inSystem = (pid: number): boolean => {
      for (let current = after.get(pid); current; current = after.get(current.ppid))
        if (current.pid === systemPid) return true;
      return false;
    };
    const shares: CpuShares = { system: 0, postgres: 0, redis: 0, 'load generator': 0, other: 0 };
    for (const [pid, now] of after) {
      const used = (now.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
      if (used <= 0) continue;
      const group: keyof CpuShares =
        now.command === 'postgres'
          ? 'postgres'
          : now.command === 'redis-server'
            ? 'redis'
            : pid === process.pid
              ? 'load generator'
              : inSystem(pid)
                ? 'system'
                : 'other';
      shares[group] += used / seconds;
    }
    for (const group of Object.keys(shares) as (keyof CpuShares)[])
      shares[group] = Math.round(shares[group] * 100) / 100;
    return shares;
  };
}
