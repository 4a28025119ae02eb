import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { MessageEnvelope, MessageHeaders } from '../../lib';
import type { BenchDatabase } from './bench-database';
import { queuePrefixOf } from './bench-env';
import { CountingLogger } from './client-counters';
import { jobOptions, SINK_QUEUE } from './messages';
import { redis } from './services';

interface PendingRow {
  id: string;
  message_id: string;
  message_type: string;
  payload: string;
  headers: string;
}

/**
 * A hand-written outbox relay, the baseline for draining a backlog: read 500 pending rows, add
 * them with one `addBulk`, mark them by id. No lock, so only one instance may run it.
 */
export class NaiveRelay {
  private readonly dataSource: DataSource;
  private readonly queue: Queue<MessageEnvelope>;
  private readonly table: string;

  constructor(
    private readonly database: BenchDatabase,
    prefix: string,
  ) {
    this.dataSource = new DataSource({
      ...database.connection,
      poolSize: 2,
      logger: new CountingLogger(),
    });
    this.queue = new Queue<MessageEnvelope>(SINK_QUEUE, {
      connection: { ...redis },
      prefix: queuePrefixOf(prefix),
    });
    this.table = database.quote(`${prefix}outbox`);
  }

  async open(): Promise<void> {
    await this.dataSource.initialize();
    await this.queue.waitUntilReady();
  }

  /** Dispatches every pending row; returns how many. */
  async drain(batchSize = 500): Promise<number> {
    let dispatched = 0;
    for (;;) {
      const rows: PendingRow[] = await this.dataSource.query(
        `SELECT id, message_id, message_type, payload, headers FROM ${this.table}
         WHERE dispatched_at IS NULL ORDER BY id LIMIT ${this.database.parameter(1)}`,
        [batchSize],
      );
      if (rows.length === 0) return dispatched;
      await this.queue.addBulk(
        rows.map((row) => ({
          name: row.message_type,
          data: {
            id: row.message_id,
            type: row.message_type,
            payload: row.payload,
            headers: JSON.parse(row.headers) as MessageHeaders,
          },
          opts: jobOptions(row.message_id),
        })),
      );
      await this.dataSource.query(
        `UPDATE ${this.table} SET dispatched_at = CURRENT_TIMESTAMP(3)
         WHERE id IN (${rows.map((_, i) => this.database.parameter(i + 1)).join(', ')})`,
        rows.map((row) => row.id),
      );
      dispatched += rows.length;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.dataSource.destroy();
  }
}
