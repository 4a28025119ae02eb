import { readFileSync } from 'fs';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { subtractRecords } from './client-counters';

/**
 * What the servers saw, from their global counters (MariaDB `SHOW GLOBAL STATUS`, Redis
 * `INFO commandstats`), and the CPU time of each process from /proc. Global: includes anything
 * else running against the same servers at the time, which is why the client-side counts exist too.
 */
export interface ServerCounts {
  /** `Questions` and `Com_*` deltas. */
  mysql: Record<string, number>;
  /** Calls per command, scripts' inner commands included, and `total`. */
  redis: Record<string, number>;
  /**
   * CPU milliseconds: `node` (this process), `mysqld`, `redis`, `machine` (every process, from
   * /proc/stat) and `steal` (taken by the hypervisor), when /proc is readable.
   */
  cpuMs: Record<string, number>;
}

const MYSQL_VARIABLES = [
  'Questions',
  'Com_begin',
  'Com_commit',
  'Com_rollback',
  'Com_insert',
  'Com_insert_select',
  'Com_update',
  'Com_delete',
  'Com_select',
  'Innodb_buffer_pool_reads',
  'Innodb_pages_written',
];

export class ServerProbe {
  private pids: { mysqld?: number; redis?: number } = {};

  constructor(
    private readonly admin: DataSource,
    private readonly client: Redis,
  ) {}

  async init(): Promise<void> {
    this.pids.mysqld = await this.mysqldPid();
    const server = parseInfo(await this.client.info('server'));
    this.pids.redis = Number(server.process_id) || undefined;
  }

  async snapshot(): Promise<ServerCounts> {
    const rows: { Variable_name: string; Value: string }[] = await this.admin.query(
      `SHOW GLOBAL STATUS WHERE Variable_name IN (${MYSQL_VARIABLES.map(() => '?').join(', ')})`,
      MYSQL_VARIABLES,
    );
    const mysql = Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)]));
    const redis: Record<string, number> = {};
    let totalCalls = 0;
    for (const [key, value] of Object.entries(parseInfo(await this.client.info('commandstats')))) {
      const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
      redis[key.replace(/^cmdstat_/, '')] = calls;
      totalCalls += calls;
    }
    redis.total = totalCalls;
    const cpu = process.cpuUsage();
    const cpuMs: Record<string, number> = { node: (cpu.user + cpu.system) / 1000 };
    for (const [name, pid] of Object.entries(this.pids)) {
      const ms = pid ? processCpuMs(pid) : undefined;
      if (ms !== undefined) cpuMs[name] = ms;
    }
    const machine = machineCpuMs();
    if (machine !== undefined) cpuMs.machine = machine;
    const steal = stealMs();
    if (steal !== undefined) cpuMs.steal = steal;
    return { mysql, redis, cpuMs };
  }

  private async mysqldPid(): Promise<number | undefined> {
    try {
      const [{ file }]: { file: string }[] = await this.admin.query('SELECT @@pid_file AS file');
      return Number(readFileSync(file, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }
}

export function subtractServerCounts(after: ServerCounts, before: ServerCounts): ServerCounts {
  return {
    mysql: subtractRecords(after.mysql, before.mysql),
    redis: subtractRecords(after.redis, before.redis),
    cpuMs: subtractRecords(after.cpuMs, before.cpuMs),
  };
}

function parseInfo(info: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) result[line.slice(0, at)] = line.slice(at + 1);
  }
  return result;
}

/** CPU time of the whole machine (all cores; idle, iowait and steal excluded), in ms. */
function machineCpuMs(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq] = ticks.map(Number);
    return (user + nice + system + irq + softirq) * 10;
  } catch {
    return undefined;
  }
}

/** Time the hypervisor gave this VM's CPUs to others, all cores, in ms. */
function stealMs(): number | undefined {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    return Number(ticks[8]) * 10;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in ms (clock ticks of 10 ms on Linux). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
