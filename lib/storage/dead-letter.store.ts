import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { affectedRows } from './affected-rows';
import { messagingTableNames } from './messaging-schema';

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
  envelope_truncated?: number;
  unreadable?: number;
  headers?: string | null;
  stack?: string | null;
}

const SUMMARY = 'id, message_id, message_type, error, attempts, failed_at, envelope_bytes';

/** Longest part of an error message a list returns. */
const LISTED_ERROR_CHARS = 500;

/**
 * SQL access to the dead-letter table (MySQL / MariaDB dialect). Every read is bounded: lists by
 * LIMIT over `ix_endpoint` and without the envelope, details by a byte cap on it.
 */
@Injectable()
export class DeadLetterStore {
  private readonly table: string;
  private largestEnvelope: Promise<number> | undefined;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
  ) {
    this.table = `\`${messagingTableNames(options.tablePrefix).deadLetters}\``;
  }

  /**
   * The largest envelope one INSERT can carry: a statement must fit in the server's
   * `max_allowed_packet`, and escaping can double the text.
   */
  largestEnvelopeBytes(): Promise<number> {
    this.largestEnvelope ??= this.dataSource
      .query('SELECT @@max_allowed_packet AS packet')
      .then((rows: { packet: string | number }[]) =>
        Math.floor((Number(rows[0].packet) - STATEMENT_OVERHEAD_BYTES) / 2),
      )
      .catch((error: unknown) => {
        this.largestEnvelope = undefined;
        throw error;
      });
    return this.largestEnvelope;
  }

  /** Writes a dead letter; a message dead-lettered again replaces its earlier row. */
  async write(row: DeadLetterRow): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} (endpoint, message_id, message_type, envelope, envelope_bytes,
         envelope_truncated, unreadable, headers, error, stack, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE message_type = VALUES(message_type), envelope = VALUES(envelope),
         envelope_bytes = VALUES(envelope_bytes), envelope_truncated = VALUES(envelope_truncated),
         unreadable = VALUES(unreadable), headers = VALUES(headers), error = VALUES(error),
         stack = VALUES(stack), attempts = VALUES(attempts), failed_at = CURRENT_TIMESTAMP(3)`,
      [
        row.endpoint,
        row.messageId,
        row.type,
        row.envelope,
        row.envelopeBytes,
        row.envelopeTruncated ? 1 : 0,
        row.unreadable ? 1 : 0,
        row.headers,
        row.error,
        row.stack,
        row.attempts,
      ],
    );
  }

  async count(endpoint: string): Promise<number> {
    const rows: { n: string | number }[] = await this.dataSource.query(
      `SELECT COUNT(*) AS n FROM ${this.table} WHERE endpoint = ?`,
      [endpoint],
    );
    return Number(rows[0].n);
  }

  /** Newest first, ids below `before` (keyset pagination; 0 for the first page). */
  async page(endpoint: string, before: number, limit: number): Promise<StoredDeadLetterSummary[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT id, message_id, message_type, LEFT(error, ${LISTED_ERROR_CHARS}) AS error, attempts,
         failed_at, envelope_bytes
       FROM ${this.table} WHERE endpoint = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [endpoint, before > 0 ? before : Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(toSummary);
  }

  /** One dead letter, with at most `maxEnvelopeChars` characters of its envelope. */
  async get(
    endpoint: string,
    messageId: string,
    maxEnvelopeChars: number,
  ): Promise<StoredDeadLetter | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${SUMMARY}, LEFT(envelope, ?) AS envelope, envelope_truncated, unreadable, headers, stack
       FROM ${this.table} WHERE endpoint = ? AND message_id = ?`,
      [maxEnvelopeChars, endpoint, messageId],
    );
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
    const rows: Row[] = await queryRunner.query(
      `SELECT id, message_id, message_type, envelope_truncated, unreadable FROM ${this.table}
       WHERE endpoint = ? AND message_id IN (${messageIds.map(() => '?').join(', ')}) FOR UPDATE`,
      [endpoint, ...messageIds],
    );
    return rows.map(toRetriable);
  }

  /** Locks the next `limit` rows of the endpoint with ids in (`after`, `upTo`], in id order. */
  async lockNext(
    queryRunner: QueryRunner,
    endpoint: string,
    range: { after: number; upTo: number },
    limit: number,
  ): Promise<RetriableRow[]> {
    const rows: Row[] = await queryRunner.query(
      `SELECT id, message_id, message_type, envelope_truncated, unreadable FROM ${this.table}
       WHERE endpoint = ? AND id > ? AND id <= ? ORDER BY id LIMIT ? FOR UPDATE`,
      [endpoint, range.after, range.upTo, limit],
    );
    return rows.map(toRetriable);
  }

  async envelopeOf(queryRunner: QueryRunner, id: number): Promise<string> {
    const rows: { envelope: string }[] = await queryRunner.query(
      `SELECT envelope FROM ${this.table} WHERE id = ?`,
      [id],
    );
    return rows[0]?.envelope ?? '';
  }

  async delete(queryRunner: QueryRunner | undefined, ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result: unknown = await (queryRunner ?? this.dataSource).query(
      `DELETE FROM ${this.table} WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return affectedRows(result);
  }

  async deleteMessage(endpoint: string, messageId: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE endpoint = ? AND message_id = ?`,
      [endpoint, messageId],
    );
    return affectedRows(result) > 0;
  }

  /** Deletes up to `limit` of the endpoint's dead letters older than `olderThanMs`; returns how many. */
  async deleteOlderThan(endpoint: string, olderThanMs: number, limit: number): Promise<number> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM ${this.table}
       WHERE failed_at < NOW(3) - INTERVAL ? MICROSECOND AND endpoint = ?
       ORDER BY failed_at LIMIT ?`,
      [olderThanMs * 1000, endpoint, limit],
    );
    return affectedRows(result);
  }
}

/** Room in a statement for everything but the envelope. */
const STATEMENT_OVERHEAD_BYTES = 256 * 1024;

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
