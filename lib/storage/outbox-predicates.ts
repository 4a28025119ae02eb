import type { AdminOutboxFilter } from './storage-dialect.interface';

/** Conditions on outbox rows that both dialects write alike. */

/** Neither dispatched nor flagged as undeliverable. */
export const PENDING = 'dispatched_at IS NULL AND dispatch_error IS NULL';

/** The columns a message is read back from. */
export const MESSAGE_COLUMNS = 'message_id, message_type, destination, payload, headers';

/** The columns of a row's summary: all but the payload and headers. */
export const SUMMARY_COLUMNS = `id, message_id, message_type, destination, origin_endpoint,
  causation_id, correlation_id, created_at, dispatched_at, dispatch_error`;

/** The admin list's filters, with `?` for their values. */
export const ADMIN_FILTERS: Record<AdminOutboxFilter, string> = {
  afterId: 'id > ?',
  pending: PENDING,
  dispatched: 'dispatched_at IS NOT NULL',
  undeliverable: 'dispatched_at IS NULL AND dispatch_error IS NOT NULL',
  type: 'message_type = ?',
  correlationId: 'correlation_id = ?',
  createdFrom: 'created_at >= ?',
  createdTo: 'created_at < ?',
};
