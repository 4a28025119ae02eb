import { Queue } from 'bullmq';
import { readdir } from 'fs/promises';
import { DataSource } from 'typeorm';
import { messagingTableNames } from '../../lib';
import { blobDirectory, database, endpoints, QUEUE_PREFIX, redis, tablePrefix } from '../config';

/** Everything the main job counts, read straight from each service's tables, Redis and the blobs. */
export interface Snapshot {
  orders: { id: string; cartId: string; status: string; paymentId: string | null }[];
  payments: { id: string; orderId: string; status: string }[];
  shipments: { id: string; orderId: string; invoiceId: string }[];
  /** Invoice ids that have a file. */
  invoiceFiles: string[];
  /** Every message in the three outboxes, with the order (or payment) it is about. */
  messages: { type: string; orderId: string | null; paymentId: string | null }[];
  /** Outbox rows not yet marked dispatched. */
  undispatched: number;
  /** Jobs waiting, delayed or being handled, in every endpoint's queue. */
  inFlight: number;
  /** Messages given up on: rows of the three services' dead-letter tables. */
  deadLetters: number;
}

const services = ['orders', 'payments', 'shipping'] as const;

/** Job states that mean a message is still on its way. */
const jobStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Read-only observer of the running sample (the endpoints don't know about it). */
export class SampleInspector {
  private readonly dataSource = new DataSource(database);
  private readonly queues = Object.values(endpoints).map(
    (endpoint) => new Queue(endpoint, { connection: redis, prefix: QUEUE_PREFIX }),
  );

  async open(): Promise<void> {
    await this.dataSource.initialize();
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  async snapshot(): Promise<Snapshot> {
    const [orders, payments, shipments, invoiceFiles, messages, undispatched, deadLetters, counts] =
      await Promise.all([
        this.query<Snapshot['orders'][number]>(
          `SELECT id, cartId, status, paymentId FROM ${tablePrefix('orders')}orders`,
        ),
        this.query<Snapshot['payments'][number]>(
          `SELECT id, orderId, status FROM ${tablePrefix('payments')}payments`,
        ),
        this.query<Snapshot['shipments'][number]>(
          `SELECT id, orderId, invoiceId FROM ${tablePrefix('shipping')}shipments`,
        ),
        this.invoiceFiles(),
        this.query<Snapshot['messages'][number]>(
          outboxSelect(`message_type AS type, ${jsonField('orderId')}, ${jsonField('paymentId')}`),
        ),
        this.query<{ n: string }>(outboxSelect('COUNT(*) AS n', 'WHERE dispatched_at IS NULL')),
        this.query<{ n: string }>(
          services
            .map(
              (service) =>
                `SELECT COUNT(*) AS n FROM ${messagingTableNames(tablePrefix(service)).deadLetters}`,
            )
            .join(' UNION ALL '),
        ),
        Promise.all(this.queues.map((queue) => queue.getJobCounts(...jobStates))),
      ]);
    const sum = (pick: (count: Record<string, number>) => number) =>
      counts.reduce((total, count) => total + pick(count), 0);
    return {
      orders,
      payments,
      shipments,
      invoiceFiles,
      messages,
      undispatched: undispatched.reduce((n, row) => n + Number(row.n), 0),
      inFlight: sum((count) => jobStates.reduce((n, state) => n + count[state], 0)),
      deadLetters: deadLetters.reduce((n, row) => n + Number(row.n), 0),
    };
  }

  private query<T>(sql: string): Promise<T[]> {
    return this.dataSource.query(sql);
  }

  private async invoiceFiles(): Promise<string[]> {
    const names = await readdir(blobDirectory).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith('.txt')).map((name) => name.slice(0, -4));
  }
}

function jsonField(field: string): string {
  return `JSON_UNQUOTE(JSON_EXTRACT(payload, '$.${field}')) AS ${field}`;
}

/** The same SELECT over the three services' outboxes. */
function outboxSelect(columns: string, where = ''): string {
  return services
    .map(
      (service) =>
        `SELECT ${columns} FROM ${messagingTableNames(tablePrefix(service)).outbox} ${where}`,
    )
    .join(' UNION ALL ');
}
