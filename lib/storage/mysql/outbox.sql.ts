import { placeholders } from '../placeholders';
import { ADMIN_FILTERS, MESSAGE_COLUMNS, PENDING, SUMMARY_COLUMNS } from '../outbox-predicates';
import type { OutboxStatements } from '../storage-dialect.interface';

/** The oldest pending row is the first of `ix_pending (dispatched_at, id)`: one index read. */
const OLDEST_PENDING = `WHERE ${PENDING} ORDER BY dispatched_at, id LIMIT 1`;
const LAG_MS = 'TIMESTAMPDIFF(MICROSECOND, created_at, NOW(3)) DIV 1000 AS lag_ms';

export function mysqlOutboxStatements(name: string): OutboxStatements {
  const table = `\`${name}\``;
  return {
    insert: (rows) =>
      `INSERT INTO ${table} (${MESSAGE_COLUMNS}, origin_endpoint, causation_id, correlation_id)
       VALUES ${placeholders(rows, '(?, ?, ?, ?, ?, ?, ?, ?)')}`,
    markDispatched: (ids) =>
      `UPDATE ${table} SET dispatched_at = NOW(3)
       WHERE message_id IN (${placeholders(ids)}) AND dispatched_at IS NULL`,
    flagUndeliverable: `UPDATE ${table} SET dispatch_error = ? WHERE message_id = ? AND dispatched_at IS NULL`,
    claimPending: `SELECT id, ${MESSAGE_COLUMNS} FROM ${table}
       WHERE ${PENDING} AND created_at <= NOW(3) - INTERVAL (? * 1000) MICROSECOND AND id > ?
       ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
    dispatchLag: `SELECT ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
    all: `SELECT ${MESSAGE_COLUMNS}, dispatched_at IS NOT NULL AS dispatched FROM ${table} ORDER BY id`,
    countPending: `SELECT COUNT(*) AS pending FROM ${table} WHERE ${PENDING}`,
    pendingCausedBy: `SELECT ${MESSAGE_COLUMNS} FROM ${table}
       WHERE causation_id = ? AND origin_endpoint = ? AND ${PENDING} ORDER BY id`,
    clock: 'SELECT CAST(NOW(3) AS CHAR) AS until',
    redispatchSince: (limit, byEndpoint) =>
      `UPDATE ${table} SET dispatched_at = NULL
       WHERE dispatched_at >= FROM_UNIXTIME(?) AND dispatched_at < ?
         AND dispatch_error IS NULL${byEndpoint ? ' AND origin_endpoint = ?' : ''}
       LIMIT ${limit}`,
    // Reads `ix_pending` from the start of the dispatched rows and stops after `limit` of them.
    deleteDispatched: `DELETE FROM ${table}
       WHERE dispatched_at IS NOT NULL AND dispatched_at < NOW(3) - INTERVAL (? * 1000) MICROSECOND
       ORDER BY dispatched_at LIMIT ?`,
    admin: {
      list: (filters) =>
        `SELECT ${SUMMARY_COLUMNS} FROM ${table}
         WHERE ${filters.map((filter) => ADMIN_FILTERS[filter]).join(' AND ')} ORDER BY id LIMIT ?`,
      detail: `SELECT ${SUMMARY_COLUMNS}, LEFT(payload, ?) AS payload, LENGTH(payload) AS payload_bytes, headers
       FROM ${table} WHERE message_id = ?`,
      messages: (ids) =>
        `SELECT ${SUMMARY_COLUMNS}, payload, headers FROM ${table}
         WHERE message_id IN (${placeholders(ids)}) ORDER BY id`,
      counts: `SELECT
         (SELECT COUNT(*) FROM ${table} WHERE ${PENDING}) AS pending,
         (SELECT COUNT(*) FROM ${table} WHERE dispatched_at IS NOT NULL) AS dispatched,
         (SELECT COUNT(*) FROM ${table} WHERE ${ADMIN_FILTERS.undeliverable}) AS undeliverable`,
      oldestPending: `SELECT created_at, ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
      byCorrelation: `SELECT ${SUMMARY_COLUMNS}, headers FROM ${table} WHERE correlation_id = ? ORDER BY id LIMIT ?`,
    },
  };
}
