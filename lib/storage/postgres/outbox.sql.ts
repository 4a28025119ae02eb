import { placeholders } from '../placeholders';
import type { AdminOutboxFilter, OutboxStatements } from '../storage-dialect.interface';
import { MS, numbered } from './numbered';

const COLUMNS = 'message_id, message_type, destination, payload, headers';
/** What the partial index `ix_pending` holds: its first row is the oldest pending one. */
const PENDING = 'dispatched_at IS NULL AND dispatch_error IS NULL';
const SUMMARY = `id, message_id, message_type, destination, origin_endpoint, causation_id,
  correlation_id, created_at, dispatched_at, dispatch_error`;
const OLDEST_PENDING = `WHERE ${PENDING} ORDER BY id LIMIT 1`;
const LAG_MS = 'FLOOR(EXTRACT(EPOCH FROM clock_timestamp() - created_at) * 1000) AS lag_ms';

const FILTERS: Record<AdminOutboxFilter, string> = {
  afterId: 'id > ?',
  pending: PENDING,
  dispatched: 'dispatched_at IS NOT NULL',
  undeliverable: 'dispatched_at IS NULL AND dispatch_error IS NOT NULL',
  type: 'message_type = ?',
  correlationId: 'correlation_id = ?',
  createdFrom: 'created_at >= ?',
  createdTo: 'created_at < ?',
};

export function postgresOutboxStatements(name: string): OutboxStatements {
  const table = `"${name}"`;
  return {
    insert: (rows) =>
      numbered(`INSERT INTO ${table} (${COLUMNS}, origin_endpoint, causation_id, correlation_id)
       VALUES ${placeholders(rows, '(?, ?, ?, ?, ?, ?, ?, ?)')}`),
    markDispatched: (ids) =>
      numbered(`UPDATE ${table} SET dispatched_at = clock_timestamp()
       WHERE message_id IN (${placeholders(ids)}) AND dispatched_at IS NULL`),
    flagUndeliverable: numbered(
      `UPDATE ${table} SET dispatch_error = ? WHERE message_id = ? AND dispatched_at IS NULL`,
    ),
    claimPending: numbered(`SELECT id, ${COLUMNS} FROM ${table}
       WHERE ${PENDING} AND created_at <= clock_timestamp() - ${MS} AND id > ?
       ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`),
    dispatchLag: `SELECT ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
    all: `SELECT ${COLUMNS}, dispatched_at IS NOT NULL AS dispatched FROM ${table} ORDER BY id`,
    countPending: `SELECT COUNT(*) AS pending FROM ${table} WHERE ${PENDING}`,
    pendingCausedBy: numbered(`SELECT ${COLUMNS} FROM ${table}
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
        numbered(`SELECT ${SUMMARY} FROM ${table}
         WHERE ${filters.map((filter) => FILTERS[filter]).join(' AND ')} ORDER BY id LIMIT ?`),
      detail: numbered(`SELECT ${SUMMARY}, LEFT(payload, ?::int) AS payload,
         octet_length(payload) AS payload_bytes, headers
       FROM ${table} WHERE message_id = ?`),
      messages: (ids) =>
        numbered(`SELECT ${SUMMARY}, payload, headers FROM ${table}
         WHERE message_id IN (${placeholders(ids)}) ORDER BY id`),
      counts: `SELECT
         (SELECT COUNT(*) FROM ${table} WHERE ${PENDING}) AS pending,
         (SELECT COUNT(*) FROM ${table} WHERE dispatched_at IS NOT NULL) AS dispatched,
         (SELECT COUNT(*) FROM ${table} WHERE ${FILTERS.undeliverable}) AS undeliverable`,
      oldestPending: `SELECT created_at, ${LAG_MS} FROM ${table} ${OLDEST_PENDING}`,
      byCorrelation: numbered(
        `SELECT ${SUMMARY} FROM ${table} WHERE correlation_id = ? ORDER BY id LIMIT ?`,
      ),
    },
  };
}
