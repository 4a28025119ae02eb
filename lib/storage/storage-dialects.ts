import { UnsupportedDatabaseError } from '../errors/unsupported-database.error';
import { mysqlDialect } from './mysql/mysql.dialect';
import { postgresDialect } from './postgres/postgres.dialect';
import type { StorageDialect } from './storage-dialect.interface';

const DIALECTS: readonly StorageDialect[] = [mysqlDialect, postgresDialect];

/** The TypeORM data source types the library speaks. */
export const SUPPORTED_DATABASE_TYPES = DIALECTS.flatMap((dialect) => dialect.dataSourceTypes);

/**
 * The dialect of a data source, by its TypeORM type; refuses, at startup, one the library's
 * statements would fail on at the first one.
 */
export function dialectOf(dataSource: { options: { type: string } }): StorageDialect {
  const { type } = dataSource.options;
  const dialect = DIALECTS.find((one) => one.dataSourceTypes.includes(type));
  if (!dialect) throw new UnsupportedDatabaseError(type, SUPPORTED_DATABASE_TYPES);
  return dialect;
}
