import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import {
  MESSAGING_DATA_SOURCE,
  MESSAGING_STATEMENTS,
  STORAGE_DIALECT,
} from '../consistent-messaging.constants';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { shortText } from '../errors/thrown-text';
import type {
  DatabaseErrors,
  MessagingStatements,
  OutboxStatements,
  StorageDialect,
} from '../storage/storage-dialect.interface';
import type { OutboxMessage } from './outbox-message.interface';

interface OutboxRow {
  id?: string | number;
  message_id: string;
  message_type: string;
  destination: string | null;
  payload: string;
  headers: string;
}

/** A claimed row that can't even be read back as a message (its headers are not JSON). */
export interface UnreadableRow {
  id: string;
  problem: string;
}

/** The outbox table, through the data source's dialect. */
@Injectable()
export class OutboxStore {
  private readonly sql: OutboxStatements;
  private readonly errors: DatabaseErrors;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
    @Inject(STORAGE_DIALECT) dialect: StorageDialect,
  ) {
    this.sql = statements.outbox;
    this.errors = dialect.errors;
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
    try {
      await queryRunner.query(this.sql.insert(messages.length), values);
    } catch (error) {
      const taken = this.errors.duplicateOutboxId(error);
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
    await queryRunner.query(this.sql.markDispatched(messageIds.length), messageIds);
  }

  /** Flags rows that can never be dispatched, with why: the relay skips them from now on. */
  async flagUndeliverable(rows: UnreadableRow[], queryRunner: QueryRunner): Promise<void> {
    for (const row of rows) {
      await queryRunner.query(this.sql.flagUndeliverable, [row.problem, row.id]);
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
    const rows: OutboxRow[] = await queryRunner.query(this.sql.claimPending, [
      minAgeMs,
      afterRow,
      limit,
    ]);
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

  /** Age of the oldest pending row (one index read); 0 when none is pending. */
  async dispatchLagMs(): Promise<number> {
    const rows: { lag_ms: string | number }[] = await this.dataSource.query(this.sql.dispatchLag);
    return rows[0] ? Math.max(0, Number(rows[0].lag_ms)) : 0;
  }

  /** Every message in the outbox, oldest first, with whether it was dispatched (the test kit). */
  async findAll(): Promise<(OutboxMessage & { dispatched: boolean })[]> {
    const rows: (OutboxRow & { dispatched: number | string | boolean })[] =
      await this.dataSource.query(this.sql.all);
    return rows.map((row) => ({ ...toMessage(row), dispatched: Number(row.dispatched) === 1 }));
  }

  /** How many messages wait for dispatch. */
  async countPending(): Promise<number> {
    const [row]: { pending: string | number }[] = await this.dataSource.query(
      this.sql.countPending,
    );
    return Number(row.pending);
  }

  /** Pending messages an endpoint wrote while handling one incoming message. */
  async findPendingCausedBy(causationId: string, originEndpoint: string): Promise<OutboxMessage[]> {
    const rows: OutboxRow[] = await this.dataSource.query(this.sql.pendingCausedBy, [
      causationId,
      originEndpoint,
    ]);
    return rows.map(toMessage);
  }
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
