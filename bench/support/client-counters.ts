import Redis, { type Command } from 'ioredis';
import { Socket } from 'net';
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
  /** Writes to the sockets of counted clients: a pipeline or a corked batch of commands is one. */
  redisWrites: number;
}

const counts: ClientCounts = { sql: {}, redis: {}, redisWrites: 0 };
const IGNORED = Symbol('bench.ignored');
const COUNTED = Symbol('bench.counted');
let installed = false;

type Tagged = Redis & { [IGNORED]?: boolean; scriptsSet?: Record<string, { sha: string }> };
type CountedSocket = Socket & { [COUNTED]?: boolean };
type SocketWrite = (this: CountedSocket, ...args: unknown[]) => unknown;
type SendCommand = (this: Redis, command: Command, stream?: unknown, node?: unknown) => unknown;

/** Leaves a client's commands out of the counts (the bench's own polling). */
export function ignoreClient(client: Redis): Redis {
  (client as Tagged)[IGNORED] = true;
  return client;
}

/** Wraps ioredis's sendCommand and the socket writes once per process. */
export function installRedisCounter(): void {
  if (installed) return;
  installed = true;
  installSocketWriteCounter();
  const original = Redis.prototype.sendCommand as SendCommand;
  const wrapped: SendCommand = function (this: Redis, command, stream, node) {
    const client = this as Tagged;
    if (!client[IGNORED]) {
      countCommand(client, command);
      markCounted(client);
    }
    return original.call(this, command, stream, node);
  };
  Redis.prototype.sendCommand = wrapped as typeof Redis.prototype.sendCommand;
}

function markCounted(client: Tagged): void {
  const socket = client.stream as CountedSocket | undefined;
  if (socket) socket[COUNTED] = true;
}

function countCommand(client: Tagged, command: Command): void {
  let name = command.name.toLowerCase();
  if (name === 'evalsha') name += `:${scriptName(client, String(command.args[0]))}`;
  counts.redis[name] = (counts.redis[name] ?? 0) + 1;
}

/**
 * Counts what reaches the kernel: a socket's `_write` (one chunk) and `_writev` (the chunks a cork
 * or a busy socket gathered), on sockets of counted Redis clients.
 */
function installSocketWriteCounter(): void {
  const prototype = Socket.prototype as unknown as Record<'_write' | '_writev', SocketWrite>;
  for (const method of ['_write', '_writev'] as const) {
    const original = prototype[method];
    prototype[method] = function (this: CountedSocket, ...args: unknown[]) {
      if (this[COUNTED]) counts.redisWrites++;
      return original.apply(this, args);
    };
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
  // `name` (MariaDB) or "name" (PostgreSQL), schema-qualified or not.
  const table = /\b(?:INTO|UPDATE|FROM)\s+(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)/i.exec(query)?.[1];
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
