import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { affectedRows } from '../storage/affected-rows';
import { messagingTableNames } from '../storage/messaging-schema';

/**
 * Batched deletes of old rows. Each statement reads an index range from its start (`ix_pending` for
 * dispatched outbox rows, `ix_processed_at` for inbox records) and stops after `limit` rows, so its
 * cost does not grow with the table. Pending outbox rows (`dispatched_at IS NULL`) are never touched.
 */
@Injectable()
export class RetentionStore {
  private readonly outbox: string;
  private readonly inbox: string;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
  ) {
    const tables = messagingTableNames(options.tablePrefix);
    this.outbox = `\`${tables.outbox}\``;
    this.inbox = `\`${tables.inbox}\``;
  }

  /** Deletes up to `limit` outbox rows dispatched more than `olderThanMs` ago; returns how many. */
  async deleteDispatchedOutbox(olderThanMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM ${this.outbox}
         WHERE dispatched_at IS NOT NULL AND dispatched_at < NOW(3) - INTERVAL ? MICROSECOND
         ORDER BY dispatched_at LIMIT ?`,
        [olderThanMs * 1000, limit],
      ),
    );
  }

  /** Deletes up to `limit` inbox records processed more than `olderThanMs` ago; returns how many. */
  async deleteProcessedInbox(olderThanMs: number, limit: number): Promise<number> {
    return affectedRows(
      await this.dataSource.query(
        `DELETE FROM ${this.inbox}
         WHERE processed_at < NOW(3) - INTERVAL ? MICROSECOND
         ORDER BY processed_at LIMIT ?`,
        [olderThanMs * 1000, limit],
      ),
    );
  }
}
