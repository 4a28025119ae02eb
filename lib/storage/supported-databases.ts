import type { DataSource } from 'typeorm';
import { UnsupportedDatabaseError } from '../errors/unsupported-database.error';

/** The TypeORM data source types whose SQL this storage layer speaks. */
const SUPPORTED_TYPES = ['mysql', 'mariadb'] as const;

/** Refuses, at startup, a data source the library's statements would fail on at the first one. */
export function assertSupportedDatabase(dataSource: DataSource): void {
  const { type } = dataSource.options;
  if (!(SUPPORTED_TYPES as readonly string[]).includes(type))
    throw new UnsupportedDatabaseError(type, SUPPORTED_TYPES);
}
