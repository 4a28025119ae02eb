import type { DataSource, QueryRunner } from 'typeorm';
import type { MysqlConnectionOptions } from 'typeorm/driver/mysql/MysqlConnectionOptions';

/** mysql2's default `connectionLimit`, which TypeORM keeps unless `poolSize` is set. */
const MYSQL2_DEFAULT_POOL_SIZE = 10;

/** The connection pool of a DataSource, which handlers' transactions share. */
export interface ConnectionPool {
  size: number;
  /** The option that sets it, to say what to change. */
  setting: string;
}

/** mysql2's pool: `extra.connectionLimit`, else TypeORM's `poolSize`, else 10. */
export function connectionPoolOf(dataSource: DataSource): ConnectionPool {
  const options = dataSource.options as MysqlConnectionOptions;
  const extra = options.extra as { connectionLimit?: unknown } | undefined;
  const name = `TypeORM data source "${dataSource.name}"`;
  if (extra?.connectionLimit !== undefined)
    return { size: Number(extra.connectionLimit), setting: `extra.connectionLimit of the ${name}` };
  return {
    size: options.poolSize ?? MYSQL2_DEFAULT_POOL_SIZE,
    setting: `poolSize of the ${name}${options.poolSize === undefined ? ' (default 10)' : ''}`,
  };
}

/**
 * Closes a query runner's connection at once, whatever runs on it: the server rolls its
 * transaction back and the pool replaces it. For a unit of work given up on, where a ROLLBACK
 * would wait behind the statement still running.
 */
export function destroyConnection(queryRunner: QueryRunner): void {
  const connection = (queryRunner as unknown as { databaseConnection?: { destroy(): void } })
    .databaseConnection;
  connection?.destroy();
}
