import { messagingTableNames } from './messaging-table-names';
import type { StorageDialect } from './storage-dialect.interface';
import { dialectOf } from './storage-dialects';

/** A TypeORM data source type the library speaks: `'mysql'`, `'mariadb'` or `'postgres'`. */
export type MessagingDatabaseType = 'mysql' | 'mariadb' | 'postgres';

const dialectFor = (type: MessagingDatabaseType): StorageDialect =>
  dialectOf({ options: { type } });

/**
 * The statements that create the library's tables for a prefix, for your own migrations or a
 * DBA: `CREATE TABLE IF NOT EXISTS` with the indexes, in the order to run them.
 */
export function createMessagingTablesSql(
  prefix = 'cm_',
  database: MessagingDatabaseType = 'mysql',
): string[] {
  return dialectFor(database)
    .statements(messagingTableNames(prefix))
    .schema.create.flatMap(({ sql }) => sql);
}

export { messagingTableNames };
