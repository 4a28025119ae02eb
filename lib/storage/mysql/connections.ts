import type { DataSource, QueryRunner } from 'typeorm';
import { endOnServer } from '../end-on-server';
import type { ConnectionPool, DriverConnections } from '../storage-dialect.interface';

/** mysql2's default `connectionLimit`, which TypeORM keeps unless `poolSize` is set. */
const MYSQL2_DEFAULT_POOL_SIZE = 10;

/** The options that size the pool (TypeORM 0.3 and 1.x name their option types differently). */
interface PoolOptions {
  name?: string;
  poolSize?: number;
  extra?: { connectionLimit?: unknown };
}

/** mysql2's pool: `extra.connectionLimit`, else TypeORM's `poolSize`, else 10. */
function poolOf(dataSource: DataSource): ConnectionPool {
  const options = dataSource.options as PoolOptions;
  const extra = options.extra;
  const name = `TypeORM data source "${options.name ?? 'default'}"`;
  if (extra?.connectionLimit !== undefined) {
    // As mysql2 reads it: 0 is unbounded, what is no number is its default.
    const size = Number(extra.connectionLimit);
    return {
      size: Number.isFinite(size) ? size : MYSQL2_DEFAULT_POOL_SIZE,
      setting: `extra.connectionLimit of the ${name}`,
    };
  }
  return {
    size: options.poolSize ?? MYSQL2_DEFAULT_POOL_SIZE,
    setting: `poolSize of the ${name}${options.poolSize === undefined ? ' (default 10)' : ''}`,
  };
}

interface MysqlConnection {
  threadId: number | null;
  destroy(): void;
  once(event: 'end', listener: () => void): void;
}

function connectionOf(queryRunner: QueryRunner): MysqlConnection | undefined {
  return (queryRunner as unknown as { databaseConnection?: MysqlConnection }).databaseConnection;
}

/**
 * Closes a query runner's connection at once, whatever runs on it, and keeps it out of the pool:
 * the server rolls its transaction back when it notices.
 */
function destroy(queryRunner: QueryRunner): void {
  destroyed.add(queryRunner);
  connectionOf(queryRunner)?.destroy();
}

const destroyed = new WeakSet<QueryRunner>();

/**
 * Kills a query runner's connection on the server through `own`: the statement still running on
 * it stops and its transaction rolls back now, not when that statement would have ended (a lock
 * wait, say). mysql2 never answers a statement whose socket it closed itself (the server still
 * rolls back, later), so closing the socket is only the last resort.
 */
async function kill(queryRunner: QueryRunner, own: QueryRunner): Promise<void> {
  const connection = connectionOf(queryRunner);
  const threadId = connection?.threadId;
  if (!connection || !Number.isInteger(threadId) || destroyed.has(queryRunner))
    return void (await own.release());
  await endOnServer(connection, own, { sql: `KILL ${Number(threadId)}` }, () =>
    connection.destroy(),
  );
}

/** mysql2 reports a lost connection once, to the statement or the pool: nothing to guard. */
const guard = (): void => undefined;

export const mysqlConnections: DriverConnections = { poolOf, guard, destroy, kill };
