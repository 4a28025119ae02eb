import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { shortText } from '../errors/thrown-text';
import { messagingTableNames } from '../storage/messaging-schema';
import { MysqlErrno, mysqlErrno } from '../storage/mysql-errors';
import type { OutboxMessage } from './outbox-message.interface';

interface OutboxRow {
  id?: string | number;
  message_id: string;
  message_type: string;
  destination: string | null;
  payload: string;
  headers: string;
}

const COLUMNS = 'message_id, message_type, destination, payload, headers';

/** Neither dispatched nor flagged as undeliverable. */
const PENDING = 'dispatched_at IS NULL AND dispatch_error IS NULL';

/** A claimed row that can't even be read back as a message (its headers are not JSON). */
export interface UnreadableRow {
  id: string;
  problem: string;
}

/** SQL access to the outbox table (MySQL / MariaDB dialect). */
@Injectable()
export class OutboxStore {
  private readonly table: string;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
  ) {
    this.table = `\`${messagingTableNames(options.tablePrefix).outbox}\``;
  }

  /** Writes messages with one multi-row INSERT in the caller's transaction. */
  async insert(queryRunner: QueryRunner, messages: OutboxMessage[]): Promise<void> {
    const values: unknown[] = [];
    for (const message of messages) {
      values.push(
        message.id,
        message.type,
        message.destination,
        message.payload,
        JSON.stringify(message.headers),
        message.headers.originEndpoint,
        message.headers.causationId,
        message.headers.correlationId,
      );
    }
    const row = '(?, ?, ?, ?, ?, ?, ?, ?)';
    try {
      await queryRunner.query(
        `INSERT INTO ${this.table} (${COLUMNS}, origin_endpoint, causation_id, correlation_id)
         VALUES ${messages.map(() => row).join(', ')}`,
        values,
      );
    } catch (error) {
      const taken =
        mysqlErrno(error) === MysqlErrno.duplicateKey ? duplicateIdIn(error) : undefined;
      if (taken !== undefined)
        throw new InvalidMessageError(
          `message id "${shortText(taken)}" is in the outbox already (a messageId given twice?); nothing was committed`,
        );
      throw error;
    }
  }

  /** Marks messages dispatched; rows already marked are left as they are. */
  async markDispatched(messageIds: string[], queryRunner: QueryRunner): Promise<void> {
    if (messageIds.length === 0) return;
    await queryRunner.query(
      `UPDATE ${this.table} SET dispatched_at = NOW(3)
       WHERE message_id IN (${messageIds.map(() => '?').join(', ')}) AND dispatched_at IS NULL`,
      messageIds,
    );
  }

  /** Flags rows that can never be dispatched, with why: the relay skips them from now on. */
  async flagUndeliverable(rows: UnreadableRow[], queryRunner: QueryRunner): Promise<void> {
    for (const row of rows) {
      await queryRunner.query(
        `UPDATE ${this.table} SET dispatch_error = ? WHERE message_id = ? AND dispatched_at IS NULL`,
        [row.problem, row.id],
      );
    }
  }

  /**
   * Locks up to `limit` pending rows older than `minAgeMs` and after row `afterRow`, oldest first,
   * skipping rows another instance holds. The caller's transaction keeps the lock until it marks and
   * commits. `lastRow` is where the next claim of a pass through the outbox continues.
   */
  async claimPending(
    queryRunner: QueryRunner,
    limit: number,
    minAgeMs: number,
    afterRow = '0',
  ): Promise<{ messages: OutboxMessage[]; unreadable: UnreadableRow[]; lastRow: string }> {
    const rows: OutboxRow[] = await queryRunner.query(
      `SELECT id, ${COLUMNS} FROM ${this.table}
       WHERE ${PENDING} AND created_at <= NOW(3) - INTERVAL ? MICROSECOND AND id > ?
       ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [minAgeMs * 1000, afterRow, limit],
    );
    const messages: OutboxMessage[] = [];
    const unreadable: UnreadableRow[] = [];
    for (const row of rows) {
      try {
        messages.push(toMessage(row));
      } catch (error) {
        unreadable.push({
          id: row.message_id,
          problem: `headers are not JSON: ${(error as Error).message}`,
        });
      }
    }
    return { messages, unreadable, lastRow: String(rows[rows.length - 1]?.id ?? afterRow) };
  }

  /** Age of the oldest pending row (the first of `ix_pending`, one index read); 0 when none is pending. */
  async dispatchLagMs(): Promise<number> {
    const rows: { lag_ms: string | number }[] = await this.dataSource.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, NOW(3)) DIV 1000 AS lag_ms
       FROM ${this.table} WHERE ${PENDING} ORDER BY dispatched_at, id LIMIT 1`,
    );
    return rows[0] ? Math.max(0, Number(rows[0].lag_ms)) : 0;
  }

  /** Every message in the outbox, oldest first, with whether it was dispatched (the test kit). */
  async findAll(): Promise<(OutboxMessage & { dispatched: boolean })[]> {
    const rows: (OutboxRow & { dispatched: number | string })[] = await this.dataSource.query(
      `SELECT ${COLUMNS}, dispatched_at IS NOT NULL AS dispatched FROM ${this.table} ORDER BY id`,
    );
    return rows.map((row) => ({ ...toMessage(row), dispatched: Number(row.dispatched) === 1 }));
  }

  /** How many messages wait for dispatch. */
  async countPending(): Promise<number> {
    const [row]: { pending: string | number }[] = await this.dataSource.query(
      `SELECT COUNT(*) AS pending FROM ${this.table} WHERE ${PENDING}`,
    );
    return Number(row.pending);
  }

  /** Pending messages an endpoint wrote while handling one incoming message. */
  async findPendingCausedBy(causationId: string, originEndpoint: string): Promise<OutboxMessage[]> {
    const rows: OutboxRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE causation_id = ? AND origin_endpoint = ? AND ${PENDING} ORDER BY id`,
      [causationId, originEndpoint],
    );
    return rows.map(toMessage);
  }
}

/** The message id a duplicate-key error on the outbox's unique message id names, if it is that key. */
function duplicateIdIn(error: unknown): string | undefined {
  return /Duplicate entry '(.*)' for key '(?:[^']*\.)?ux_message_id'/.exec(
    String((error as Error).message),
  )?.[1];
}

function toMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.message_id,
    type: row.message_type,
    destination: row.destination,
    payload: row.payload,
    headers: JSON.parse(row.headers) as MessageHeaders,
  };
}
