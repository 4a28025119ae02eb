import { Queue } from 'bullmq';
import { readdir } from 'fs/promises';
import { DataSource, IsNull } from 'typeorm';
import { createMessagingEntities } from '../../lib';
import { blobDirectory, database, endpoints, QUEUE_PREFIX, redis, tablePrefix } from '../config';
import { Order } from '../orders/order.entity';
import { Payment } from '../payments/payment.entity';
import { Shipment } from '../shipping/shipment.entity';

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
type Service = (typeof services)[number];

/** Job states that mean a message is still on its way. */
const jobStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * The library's tables as entities, named without a prefix: each service's data source adds its
 * prefix to every table name (`entityPrefix`), the library's as well as its own.
 */
const { OutboxRecord, DeadLetterRecord } = createMessagingEntities('');

/** Each service's own entity, read through its data source. */
const serviceEntities = { orders: Order, payments: Payment, shipping: Shipment };

/**
 * Read-only observer of the running sample (the endpoints don't know about it). Reads with TypeORM
 * repositories, one data source per service (as each would own its database), so it runs on every
 * database the sample does.
 */
export class SampleInspector {
  private readonly dataSources = Object.fromEntries(
    services.map((service) => [
      service,
      new DataSource({
        ...database,
        entityPrefix: tablePrefix(service),
        entities: [serviceEntities[service], OutboxRecord, DeadLetterRecord],
        poolSize: 3,
      }),
    ]),
  ) as Record<Service, DataSource>;
  private readonly queues = Object.values(endpoints).map(
    (endpoint) => new Queue(endpoint, { connection: redis, prefix: QUEUE_PREFIX }),
  );

  async open(): Promise<void> {
    await Promise.all(Object.values(this.dataSources).map((source) => source.initialize()));
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close()));
    await Promise.all(
      Object.values(this.dataSources)
        .filter((source) => source.isInitialized)
        .map((source) => source.destroy()),
    );
  }

  async snapshot(): Promise<Snapshot> {
    const [orders, payments, shipments, invoiceFiles, outboxes, undispatched, deadLetters, counts] =
      await Promise.all([
        this.dataSources.orders.getRepository(Order).find({
          select: { id: true, cartId: true, status: true, paymentId: true },
        }),
        this.dataSources.payments.getRepository(Payment).find({
          select: { id: true, orderId: true, status: true },
        }),
        this.dataSources.shipping.getRepository(Shipment).find({
          select: { id: true, orderId: true, invoiceId: true },
        }),
        this.invoiceFiles(),
        this.eachService((source) =>
          source.getRepository(OutboxRecord).find({ select: { messageType: true, payload: true } }),
        ),
        this.eachService((source) =>
          source.getRepository(OutboxRecord).count({ where: { dispatchedAt: IsNull() } }),
        ),
        this.eachService((source) => source.getRepository(DeadLetterRecord).count()),
        Promise.all(this.queues.map((queue) => queue.getJobCounts(...jobStates))),
      ]);
    const sum = (pick: (count: Record<string, number>) => number) =>
      counts.reduce((total, count) => total + pick(count), 0);
    return {
      orders,
      payments,
      shipments,
      invoiceFiles,
      messages: outboxes.flat().map(({ messageType, payload }) => {
        const fields = JSON.parse(payload) as Record<string, unknown>;
        return {
          type: messageType,
          orderId: textOrNull(fields.orderId),
          paymentId: textOrNull(fields.paymentId),
        };
      }),
      undispatched: undispatched.reduce((n, count) => n + count, 0),
      inFlight: sum((count) => jobStates.reduce((n, state) => n + count[state], 0)),
      deadLetters: deadLetters.reduce((n, count) => n + count, 0),
    };
  }

  /** The same read from each service's tables. */
  private eachService<T>(read: (source: DataSource) => Promise<T>): Promise<T[]> {
    return Promise.all(services.map((service) => read(this.dataSources[service])));
  }

  private async invoiceFiles(): Promise<string[]> {
    const names = await readdir(blobDirectory).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith('.txt')).map((name) => name.slice(0, -4));
  }
}

/** A payload field as the report compares it: its text, or null when the message has none. */
function textOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}
