import { placeholders } from '../placeholders';
import type { DeadLetterStatements } from '../storage-dialect.interface';
import { CHARS, MS, numbered } from './numbered';

const SUMMARY = 'id, message_id, message_type, error, attempts, failed_at, envelope_bytes';
const RETRIABLE = 'id, message_id, message_type, envelope_truncated, unreadable';

export function postgresDeadLetterStatements(name: string): DeadLetterStatements {
  const table = `"${name}"`;
  return {
    write:
      numbered(`INSERT INTO ${table} (endpoint, message_id, message_type, envelope, envelope_bytes,
         envelope_truncated, unreadable, headers, error, stack, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (endpoint, message_id) DO UPDATE SET message_type = EXCLUDED.message_type,
         envelope = EXCLUDED.envelope, envelope_bytes = EXCLUDED.envelope_bytes,
         envelope_truncated = EXCLUDED.envelope_truncated, unreadable = EXCLUDED.unreadable,
         headers = EXCLUDED.headers, error = EXCLUDED.error, stack = EXCLUDED.stack,
         attempts = EXCLUDED.attempts, failed_at = clock_timestamp()`),
    largestStatement: undefined,
    count: `SELECT COUNT(*) AS n FROM ${table} WHERE endpoint = $1`,
    page: (errorChars) =>
      numbered(`SELECT id, message_id, message_type, LEFT(error, ${errorChars}) AS error, attempts,
         failed_at, envelope_bytes
       FROM ${table} WHERE endpoint = ? AND id < ? ORDER BY id DESC LIMIT ?`),
    get: numbered(`SELECT ${SUMMARY}, LEFT(envelope, ${CHARS}) AS envelope, envelope_truncated,
         unreadable, headers, stack
       FROM ${table} WHERE endpoint = ? AND message_id = ?`),
    lock: (ids) =>
      numbered(
        `SELECT ${RETRIABLE} FROM ${table} WHERE endpoint = ? AND message_id IN (${placeholders(ids)}) FOR UPDATE`,
      ),
    lockNext: numbered(`SELECT ${RETRIABLE} FROM ${table}
       WHERE endpoint = ? AND id > ? AND id <= ? ORDER BY id LIMIT ? FOR UPDATE`),
    envelopeOf: `SELECT envelope FROM ${table} WHERE id = $1`,
    delete: (ids) => numbered(`DELETE FROM ${table} WHERE id IN (${placeholders(ids)})`),
    deleteMessage: `DELETE FROM ${table} WHERE endpoint = $1 AND message_id = $2`,
    // No DELETE … LIMIT: the batch is the first ids of `ix_failed_at`.
    deleteOlderThan: numbered(`DELETE FROM ${table} WHERE id = ANY(ARRAY(
       SELECT id FROM ${table} WHERE failed_at < clock_timestamp() - ${MS} AND endpoint = ?
       ORDER BY failed_at LIMIT ?))`),
    keyed: numbered(`SELECT message_id, headers, error FROM ${table}
       WHERE endpoint = ? AND headers LIKE '%"orderingSequences"%' ORDER BY id DESC LIMIT ?`),
  };
}
