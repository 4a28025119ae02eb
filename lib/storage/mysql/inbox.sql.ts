import { affectedRows } from '../affected-rows';
import { placeholders } from '../placeholders';
import type { InboxStatements } from '../storage-dialect.interface';

const ENTRY = 'endpoint, message_id, message_type, processed_at';

/** The insert fails on a message recorded already (error 1062): the duplicate check is the insert. */
export function mysqlInboxStatements(name: string): InboxStatements {
  const table = `\`${name}\``;
  return {
    insert: (rows) =>
      `INSERT INTO ${table} (endpoint, message_id, message_type) VALUES ${placeholders(rows, '(?, ?, ?)')}`,
    recorded: affectedRows,
    // Reads `ix_processed_at` from its start and stops after `limit` rows.
    deleteProcessed: `DELETE FROM ${table}
       WHERE processed_at < NOW(3) - INTERVAL (? * 1000) MICROSECOND
       ORDER BY processed_at LIMIT ?`,
    get: `SELECT ${ENTRY} FROM ${table} WHERE endpoint = ? AND message_id = ?`,
    processed: (pairs) =>
      `SELECT ${ENTRY} FROM ${table} WHERE (endpoint, message_id) IN (${placeholders(pairs, '(?, ?)')})`,
    stats: `SELECT COUNT(*) AS records, MIN(processed_at) AS oldest FROM ${table} WHERE endpoint = ?`,
  };
}
