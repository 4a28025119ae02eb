import { placeholders } from '../placeholders';
import type { DeadLetterStatements } from '../storage-dialect.interface';

const SUMMARY = 'id, message_id, message_type, error, attempts, failed_at, envelope_bytes';
const RETRIABLE = 'id, message_id, message_type, envelope_truncated, unreadable';

export function mysqlDeadLetterStatements(name: string): DeadLetterStatements {
  const table = `\`${name}\``;
  return {
    write: `INSERT INTO ${table} (endpoint, message_id, message_type, envelope, envelope_bytes,
         envelope_truncated, unreadable, headers, error, stack, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE message_type = VALUES(message_type), envelope = VALUES(envelope),
         envelope_bytes = VALUES(envelope_bytes), envelope_truncated = VALUES(envelope_truncated),
         unreadable = VALUES(unreadable), headers = VALUES(headers), error = VALUES(error),
         stack = VALUES(stack), attempts = VALUES(attempts), failed_at = CURRENT_TIMESTAMP(3)`,
    // A statement must fit in the server's `max_allowed_packet`.
    largestStatement: 'SELECT @@max_allowed_packet AS packet',
    count: `SELECT COUNT(*) AS n FROM ${table} WHERE endpoint = ?`,
    page: (errorChars) =>
      `SELECT id, message_id, message_type, LEFT(error, ${errorChars}) AS error, attempts,
         failed_at, envelope_bytes
       FROM ${table} WHERE endpoint = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    get: `SELECT ${SUMMARY}, LEFT(envelope, ?) AS envelope, envelope_truncated, unreadable, headers, stack
       FROM ${table} WHERE endpoint = ? AND message_id = ?`,
    lock: (ids) =>
      `SELECT ${RETRIABLE} FROM ${table} WHERE endpoint = ? AND message_id IN (${placeholders(ids)}) FOR UPDATE`,
    lockNext: `SELECT ${RETRIABLE} FROM ${table}
       WHERE endpoint = ? AND id > ? AND id <= ? ORDER BY id LIMIT ? FOR UPDATE`,
    envelopeOf: `SELECT envelope FROM ${table} WHERE id = ?`,
    delete: (ids) => `DELETE FROM ${table} WHERE id IN (${placeholders(ids)})`,
    deleteMessage: `DELETE FROM ${table} WHERE endpoint = ? AND message_id = ?`,
    // Reads `ix_failed_at` from its start and stops after `limit` rows.
    deleteOlderThan: `DELETE FROM ${table}
       WHERE failed_at < NOW(3) - INTERVAL (? * 1000) MICROSECOND AND endpoint = ?
       ORDER BY failed_at LIMIT ?`,
    keyed: `SELECT message_id, headers, error FROM ${table}
       WHERE endpoint = ? AND headers LIKE '%"orderingSequences"%' ORDER BY id DESC LIMIT ?`,
  };
}
