import type { DataSource, QueryRunner } from 'typeorm';
import { endOnServer } from '../end-on-server';
import type { ConnectionPool, DriverConnections } from '../storage-dialect.interface';

/** pg-pool's default `max`, which TypeORM keeps unless `poolSize` is set. */
const PG_DEFAULT_POOL_SIZE = 10;

interface PoolOptions {
  name?: string;
  poolSize?: number;
  extra?: { max?: unknown };
}

interface PgClient {
  processID: number | null;
  connection?: { stream?: { destroy(): void } };
  once(event: 'end', listener: () => void): void;
  on(event: 'error', listener: () => void): void;
}

/** pg-pool's `extra.max` (TypeORM passes `extra` over its own options), else `poolSize`, else 10. */
function poolOf(dataSource: DataSource): ConnectionPool {
  const options = dataSource.options as PoolOptions;
  const name = `TypeORM data source "${options.name ?? 'default'}"`;
  const max = options.extra?.max;
  if (max !== undefined) {
    const size = Number(max);
    return {
      size: Number.isFinite(size) && size > 0 ? size : PG_DEFAULT_POOL_SIZE,
      setting: `extra.max of the ${name}`,
    };
  }
  return {
    size: options.poolSize ?? PG_DEFAULT_POOL_SIZE,
    setting: `poolSize of the ${name}${options.poolSize === undefined ? ' (default 10)' : ''}`,
  };
}

function clientOf(queryRunner: QueryRunner): PgClient | undefined {
  return (queryRunner as unknown as { databaseConnection?: PgClient }).databaseConnection;
}

/**
 * Closes the socket: pg fails what runs on it, and TypeORM releases the client with that error,
 * which takes it out of the pool. The server rolls back when it notices.
 */
function destroy(queryRunner: QueryRunner): void {
  clientOf(queryRunner)?.connection?.stream?.destroy();
}

/** Ends the backend with `pg_terminate_backend`: what runs on it stops and rolls back now. */
async function kill(queryRunner: QueryRunner, own: QueryRunner): Promise<void> {
  const client = clientOf(queryRunner);
  const pid = client?.processID;
  if (!client || !Number.isInteger(pid)) return void (await own.release());
  await endOnServer(
    client,
    own,
    { sql: 'SELECT pg_terminate_backend($1)', parameters: [pid] },
    () => destroy(queryRunner),
  );
}

interface PgPool {
  _clients?: PgClient[];
  on(event: 'connect', listener: (client: PgClient) => void): void;
}

const guarded = new WeakSet<PgClient>();

function listenForErrors(client: PgClient): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  client.on('error', () => undefined);
}

/**
 * A backend terminated while its client is checked out and idle in a transaction makes pg emit
 * 'error' twice: TypeORM's listener releases the query runner on the first and is gone for the
 * second, which would then end the process. Every client of the pool gets a listener of its own;
 * TypeORM and pg-pool still take the client out of use.
 */
function guard(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  if (!pool) return;
  for (const client of pool._clients ?? []) listenForErrors(client);
  pool.on('connect', listenForErrors);
}

export const postgresConnections: DriverConnections = { poolOf, guard, destroy, kill };
