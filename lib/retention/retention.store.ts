import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MESSAGING_DATA_SOURCE, MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import { affectedRows } from '../storage/affected-rows';
import type { MessagingStatements } from '../storage/storage-dialect.interface';

/**
 * Batched deletes of old rows. Each statement reads an index range from its start and stops after
 * `limit` rows, so its cost does not grow with the table. Pending outbox rows are never touched.
 */
@Injectable()
export class RetentionStore {
  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(MESSAGING_STATEMENTS) private readonly sql: MessagingStatements,
  ) {}

  /** Deletes up to `limit` outbox rows dispatched more than `olderThanMs` ago; returns how many. */
  async deleteDispatchedOutbox(olderThanMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(this.sql.outbox.deleteDispatched, [olderThanMs, limit]),
    );
  }

  /** Deletes up to `limit` inbox records processed more than `olderThanMs` ago; returns how many. */
  async deleteProcessedInbox(olderThanMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(this.sql.inbox.deleteProcessed, [olderThanMs, limit]),
    );
  }

  /** Deletes up to `limit` senders' ordering keys idle for more than `idleMs`; returns how many. */
  async deleteIdleSequences(idleMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(this.sql.ordering.deleteIdleSequences, [idleMs, limit]),
    );
  }

  /** Deletes up to `limit` receivers' positions idle for more than `idleMs`, with nothing parked. */
  async deleteIdlePositions(idleMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(this.sql.ordering.deleteIdlePositions, [idleMs, limit]),
    );
  }
}
