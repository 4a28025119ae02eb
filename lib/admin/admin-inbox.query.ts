import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CONSISTENT_MESSAGING_OPTIONS,
  MESSAGING_DATA_SOURCE,
} from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { messagingTableNames } from '../storage/messaging-schema';

export interface InboxEntry {
  endpoint: string;
  messageId: string;
  type: string;
  processedAt: Date;
}

export interface InboxStats {
  endpoint: string;
  records: number;
  oldestProcessedAt: Date | null;
}

interface Row {
  endpoint: string;
  message_id: string;
  message_type: string;
  processed_at: Date;
}

/** Admin reads of the inbox, by primary key `(endpoint, message_id)` or the `ix_processed_at` index. */
@Injectable()
export class AdminInboxQuery {
  private readonly table: string;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions,
  ) {
    this.table = `\`${messagingTableNames(options.tablePrefix).inbox}\``;
  }

  async get(endpoint: string, messageId: string): Promise<InboxEntry | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT endpoint, message_id, message_type, processed_at FROM ${this.table}
       WHERE endpoint = ? AND message_id = ?`,
      [endpoint, messageId],
    );
    return rows[0] && toEntry(rows[0]);
  }

  /** Which of these (endpoint, message id) pairs were processed; one primary-key lookup each. */
  async processed(pairs: { endpoint: string; messageId: string }[]): Promise<InboxEntry[]> {
    if (pairs.length === 0) return [];
    const rows: Row[] = await this.dataSource.query(
      `SELECT endpoint, message_id, message_type, processed_at FROM ${this.table}
       WHERE (endpoint, message_id) IN (${pairs.map(() => '(?, ?)').join(', ')})`,
      pairs.flatMap((pair) => [pair.endpoint, pair.messageId]),
    );
    return rows.map(toEntry);
  }

  async stats(endpoint: string): Promise<InboxStats> {
    const [row]: { records: string | number; oldest: Date | null }[] = await this.dataSource.query(
      `SELECT COUNT(*) AS records, MIN(processed_at) AS oldest FROM ${this.table} WHERE endpoint = ?`,
      [endpoint],
    );
    return { endpoint, records: Number(row.records), oldestProcessedAt: row.oldest };
  }
}

function toEntry(row: Row): InboxEntry {
  return {
    endpoint: row.endpoint,
    messageId: row.message_id,
    type: row.message_type,
    processedAt: row.processed_at,
  };
}
