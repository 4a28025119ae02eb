import { placeholders } from '../placeholders';
import type { InboxStatements } from '../storage-dialect.interface';
import { MS, numbered } from './numbered';

const ENTRY = 'endpoint, message_id, message_type, processed_at';

/**
 * A failed statement aborts a PostgreSQL transaction, so a duplicate can't be a unique violation
 * here: the insert skips what is recorded already and returns what it recorded. A concurrent copy
 * still waits on the first one's row until that transaction ends.
 */
export function postgresInboxStatements(name: string): InboxStatements {
  const table = `"${name}"`;
  return {
    insert: (rows) =>
      numbered(`INSERT INTO ${table} (endpoint, message_id, message_type)
       VALUES ${placeholders(rows, '(?, ?, ?)')} ON CONFLICT DO NOTHING RETURNING message_id`),
    recorded: (result) => (Array.isArray(result) ? result.length : 0),
    // No DELETE … LIMIT, and no id: the batch is chosen by row address from `ix_processed_at`.
    deleteProcessed: numbered(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE processed_at < clock_timestamp() - ${MS}
       ORDER BY processed_at LIMIT ?))`),
    get: numbered(`SELECT ${ENTRY} FROM ${table} WHERE endpoint = ? AND message_id = ?`),
    processed: (pairs) =>
      numbered(
        `SELECT ${ENTRY} FROM ${table} WHERE (endpoint, message_id) IN (${placeholders(pairs, '(?, ?)')})`,
      ),
    stats: numbered(
      `SELECT COUNT(*) AS records, MIN(processed_at) AS oldest FROM ${table} WHERE endpoint = ?`,
    ),
  };
}
