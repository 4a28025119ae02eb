import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { MESSAGING_DATA_SOURCE, MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import { affectedRows } from './affected-rows';
import type { DeadLetterStatements, MessagingStatements } from './storage-dialect.interface';

/** A dead letter as it is written. */
export interface DeadLetterRow {
  endpoint: string;
  messageId: string;
  type: string;
  /** The job's data as JSON text, or as stored when it is not JSON (`unreadable`). */
  envelope: string;
  envelopeBytes: number;
  envelopeTruncated: boolean;
  unreadable: boolean;
  headers: string | null;
  error: string;
  stack: string | null;
  attempts: number;
}

/** What a list shows of a dead letter: never its envelope. */
export interface StoredDeadLetterSummary {
  id: number;
  messageId: string;
  type: string;
  error: string;
  attempts: number;
  failedAt: Date;
  envelopeBytes: number;
}

/** One dead letter with the start of its envelope, up to the bytes asked for. */
export interface StoredDeadLetter extends StoredDeadLetterSummary {
  envelope: string;
  envelopeTruncated: boolean;
  unreadable: boolean;
  headers: string | null;
  stack: string | null;
}

/** What a retry needs to know of a row before it reads the envelope. */
export interface RetriableRow {
  id: number;
  messageId: string;
  type: string;
  envelopeTruncated: boolean;
  unreadable: boolean;
}

interface Row {
  id: string | number;
  message_id: string;
  message_type: string;
  error: string;
  attempts: number;
  failed_at: Date;
  envelope_bytes: string | number;
  envelope?: string;
  envelope_truncated?: number | boolean;
  unreadable?: number | boolean;
  headers?: string | null;
  stack?: string | null;
}

/** Longest part of an error message a list returns. */
const LISTED_ERROR_CHARS = 500;

/**
 * The dead-letter table. Every read is bounded: lists by LIMIT over `ix_endpoint` and without the
 * envelope, details by a byte cap on it.
 */
@Injectable()
export class DeadLetterStore {
  private readonly sql: DeadLetterStatements;
  private largestEnvelope: Promise<number> | undefined;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
  ) {
    this.sql = statements.deadLetters;
  }

  /**
   * The largest envelope one INSERT can carry: the statement must fit in what the server takes
   * (where it has such a bound), and escaping can double the text.
   */
  largestEnvelopeBytes(): Promise<number> {
    const query = this.sql.largestStatement;
    if (query === undefined) return Promise.resolve(UNBOUNDED_ENVELOPE_BYTES);
    this.largestEnvelope ??= this.dataSource
      .query(query)
      .then((rows: { packet: string | number }[]) =>
        Math.floor((Number(rows[0].packet) - STATEMENT_OVERHEAD_BYTES) / 2),
      )
      .catch((error: unknown) => {
        this.largestEnvelope = undefined;
        throw error;
      });
    return this.largestEnvelope;
  }

  /**
   * Writes a dead letter; a message dead-lettered again replaces its earlier row. On `queryRunner`
   * when given (its transaction), else on a pooled connection.
   */
  async write(row: DeadLetterRow, queryRunner?: QueryRunner): Promise<void> {
    await (queryRunner ?? this.dataSource).query(this.sql.write, [
      row.endpoint,
      row.messageId,
      row.type,
      row.envelope,
      row.envelopeBytes,
      row.envelopeTruncated,
      row.unreadable,
      row.headers,
      row.error,
      row.stack,
      row.attempts,
    ]);
  }

  async count(endpoint: string): Promise<number> {
    const rows: { n: string | number }[] = await this.dataSource.query(this.sql.count, [endpoint]);
    return Number(rows[0].n);
  }

  /** Newest first, ids below `before` (keyset pagination; 0 for the first page). */
  async page(endpoint: string, before: number, limit: number): Promise<StoredDeadLetterSummary[]> {
    const rows: Row[] = await this.dataSource.query(this.sql.page(LISTED_ERROR_CHARS), [
      endpoint,
      before > 0 ? before : Number.MAX_SAFE_INTEGER,
      limit,
    ]);
    return rows.map(toSummary);
  }

  /** One dead letter, with at most `maxEnvelopeChars` characters of its envelope. */
  async get(
    endpoint: string,
    messageId: string,
    maxEnvelopeChars: number,
  ): Promise<StoredDeadLetter | undefined> {
    const rows: Row[] = await this.dataSource.query(this.sql.get, [
      maxEnvelopeChars,
      endpoint,
      messageId,
    ]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      ...toSummary(row),
      envelope: row.envelope ?? '',
      envelopeTruncated: Boolean(row.envelope_truncated),
      unreadable: Boolean(row.unreadable),
      headers: row.headers ?? null,
      stack: row.stack ?? null,
    };
  }

  /** Locks these messages' rows until the transaction ends: a new failure of one waits for it. */
  async lock(
    queryRunner: QueryRunner,
    endpoint: string,
    messageIds: string[],
  ): Promise<RetriableRow[]> {
    const rows: Row[] = await queryRunner.query(this.sql.lock(messageIds.length), [
      endpoint,
      ...messageIds,
    ]);
    return rows.map(toRetriable);
  }

  /** Locks the next `limit` rows of the endpoint with ids in (`after`, `upTo`], in id order. */
  async lockNext(
    queryRunner: QueryRunner,
    endpoint: string,
    range: { after: number; upTo: number },
    limit: number,
  ): Promise<RetriableRow[]> {
    const rows: Row[] = await queryRunner.query(this.sql.lockNext, [
      endpoint,
      range.after,
      range.upTo,
      limit,
    ]);
    return rows.map(toRetriable);
  }

  async envelopeOf(queryRunner: QueryRunner, id: number): Promise<string> {
    const rows: { envelope: string }[] = await queryRunner.query(this.sql.envelopeOf, [id]);
    return rows[0]?.envelope ?? '';
  }

  async delete(queryRunner: QueryRunner | undefined, ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result: unknown = await (queryRunner ?? this.dataSource).query(
      this.sql.delete(ids.length),
      ids,
    );
    return affectedRows(result);
  }

  async deleteMessage(endpoint: string, messageId: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(this.sql.deleteMessage, [
      endpoint,
      messageId,
    ]);
    return affectedRows(result) > 0;
  }

  /** Deletes up to `limit` of the endpoint's dead letters older than `olderThanMs`; returns how many. */
  async deleteOlderThan(endpoint: string, olderThanMs: number, limit: number): Promise<number> {
    const result: unknown = await this.dataSource.query(this.sql.deleteOlderThan, [
      olderThanMs,
      endpoint,
      limit,
    ]);
    return affectedRows(result);
  }

  /** The newest `limit` dead letters of the endpoint that carry an ordering key. */
  async keyed(
    endpoint: string,
    limit: number,
  ): Promise<{ messageId: string; headers: string | null; error: string }[]> {
    const rows: { message_id: string; headers: string | null; error: string }[] =
      await this.dataSource.query(this.sql.keyed, [endpoint, limit]);
    return rows.map((row) => ({
      messageId: row.message_id,
      headers: row.headers,
      error: row.error,
    }));
  }
}

/** Room in a statement for everything but the envelope. */
const STATEMENT_OVERHEAD_BYTES = 256 * 1024;

/** Where statements have no bound: kept well below the longest string V8 makes (about 512 MiB). */
const UNBOUNDED_ENVELOPE_BYTES = 128 * 1024 * 1024;

function toSummary(row: Row): StoredDeadLetterSummary {
  return {
    id: Number(row.id),
    messageId: row.message_id,
    type: row.message_type,
    error: row.error,
    attempts: Number(row.attempts),
    failedAt: row.failed_at,
    envelopeBytes: Number(row.envelope_bytes),
  };
}

function toRetriable(row: Row): RetriableRow {
  return {
    id: Number(row.id),
    messageId: row.message_id,
    type: row.message_type,
    envelopeTruncated: Boolean(row.envelope_truncated),
    unreadable: Boolean(row.unreadable),
  };
}
