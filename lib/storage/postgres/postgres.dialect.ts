import type { StorageDialect } from '../storage-dialect.interface';
import { postgresConnections } from './connections';
import { postgresDeadLetterStatements } from './dead-letters.sql';
import { postgresErrors } from './errors';
import { postgresInboxStatements } from './inbox.sql';
import { postgresOrderingStatements } from './ordering.sql';
import { postgresOutboxStatements } from './outbox.sql';
import { postgresSchemaStatements, postgresTestTableStatements } from './schema.sql';
import { postgresSubscriptionStatements } from './subscriptions.sql';

/** PostgreSQL 13+, through pg. */
export const postgresDialect: StorageDialect = {
  name: 'PostgreSQL',
  dataSourceTypes: ['postgres'],
  statements: (tables) => ({
    outbox: postgresOutboxStatements(tables.outbox),
    inbox: postgresInboxStatements(tables.inbox),
    subscriptions: postgresSubscriptionStatements(tables.subscriptions),
    deadLetters: postgresDeadLetterStatements(tables.deadLetters),
    ordering: postgresOrderingStatements(tables),
    schema: postgresSchemaStatements(tables),
  }),
  testTables: postgresTestTableStatements,
  errors: postgresErrors,
  connections: postgresConnections,
};
