import { placeholders } from '../placeholders';
import type { SubscriptionStatements } from '../storage-dialect.interface';
import { numbered } from './numbered';

export function postgresSubscriptionStatements(name: string): SubscriptionStatements {
  const table = `"${name}"`;
  return {
    subscribersOf: `SELECT endpoint FROM ${table} WHERE message_type = $1`,
    remember: (endpoints) =>
      numbered(
        `INSERT INTO ${table} (message_type, endpoint) VALUES ${placeholders(endpoints, '(?, ?)')}
         ON CONFLICT DO NOTHING`,
      ),
    forget: (endpoints) =>
      numbered(
        `DELETE FROM ${table} WHERE message_type = ? AND endpoint IN (${placeholders(endpoints)})`,
      ),
  };
}
