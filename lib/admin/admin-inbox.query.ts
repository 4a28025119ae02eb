import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MESSAGING_DATA_SOURCE, MESSAGING_STATEMENTS } from '../consistent-messaging.constants';
import type { InboxStatements, MessagingStatements } from '../storage/storage-dialect.interface';

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
  private readonly sql: InboxStatements;

  constructor(
    @Inject(MESSAGING_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(MESSAGING_STATEMENTS) statements: MessagingStatements,
  ) {
    this.sql = statements.inbox;
  }

  async get(endpoint: string, messageId: string): Promise<InboxEntry | undefined> {
    const rows: Row[] = await this.dataSource.query(this.sql.get, [endpoint, messageId]);
    return rows[0] && toEntry(rows[0]);
  }

  /** Which of these (endpoint, message id) pairs were processed; one primary-key lookup each. */
  async processed(pairs: { endpoint: string; messageId: string }[]): Promise<InboxEntry[]> {
    if (pairs.length === 0) return [];
    const rows: Row[] = await this.dataSource.query(
      this.sql.processed(pairs.length),
      pairs.flatMap((pair) => [pair.endpoint, pair.messageId]),
    );
    return rows.map(toEntry);
  }

  async stats(endpoint: string): Promise<InboxStats> {
    const [row]: { records: string | number; oldest: Date | null }[] = await this.dataSource.query(
      this.sql.stats,
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
