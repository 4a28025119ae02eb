import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { DeadLetterQueue, type FaultHooks } from '../../lib';
import {
  G1,
  G1_ENTITIES,
  G1BillingHandler,
  G1BusinessError,
  G1OrderService,
  G1StockHandler,
} from '../fixtures/g1-ghost.fixtures';
import { PaymentEntity } from '../fixtures/entities';
import { PlacedOrder } from '../fixtures/order-input';
import { QueueInspector, inboxRows, outboxRow, outboxRows } from '../support/inspect';
import { DUPLICATE_KEY } from '../support/sql';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G1: a message is never dispatched for state that did not commit. Three endpoints:
 * g1-orders (@Outbox() publishes G1OrderPlaced) -> g1-billing (handler records a payment and sends
 * G1ReserveStock) -> g1-stock. Each scenario makes one unit of work fail after it published, then
 * checks the outbox, the destination queue, the inbox and the business tables.
 */
describe('G1 no ghost messages', () => {
  const prefix = uniquePrefix('g1');
  /** Long enough for a retry (100 ms backoff) or a sweep (rows older than 300 ms, every 100 ms). */
  const SETTLE_MS = 1000;
  const RETRY_ATTEMPTS = 3;

  /** Message ids whose writing unit of work (the @Outbox() call) crashes right before COMMIT. */
  const crashWriting = new Set<string>();
  /** Incoming message ids whose handling unit of work crashes right before COMMIT. */
  const crashHandling = new Set<string>();
  const faultHooks: FaultHooks = {
    beforeCommit: ({ messageIds, incomingMessageId }) => {
      const writing = messageIds.some((id) => crashWriting.has(id));
      const handling = incomingMessageId !== undefined && crashHandling.has(incomingMessageId);
      if (writing || handling) throw new Error('simulated crash right before COMMIT');
    },
  };

  let orders: INestApplication;
  let billing: INestApplication;
  let stock: INestApplication;
  let queues: QueueInspector;

  beforeAll(async () => {
    const common = { prefix, entities: G1_ENTITIES, messaging: { faultHooks } };
    stock = await startEndpoint({ ...common, endpoint: G1.stock, providers: [G1StockHandler] });
    billing = await startEndpoint({
      ...common,
      endpoint: G1.billing,
      providers: [G1BillingHandler],
      messaging: {
        faultHooks,
        retry: { attempts: RETRY_ATTEMPTS, backoff: { type: 'fixed', delay: 100 } },
      },
    });
    orders = await startEndpoint({ ...common, endpoint: G1.orders, providers: [G1OrderService] });
    queues = new QueueInspector(prefix);
  });

  afterAll(async () => {
    await Promise.all([orders?.close(), billing?.close(), stock?.close()]);
    await queues?.close();
    await cleanUp(prefix);
  });

  const place = (...args: Parameters<G1OrderService['place']>) =>
    orders.get(G1OrderService).place(...args);
  const billingAttempts = (messageId: string) =>
    billing.get(G1BillingHandler).attempts.filter((id) => id === messageId).length;
  const stockReceived = (orderId: string) =>
    stock.get(G1StockHandler).received.filter((entry) => entry.orderId === orderId);
  const orderCount = (orderId: string) =>
    orders.get(DataSource).getRepository(PlacedOrder).countBy({ id: orderId });
  const paymentCount = (orderId: string) =>
    billing.get(DataSource).getRepository(PaymentEntity).countBy({ orderId });
  const stockJobs = (orderId: string) =>
    queues.jobsWhere(G1.stock, (payload) => payload.orderId === orderId);

  /** Waits until billing is done with the message, whatever the outcome: completed or failed. */
  async function waitUntilBillingIsDone(messageId: string): Promise<void> {
    const queue = queues.queue(G1.billing);
    await waitFor('billing to finish with the message', async () =>
      ['completed', 'failed'].includes(await queue.getJobState(messageId)),
    );
  }

  /** Billing gave up on the message: a dead letter after every attempt, with its error. */
  async function expectDeadLetter(messageId: string, error: RegExp): Promise<void> {
    const deadLetter = await billing.get(DeadLetterQueue).get(messageId);
    expect(deadLetter).toMatchObject({ jobId: messageId, attemptsMade: RETRY_ATTEMPTS });
    expect(deadLetter?.error).toMatch(error);
    expect(billingAttempts(messageId)).toBe(RETRY_ATTEMPTS);
  }

  /** Billing's failed handling left nothing: no payment, no inbox record, no outbox row, no job. */
  async function expectNothingFromBilling(messageId: string, orderId: string): Promise<void> {
    await sleep(SETTLE_MS);
    expect(await paymentCount(orderId)).toBe(0);
    expect(await inboxRows(billing, prefix, messageId, G1.billing)).toEqual([]);
    expect(await outboxRows(billing, prefix, { causationId: messageId })).toEqual([]);
    expect(await stockJobs(orderId)).toEqual([]);
    expect(stockReceived(orderId)).toEqual([]);
  }

  /** The failed @Outbox() call left nothing: no order, no outbox row, no job, nothing handled. */
  async function expectNothingFromOrders(messageId: string, orderId: string): Promise<void> {
    await sleep(SETTLE_MS);
    expect(await orderCount(orderId)).toBe(0);
    expect(await outboxRows(orders, prefix, { messageId })).toEqual([]);
    expect(await queues.jobsOf(G1.billing, messageId)).toEqual([]);
    expect(billingAttempts(messageId)).toBe(0);
    expect(await paymentCount(orderId)).toBe(0);
  }

  it('control: committed work is dispatched and handled down the chain, so the checks can see jobs', async () => {
    const messageId = await place('ok-1');
    await waitFor('the stock command handled', () => stockReceived('ok-1').length === 1);
    expect(await orderCount('ok-1')).toBe(1);
    expect(await paymentCount('ok-1')).toBe(1);
    expect(await inboxRows(billing, prefix, messageId, G1.billing)).toHaveLength(1);
    const [command] = await outboxRows(billing, prefix, { causationId: messageId });
    expect(command).toMatchObject({ message_type: 'g1.ReserveStock', destination: G1.stock });
    expect((await stockJobs('ok-1')).map((job) => job.id)).toEqual([command.message_id]);
    expect((await queues.jobsOf(G1.billing, messageId)).map((job) => job.id)).toEqual([messageId]);
  });

  it('(a) a @ConsistentHandler that publishes then throws dispatches nothing and becomes a dead letter', async () => {
    const messageId = await place('a-1', { mode: 'throw-after-publish' });
    await waitUntilBillingIsDone(messageId);
    await expectNothingFromBilling(messageId, 'a-1');
    await expectDeadLetter(messageId, /billing failed for a-1 after publishing/);
  });

  it('(b) an @Outbox() method that publishes then throws writes and dispatches nothing', async () => {
    const messageId = randomUUID();
    await expect(place('b-1', { messageId, failAfterPublish: true })).rejects.toThrow(
      G1BusinessError,
    );
    await expectNothingFromOrders(messageId, 'b-1');
  });

  describe('(c) a crash right before COMMIT (beforeCommit hook throws)', () => {
    it('in an @Outbox() method: the outbox row written in the transaction is rolled back, nothing is dispatched', async () => {
      const messageId = randomUUID();
      crashWriting.add(messageId);
      await expect(place('c-1', { messageId })).rejects.toThrow(
        'simulated crash right before COMMIT',
      );
      await expectNothingFromOrders(messageId, 'c-1');
    });

    it('in a handler: every attempt rolls back, nothing is dispatched, the message is a dead letter', async () => {
      const messageId = randomUUID();
      crashHandling.add(messageId);
      await place('c-2', { messageId });
      await waitUntilBillingIsDone(messageId);
      await expectNothingFromBilling(messageId, 'c-2');
      await expectDeadLetter(messageId, /simulated crash right before COMMIT/);
      // The sending side committed and dispatched normally.
      expect((await outboxRow(orders, prefix, messageId))?.dispatched_at).not.toBeNull();
    });
  });

  it('(d) a DB error in the handler (duplicate primary key) rolls back the payment, the inbox record and the outgoing command', async () => {
    const messageId = await place('d-1', { mode: 'duplicate-key' });
    await waitUntilBillingIsDone(messageId);
    await expectNothingFromBilling(messageId, 'd-1');
    await expectDeadLetter(messageId, DUPLICATE_KEY);
  });
});
