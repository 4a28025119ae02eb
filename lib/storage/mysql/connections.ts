import type { DataSource, QueryRunner } from 'typeorm';
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

/** How long a KILL may wait for a pooled connection before the socket is closed anyway. */
const KILL_WAIT_MS = 5000;

/**
 * Kills a query runner's connection on the server through `own` (released once done): the
 * statement still running on it stops and its transaction rolls back now, not when that statement
 * would have ended (a lock wait, say). Returns once the client saw the server close it, so that
 * the pool has dropped it before the caller releases it and its statement's caller got an error.
 * Closing the socket here is the last resort, when the KILL fails or takes too long: mysql2 never
 * answers a statement whose socket it closed itself (the server still rolls back, later).
 */
async function kill(queryRunner: QueryRunner, own: QueryRunner): Promise<void> {
  const connection = connectionOf(queryRunner);
  const threadId = connection?.threadId;
  if (!connection || !Number.isInteger(threadId) || destroyed.has(queryRunner))
    return void (await own.release());
  const closedByServer = new Promise<boolean>((resolve) =>
    connection.once('end', () => resolve(true)),
  );
  const killed = own.query(`KILL ${Number(threadId)}`).then(
    () => closedByServer,
    () => false,
  );
  void killed.finally(() => own.release());
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>(
    (resolve) => (timer = setTimeout(resolve, KILL_WAIT_MS, false)),
  );
  const inTime = await Promise.race([killed, late]);
  clearTimeout(timer);
  if (!inTime) connection.destroy();
}

export const mysqlConnections: DriverConnections = { poolOf, destroy, kill };
