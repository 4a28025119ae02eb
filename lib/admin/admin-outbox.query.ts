import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { utf8Prefix } from '../messages/utf8-prefix';
import { messagingTableNames } from '../storage/messaging-schema';
import type {
  OutboxDetail,
  OutboxFilter,
  OutboxStats,
  OutboxSummary,
} from './admin-records.interface';

interface Row {
  id: string | number;
  message_id: string;
  message_type: string;
  destination: string | null;
  origin_endpoint: string;
  causation_id: string | null;
  correlation_id: string;
  created_at: Date;
  dispatched_at: Date | null;
  dispatch_error: string | null;
  payload?: string;
  payload_bytes?: string | number;
  headers?: string;
}

const SUMMARY = `id, message_id, message_type, destination, origin_endpoint, causation_id,
  correlation_id, created_at, dispatched_at, dispatch_error`;

/** Most messages one conversation lists. */
export const CONVERSATION_LIMIT = 1000;

/** Read-only admin queries on the outbox; every one is bounded by a LIMIT or an index range. */
@Injectable()
export class AdminOutboxQuery {
  private readonly table: string;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
  ) {
    this.table = `\`${messagingTableNames(options.tablePrefix).outbox}\``;
  }

  /** One page in id order after `filter.after` (keyset pagination). */
  async list(filter: OutboxFilter): Promise<OutboxSummary[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (clause: string, value?: unknown) => {
      where.push(clause);
      if (value !== undefined) values.push(value);
    };
    add('id > ?', filter.after);
    if (filter.status === 'pending') add('dispatched_at IS NULL AND dispatch_error IS NULL');
    if (filter.status === 'dispatched') add('dispatched_at IS NOT NULL');
    if (filter.status === 'undeliverable')
      add('dispatched_at IS NULL AND dispatch_error IS NOT NULL');
    if (filter.type) add('message_type = ?', filter.type);
    if (filter.correlationId) add('correlation_id = ?', filter.correlationId);
    if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
    if (filter.createdTo) add('created_at < ?', filter.createdTo);
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SUMMARY} FROM ${this.table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`,
      [...values, filter.limit],
    );
    return rows.map(toSummary);
  }

  /** One row, with at most `maxBytes` of its payload. */
  async get(messageId: string, maxBytes: number): Promise<OutboxDetail | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SUMMARY}, LEFT(payload, ?) AS payload, LENGTH(payload) AS payload_bytes, headers
       FROM ${this.table} WHERE message_id = ?`,
      [maxBytes, messageId],
    );
    return rows[0] && toDetail(rows[0], maxBytes);
  }

  /** The rows of these message ids as the dispatcher takes them. */
  async messages(messageIds: string[]): Promise<OutboxMessage[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SUMMARY}, payload, headers FROM ${this.table}
       WHERE message_id IN (${messageIds.map(() => '?').join(', ')}) ORDER BY id`,
      messageIds,
    );
    return rows.map((row) => ({
      id: row.message_id,
      type: row.message_type,
      destination: row.destination,
      payload: row.payload ?? '',
      headers: JSON.parse(row.headers ?? '{}') as MessageHeaders,
    }));
  }

  /** Counts and lag. The oldest pending row is the first of `ix_pending`, one index read. */
  async stats(): Promise<OutboxStats> {
    const [counts]: Record<'pending' | 'dispatched' | 'undeliverable', string | number>[] =
      await this.dataSource.query(
        `SELECT
           (SELECT COUNT(*) FROM ${this.table}
            WHERE dispatched_at IS NULL AND dispatch_error IS NULL) AS pending,
           (SELECT COUNT(*) FROM ${this.table} WHERE dispatched_at IS NOT NULL) AS dispatched,
           (SELECT COUNT(*) FROM ${this.table}
            WHERE dispatched_at IS NULL AND dispatch_error IS NOT NULL) AS undeliverable`,
      );
    const oldest: { created_at: Date; lag_ms: string | number }[] = await this.dataSource.query(
      `SELECT created_at, TIMESTAMPDIFF(MICROSECOND, created_at, NOW(3)) DIV 1000 AS lag_ms
       FROM ${this.table} WHERE dispatched_at IS NULL AND dispatch_error IS NULL
       ORDER BY dispatched_at, id LIMIT 1`,
    );
    return {
      pending: Number(counts.pending),
      dispatched: Number(counts.dispatched),
      undeliverable: Number(counts.undeliverable),
      oldestPendingAt: oldest[0]?.created_at ?? null,
      lagMs: oldest[0] ? Math.max(0, Number(oldest[0].lag_ms)) : 0,
    };
  }

  /** Every message of one correlation id, in id order, at most CONVERSATION_LIMIT (`ix_correlation`). */
  async byCorrelation(correlationId: string): Promise<OutboxSummary[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SUMMARY} FROM ${this.table} WHERE correlation_id = ? ORDER BY id LIMIT ?`,
      [correlationId, CONVERSATION_LIMIT],
    );
    return rows.map(toSummary);
  }
}

function toSummary(row: Row): OutboxSummary {
  return {
    id: Number(row.id),
    messageId: row.message_id,
    type: row.message_type,
    destination: row.destination,
    originEndpoint: row.origin_endpoint,
    causationId: row.causation_id,
    correlationId: row.correlation_id,
    createdAt: row.created_at,
    dispatchedAt: row.dispatched_at,
    dispatchError: row.dispatch_error,
  };
}

function toDetail(row: Row, maxBytes: number): OutboxDetail {
  const size = Number(row.payload_bytes ?? 0);
  const detail: OutboxDetail = {
    ...toSummary(row),
    payload: null,
    size,
    truncated: size > maxBytes,
    headers: JSON.parse(row.headers ?? '{}') as MessageHeaders,
  };
  if (detail.truncated) detail.preview = utf8Prefix(row.payload ?? '', maxBytes);
  else detail.payload = parseOrRaw(row.payload ?? '');
  return detail;
}

function parseOrRaw(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}
