import type { StorageDialect } from '../storage-dialect.interface';
import { mysqlConnections } from './connections';
import { mysqlDeadLetterStatements } from './dead-letters.sql';
import { mysqlErrors } from './errors';
import { mysqlInboxStatements } from './inbox.sql';
import { mysqlOrderingStatements } from './ordering.sql';
import { mysqlOutboxStatements } from './outbox.sql';
import { mysqlSchemaStatements, mysqlTestTableStatements } from './schema.sql';
import { mysqlSubscriptionStatements } from './subscriptions.sql';

/** MySQL 8 and MariaDB 10.6+ (InnoDB), through mysql2. */
export const mysqlDialect: StorageDialect = {
  name: 'MySQL / MariaDB',
  dataSourceTypes: ['mysql', 'mariadb'],
  statements: (tables) => ({
    outbox: mysqlOutboxStatements(tables.outbox),
    inbox: mysqlInboxStatements(tables.inbox),
    subscriptions: mysqlSubscriptionStatements(tables.subscriptions),
    deadLetters: mysqlDeadLetterStatements(tables.deadLetters),
    ordering: mysqlOrderingStatements(tables),
    schema: mysqlSchemaStatements(tables),
  }),
  testTables: mysqlTestTableStatements,
  errors: mysqlErrors,
  connections: mysqlConnections,
};
