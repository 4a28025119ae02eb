import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { benchDatabase, type BenchDatabase } from './bench-database';
import { subtractRecords } from './client-counters';
import { machineCpuMs, stealMs, processCpuMs } from './proc-cpu';

/**
 * What the servers saw, from their global counters (the database's, see `BenchDatabase.counters`;
 * Redis `INFO commandstats`), and the CPU time of each process from /proc. Global: includes anything
 * else running against the same servers at the time, which is why the client-side counts exist too.
 */
export interface ServerCounts {
  /** The database's counters it has: MariaDB `Questions`, `Com_*`...; none on PostgreSQL. */
  database: Record<string, number>;
  /** Calls per command, scripts' inner commands included, and `total`. */
  redis: Record<string, number>;
  /**
   * CPU milliseconds: `node` (this process), the database server (`mysqld`, `postgres`), `redis`,
   * `machine` (every process, from /proc/stat) and `steal` (taken by the hypervisor), when /proc
   * is readable.
   */
  cpuMs: Record<string, number>;
}

/** The processes of the system under test, as keys of `cpuMs`: node, the database, redis. */
export function measuredProcesses(): string[] {
  return ['node', benchDatabase().serverProcess, 'redis'];
}

export class ServerProbe {
  private databaseCpuMs: () => number | undefined = () => undefined;
  private redisPid: number | undefined;

  constructor(
    private readonly database: BenchDatabase,
    private readonly admin: DataSource,
    private readonly client: Redis,
  ) {}

  async init(): Promise<void> {
    this.databaseCpuMs = await this.database.cpuReader(this.admin);
    const server = parseInfo(await this.client.info('server'));
    this.redisPid = Number(server.process_id) || undefined;
  }

  async snapshot(): Promise<ServerCounts> {
    const database = await this.database.counters(this.admin);
    const redis: Record<string, number> = {};
    let totalCalls = 0;
    for (const [key, value] of Object.entries(parseInfo(await this.client.info('commandstats')))) {
      const calls = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
      redis[key.replace(/^cmdstat_/, '')] = calls;
      totalCalls += calls;
    }
    redis.total = totalCalls;
    const cpu = process.cpuUsage();
    const readings: Record<string, number | undefined> = {
      node: (cpu.user + cpu.system) / 1000,
      [this.database.serverProcess]: this.databaseCpuMs(),
      redis: this.redisPid ? processCpuMs(this.redisPid) : undefined,
      machine: machineCpuMs(),
      steal: stealMs(),
    };
    const cpuMs: Record<string, number> = {};
    for (const [name, ms] of Object.entries(readings)) if (ms !== undefined) cpuMs[name] = ms;
    return { database, redis, cpuMs };
  }
}

export function subtractServerCounts(after: ServerCounts, before: ServerCounts): ServerCounts {
  return {
    database: subtractRecords(after.database, before.database),
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
