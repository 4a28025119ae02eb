import type { DataSource, QueryRunner } from 'typeorm';
import type { MysqlConnectionOptions } from 'typeorm/driver/mysql/MysqlConnectionOptions';

/** mysql2's default `connectionLimit`, which TypeORM keeps unless `poolSize` is set. */
const MYSQL2_DEFAULT_POOL_SIZE = 10;

/** The connection pool of a DataSource, which handlers' transactions share. */
export interface ConnectionPool {
  /** Connections; 0 when unbounded (mysql2's `connectionLimit: 0`) or not a number. */
  size: number;
  /** The option that sets it, to say what to change. */
  setting: string;
}

/** mysql2's pool: `extra.connectionLimit`, else TypeORM's `poolSize`, else 10. */
export function connectionPoolOf(dataSource: DataSource): ConnectionPool {
  const options = dataSource.options as MysqlConnectionOptions;
  const extra = options.extra as { connectionLimit?: unknown } | undefined;
  const name = `TypeORM data source "${dataSource.name}"`;
  if (extra?.connectionLimit !== undefined) {
    const size = Number(extra.connectionLimit);
    return {
      size: Number.isInteger(size) && size > 0 ? size : 0,
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
}

function connectionOf(queryRunner: QueryRunner): MysqlConnection | undefined {
  return (queryRunner as unknown as { databaseConnection?: MysqlConnection }).databaseConnection;
}

/**
 * Closes a query runner's connection at once, whatever runs on it, and keeps it out of the pool:
 * the server rolls its transaction back when it notices.
 */
export function destroyConnection(queryRunner: QueryRunner): void {
  connectionOf(queryRunner)?.destroy();
}

/**
 * Kills a query runner's connection on the server through `own` (released after), then closes it:
 * the statement still running on it stops and its transaction rolls back now, not when that
 * statement would have ended (a lock wait, say). Best effort: closing alone still rolls back later.
 */
export async function killConnection(queryRunner: QueryRunner, own: QueryRunner): Promise<void> {
  const threadId = connectionOf(queryRunner)?.threadId;
  destroyConnection(queryRunner);
  try {
    if (Number.isInteger(threadId)) await own.query(`KILL ${Number(threadId)}`);
  } catch {
    // Already gone.
  } finally {
    await own.release();
  }
}
