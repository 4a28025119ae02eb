import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MESSAGING_DATA_SOURCE, MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { utf8Prefix } from '../messages/utf8-prefix';
import type {
  AdminOutboxFilter,
  AdminOutboxStatements,
  MessagingStatements,
} from '../storage/storage-dialect.interface';
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

/** Most messages one conversation lists. */
export const CONVERSATION_LIMIT = 1000;

/** Read-only admin queries on the outbox; every one is bounded by a LIMIT or an index range. */
@Injectable()
export class AdminOutboxQuery {
  private readonly sql: AdminOutboxStatements;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
  ) {
    this.sql = statements.outbox.admin;
  }

  /** One page in id order after `filter.after` (keyset pagination). */
  async list(filter: OutboxFilter): Promise<OutboxSummary[]> {
    const filters: AdminOutboxFilter[] = ['afterId'];
    const values: unknown[] = [filter.after];
    const add = (name: AdminOutboxFilter, value?: unknown) => {
      filters.push(name);
      if (value !== undefined) values.push(value);
    };
    if (filter.status !== 'all') add(filter.status);
    if (filter.type) add('type', filter.type);
    if (filter.correlationId) add('correlationId', filter.correlationId);
    if (filter.createdFrom) add('createdFrom', filter.createdFrom);
    if (filter.createdTo) add('createdTo', filter.createdTo);
    const rows: Row[] = await this.dataSource.query(this.sql.list(filters), [
      ...values,
      filter.limit,
    ]);
    return rows.map(toSummary);
  }

  /** One row, with at most `maxBytes` of its payload. */
  async get(messageId: string, maxBytes: number): Promise<OutboxDetail | undefined> {
    const rows: Row[] = await this.dataSource.query(this.sql.detail, [maxBytes, messageId]);
    return rows[0] && toDetail(rows[0], maxBytes);
  }

  /** The rows of these message ids as the dispatcher takes them. */
  async messages(messageIds: string[]): Promise<OutboxMessage[]> {
    const rows: Row[] = await this.dataSource.query(
      this.sql.messages(messageIds.length),
      messageIds,
    );
    return rows.map((row) => ({
      id: row.message_id,
      type: row.message_type,
      destination: row.destination,
      payload: row.payload ?? '',
      headers: headersOf(row),
    }));
  }

  /** Counts and lag. The oldest pending row is the first of `ix_pending`, one index read. */
  async stats(): Promise<OutboxStats> {
    const [counts]: Record<'pending' | 'dispatched' | 'undeliverable', string | number>[] =
      await this.dataSource.query(this.sql.counts);
    const oldest: { created_at: Date; lag_ms: string | number }[] = await this.dataSource.query(
      this.sql.oldestPending,
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
  /** A conversation's messages, each with its headers (where it was numbered for ordering). */
  async byCorrelation(
    correlationId: string,
  ): Promise<{ summary: OutboxSummary; headers: MessageHeaders }[]> {
    const rows: Row[] = await this.dataSource.query(this.sql.byCorrelation, [
      correlationId,
      CONVERSATION_LIMIT,
    ]);
    return rows.map((row) => ({ summary: toSummary(row), headers: headersOf(row) }));
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
    headers: headersOf(row),
  };
  if (detail.truncated) detail.preview = utf8Prefix(row.payload ?? '', maxBytes);
  else detail.payload = parseOrRaw(row.payload ?? '');
  return detail;
}

function headersOf(row: Row): MessageHeaders {
  return JSON.parse(row.headers ?? '{}') as MessageHeaders;
}

function parseOrRaw(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}
