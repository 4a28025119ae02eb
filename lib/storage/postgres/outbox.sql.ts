import { placeholders } from '../placeholders';
import { ADMIN_FILTERS, MESSAGE_COLUMNS, PENDING, SUMMARY_COLUMNS } from '../outbox-predicates';
import type { OutboxStatements } from '../storage-dialect.interface';
import { CHARS, MS, numbered } from './numbered';

/** The first row of the partial index `ix_pending`: one index read. */
const OLDEST_PENDING = `WHERE ${PENDING} ORDER BY id LIMIT 1`;
const LAG_MS = 'FLOOR(EXTRACT(EPOCH FROM clock_timestamp() - created_at) * 1000) AS lag_ms';

export function postgresOutboxStatements(name: string): OutboxStatements {
  const table = `"${name}"`;
  return {
    insert: (rows) =>
      numbered(`INSERT INTO ${table} (${MESSAGE_COLUMNS}, origin_endpoint, causation_id, correlation_id)
       VALUES ${placeholders(rows, '(?, ?, ?, ?, ?, ?, ?, ?)')}`),
    markDispatched: (ids) =>
      numbered(`UPDATE ${table} SET dispatched_at = clock_timestamp()
       WHERE message_id IN (${placeholders(ids)}) AND dispatched_at IS NULL`),
    flagUndeliverable: numbered(
      `UPDATE ${table} SET dispatch_error = ? WHERE message_id = ? AND dispatched_at IS NULL`,
    ),
    claimPending: numbered(`SELECT id, ${MESSAGE_COLUMNS} FROM ${table}
       WHERE ${PENDING} AND created_at <= clock_timestamp() - ${MS} AND id > ?
       ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`),
    dispatchLag: `SELECT ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
    all: `SELECT ${MESSAGE_COLUMNS}, dispatched_at IS NOT NULL AS dispatched FROM ${table} ORDER BY id`,
    countPending: `SELECT COUNT(*) AS pending FROM ${table} WHERE ${PENDING}`,
    pendingCausedBy: numbered(`SELECT ${MESSAGE_COLUMNS} FROM ${table}
       WHERE causation_id = ? AND origin_endpoint = ? AND ${PENDING} ORDER BY id`),
    clock: 'SELECT clock_timestamp()::text AS until',
    // No UPDATE … LIMIT: the batch is chosen by id.
    redispatchSince: (limit, byEndpoint) =>
      numbered(`UPDATE ${table} SET dispatched_at = NULL WHERE id = ANY(ARRAY(
         SELECT id FROM ${table}
         WHERE dispatched_at >= to_timestamp(?::float8) AND dispatched_at < ?::timestamptz
           AND dispatch_error IS NULL${byEndpoint ? ' AND origin_endpoint = ?' : ''}
         LIMIT ${limit}))`),
    // No DELETE … LIMIT: the batch is the first ids of the partial index `ix_dispatched`.
    deleteDispatched: numbered(`DELETE FROM ${table} WHERE id = ANY(ARRAY(
       SELECT id FROM ${table}
       WHERE dispatched_at IS NOT NULL AND dispatched_at < clock_timestamp() - ${MS}
       ORDER BY dispatched_at LIMIT ?))`),
    admin: {
      list: (filters) =>
        numbered(`SELECT ${SUMMARY_COLUMNS} FROM ${table}
         WHERE ${filters.map((filter) => ADMIN_FILTERS[filter]).join(' AND ')} ORDER BY id LIMIT ?`),
      detail: numbered(`SELECT ${SUMMARY_COLUMNS}, LEFT(payload, ${CHARS}) AS payload,
         octet_length(payload) AS payload_bytes, headers
       FROM ${table} WHERE message_id = ?`),
      messages: (ids) =>
        numbered(`SELECT ${SUMMARY_COLUMNS}, payload, headers FROM ${table}
         WHERE message_id IN (${placeholders(ids)}) ORDER BY id`),
      counts: `SELECT
         (SELECT COUNT(*) FROM ${table} WHERE ${PENDING}) AS pending,
         (SELECT COUNT(*) FROM ${table} WHERE dispatched_at IS NOT NULL) AS dispatched,
         (SELECT COUNT(*) FROM ${table} WHERE ${ADMIN_FILTERS.undeliverable}) AS undeliverable`,
      oldestPending: `SELECT created_at, ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
      byCorrelation: numbered(
        `SELECT ${SUMMARY_COLUMNS}, headers FROM ${table} WHERE correlation_id = ? ORDER BY id LIMIT ?`,
      ),
    },
  };
}
