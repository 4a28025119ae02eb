import { placeholders } from '../placeholders';
import type { SubscriptionStatements } from '../storage-dialect.interface';

export function mysqlSubscriptionStatements(name: string): SubscriptionStatements {
  const table = `\`${name}\``;
  return {
    subscribersOf: `SELECT endpoint FROM ${table} WHERE message_type = ?`,
    remember: (endpoints) =>
      `INSERT IGNORE INTO ${table} (message_type, endpoint) VALUES ${placeholders(endpoints, '(?, ?)')}`,
    forget: (endpoints) =>
      `DELETE FROM ${table} WHERE message_type = ? AND endpoint IN (${placeholders(endpoints)})`,
  };
}
