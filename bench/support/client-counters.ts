import Redis, { type Command } from 'ioredis';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * What this process sent: SQL statements (counted by TypeORM's logger hook, which sees every query a
 * query runner sends) and Redis commands (counted by wrapping ioredis's sendCommand, which every
 * command goes through, pipelined or not). Independent of whatever else runs on the servers.
 */
export interface ClientCounts {
  /** Statements by kind: `START`, `COMMIT`, `INSERT inbox`, `UPDATE outbox`... */
  sql: Record<string, number>;
  /** Commands by name; Lua scripts as `evalsha:<script name>`. */
  redis: Record<string, number>;
  /** Socket writes: one per command sent alone, one per pipeline (auto-pipelining, multi). */
  redisWrites: number;
}

const counts: ClientCounts = { sql: {}, redis: {}, redisWrites: 0 };
const IGNORED = Symbol('bench.ignored');
const seenPipelines = new WeakSet<object>();
let installed = false;

type Tagged = Redis & { [IGNORED]?: boolean; scriptsSet?: Record<string, { sha: string }> };
type SendCommand = (this: Redis, command: Command, stream?: unknown, node?: unknown) => unknown;

/** Leaves a client's commands out of the counts (the bench's own polling). */
export function ignoreClient(client: Redis): Redis {
  (client as Tagged)[IGNORED] = true;
  return client;
}

/** Wraps ioredis's sendCommand once per process. */
export function installRedisCounter(): void {
  if (installed) return;
  installed = true;
  const original = Redis.prototype.sendCommand as SendCommand;
  const wrapped: SendCommand = function (this: Redis, command, stream, node) {
    const client = this as Tagged;
    if (!client[IGNORED]) countRedis(client, command, stream);
    return original.call(this, command, stream, node);
  };
  Redis.prototype.sendCommand = wrapped as typeof Redis.prototype.sendCommand;
}

function countRedis(client: Tagged, command: Command, stream: unknown): void {
  let name = command.name.toLowerCase();
  if (name === 'evalsha') name += `:${scriptName(client, String(command.args[0]))}`;
  counts.redis[name] = (counts.redis[name] ?? 0) + 1;
  const pipeline = stream as { isPipeline?: boolean } | undefined;
  if (!pipeline?.isPipeline) counts.redisWrites++;
  else if (!seenPipelines.has(pipeline)) {
    seenPipelines.add(pipeline);
    counts.redisWrites++;
  }
}

const scriptNames = new Map<string, string>();

/** The name BullMQ gave a Lua script, from the client's defined commands (cached by sha). */
function scriptName(client: Tagged, sha: string): string {
  let name = scriptNames.get(sha);
  if (name === undefined) {
    const found = Object.entries(client.scriptsSet ?? {}).find(([, script]) => script.sha === sha);
    name = found ? found[0] : sha.slice(0, 8);
    scriptNames.set(sha, name);
  }
  return name;
}

/** A TypeORM logger that counts statements instead of printing them. */
export class CountingLogger implements TypeOrmLogger {
  logQuery(query: string): void {
    const kind = statementKind(query);
    counts.sql[kind] = (counts.sql[kind] ?? 0) + 1;
  }
  logQueryError(error: string | Error, query: string): void {
    counts.sql['(failed)'] = (counts.sql['(failed)'] ?? 0) + 1;
    if (process.env.BENCH_DEBUG) console.error(`query failed: ${String(error)} ${query}`);
  }
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** `INSERT outbox`, `SELECT inbox`, `START`, `COMMIT`: the verb and, for tables, which table. */
export function statementKind(query: string): string {
  const verb = query.trimStart().split(/\s+/, 1)[0].toUpperCase();
  const table = /\b(?:INTO|UPDATE|FROM)\s+`?([A-Za-z0-9_]+)`?/i.exec(query)?.[1];
  if (!table) return verb;
  const short = ['outbox', 'inbox', 'row'].find((suffix) => table.endsWith(suffix)) ?? 'other';
  return `${verb} ${short}`;
}

export function clientCounts(): ClientCounts {
  return structuredClone(counts);
}

export function subtractCounts(after: ClientCounts, before: ClientCounts): ClientCounts {
  return {
    sql: subtractRecords(after.sql, before.sql),
    redis: subtractRecords(after.redis, before.redis),
    redisWrites: after.redisWrites - before.redisWrites,
  };
}

export function subtractRecords(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) result[key] = delta;
  }
  return result;
}

export function total(record: Record<string, number>): number {
  return Object.values(record).reduce((sum, value) => sum + value, 0);
}
