import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  BlockedKeys,
  DeadLetterQueue,
  MessagingMetrics,
  type FaultContext,
  type MessageEnvelope,
} from '../../lib';
import {
  ChangeOrder,
  G14BillingHandler,
  G14Handled,
  G14OrderHandler,
  G14ShippingHandler,
  keyedEnvelope,
} from '../fixtures/g14-ordering.fixtures';
import { deliver, envelopeOf, jobsIn, openQueue } from '../support/jobs';
import { closeAndCleanUp } from '../support/scenarios';
import { ident } from '../support/sql';
import { sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/** Steps handled by `endpoint` for each order, in the order handled. */
async function handledSteps(
  dataSource: DataSource,
  endpoint: string,
): Promise<Map<string, number[]>> {
  const rows = await dataSource.getRepository(G14Handled).find({
    where: { endpoint },
    order: { id: 'ASC' },
  });
  const steps = new Map<string, number[]>();
  for (const row of rows) steps.set(row.orderId, [...(steps.get(row.orderId) ?? []), row.step]);
  return steps;
}

async function countHandled(dataSource: DataSource, endpoint?: string): Promise<number> {
  return dataSource.getRepository(G14Handled).count({ where: endpoint ? { endpoint } : {} });
}

async function countParked(dataSource: DataSource, prefix: string): Promise<number> {
  const [{ n }]: { n: string }[] = await dataSource.query(
    `SELECT COUNT(*) AS n FROM ${ident(`${prefix}ordering_parked`)}`,
  );
  return Number(n);
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * G14: two messages with the same ordering key, recorded by one endpoint, are handled by every
 * endpoint that receives both in the order their units of work committed, each exactly once.
 */
describe('G14 per-key ordering: from commit to handler', () => {
  const prefix = uniquePrefix('g14');
  let orders: INestApplication;
  let shipping: INestApplication;
  let billing: INestApplication;
  let queue: Queue<MessageEnvelope>;
  let dataSource: DataSource;
  /** Steps of each order in the order their units committed at the sender. */
  const committed = new Map<string, number[]>();
  const changes = new Map<string, ChangeOrder>();
  /** Incoming ids whose unit "crashes" once right after its COMMIT, before dispatching. */
  const crashAfterCommit = new Set<string>();

  const afterCommitBeforeDispatch = ({ incomingMessageId }: FaultContext) => {
    const change = incomingMessageId ? changes.get(incomingMessageId) : undefined;
    if (!change || !incomingMessageId) return;
    if (!committed.get(change.orderId)?.includes(change.step))
      committed.set(change.orderId, [...(committed.get(change.orderId) ?? []), change.step]);
    if (crashAfterCommit.delete(incomingMessageId)) throw new Error('crash after commit');
  };

  async function change(message: ChangeOrder): Promise<void> {
    const envelope = envelopeOf(message);
    changes.set(envelope.id, message);
    await deliver(queue, envelope);
  }

  beforeAll(async () => {
    const entities = [G14Handled];
    shipping = await startEndpoint({
      endpoint: 'g14-shipping',
      prefix,
      entities,
      providers: [G14ShippingHandler],
      messaging: { concurrency: 8 },
    });
    billing = await startEndpoint({
      endpoint: 'g14-billing',
      prefix,
      entities,
      providers: [G14BillingHandler],
      messaging: { concurrency: 8 },
    });
    orders = await startEndpoint({
      endpoint: 'g14-orders',
      prefix,
      entities,
      providers: [G14OrderHandler],
      messaging: { concurrency: 8, faultHooks: { afterCommitBeforeDispatch } },
    });
    queue = openQueue(prefix, 'g14-orders');
    dataSource = orders.get(DataSource);
  });

  afterAll(() => closeAndCleanUp(prefix, [queue], [orders, shipping, billing]));

  it('concurrent units of one key: each receiver handles their messages in commit order, once', async () => {
    const keys = ['order-a', 'order-b', 'order-c', 'order-d'];
    const steps = 10;
    const all = keys.flatMap((orderId) =>
      Array.from(
        { length: steps },
        (_, step) => new ChangeOrder(orderId, step + 1, Math.random() * 25, step % 2 === 1),
      ),
    );
    await Promise.all(shuffled(all).map((message) => change(message)));
    await waitFor(
      'every message handled',
      async () => (await countHandled(dataSource)) >= all.length * 2 + all.length / 2,
      60000,
    );
    await sleep(300);

    const shipped = await handledSteps(dataSource, 'shipping');
    const billedEvents = await handledSteps(dataSource, 'billing-event');
    const billed = await handledSteps(dataSource, 'billing-command');
    for (const orderId of keys) {
      const order = committed.get(orderId);
      expect(order).toHaveLength(steps);
      expect(shipped.get(orderId)).toEqual(order);
      expect(billedEvents.get(orderId)).toEqual(order);
      expect(billed.get(orderId)).toEqual(order?.filter((step) => step % 2 === 0));
    }
    expect(await countHandled(dataSource)).toBe(all.length * 2 + all.length / 2);
  });

  it('a crash between the commit and the dispatch of one message: the next one waits for it', async () => {
    const orderId = 'order-crash';
    const first = envelopeOf(new ChangeOrder(orderId, 1));
    changes.set(first.id, new ChangeOrder(orderId, 1));
    crashAfterCommit.add(first.id);
    await deliver(queue, first);
    await waitFor('the first change committed', () => committed.get(orderId)?.length === 1);
    await change(new ChangeOrder(orderId, 2));
    await change(new ChangeOrder(orderId, 3));
    await waitFor(
      'the three changes handled by shipping',
      async () => (await handledSteps(dataSource, 'shipping')).get(orderId)?.length === 3,
      30000,
    );
    await sleep(300);

    // 2 and 3 race each other at the sender; 1 committed before both.
    const order = committed.get(orderId);
    expect(order?.[0]).toBe(1);
    expect((await handledSteps(dataSource, 'shipping')).get(orderId)).toEqual(order);
    expect((await handledSteps(dataSource, 'billing-event')).get(orderId)).toEqual(order);
    expect(await countParked(dataSource, prefix)).toBe(0);
  });
});

describe('G14 per-key ordering: the receiver', () => {
  const prefix = uniquePrefix('g14r');
  let shipping: INestApplication;
  let queue: Queue<MessageEnvelope>;
  let dataSource: DataSource;

  beforeAll(async () => {
    shipping = await startEndpoint({
      endpoint: 'g14-shipping',
      prefix,
      entities: [G14Handled],
      providers: [G14ShippingHandler],
      messaging: { concurrency: 8 },
    });
    queue = openQueue(prefix, 'g14-shipping');
    dataSource = shipping.get(DataSource);
  });

  afterAll(() => closeAndCleanUp(prefix, [queue], [shipping]));

  it('holds a message that comes before its predecessor, and runs it right after, without retries', async () => {
    const metrics = shipping.get(MessagingMetrics);
    const before = await metrics.snapshot();
    const second = keyedEnvelope('g14-shipping', 'early', 2);
    await deliver(queue, second);
    await waitFor(
      'the second message parked',
      async () => (await countParked(dataSource, prefix)) === 1,
    );
    expect(await countHandled(dataSource)).toBe(0);

    await deliver(queue, keyedEnvelope('g14-shipping', 'early', 1));
    await waitFor('both handled', async () => (await countHandled(dataSource)) === 2);
    await sleep(300);

    expect((await handledSteps(dataSource, 'shipping')).get('early')).toEqual([1, 2]);
    expect(await countParked(dataSource, prefix)).toBe(0);
    const after = await metrics.snapshot();
    expect(after.parked - before.parked).toBe(1);
    expect(after.failedAttempts - before.failedAttempts).toBe(0);
    const job = await queue.getJob(second.id);
    expect(job?.attemptsMade).toBe(1);
  });

  it('a message whose attempt fails is retried before the next one of its key runs', async () => {
    G14ShippingHandler.failing.set('retried:1', 1);
    await deliver(queue, keyedEnvelope('g14-shipping', 'retried', 1));
    await deliver(queue, keyedEnvelope('g14-shipping', 'retried', 2));
    await waitFor(
      'both handled',
      async () => (await handledSteps(dataSource, 'shipping')).get('retried')?.length === 2,
    );

    expect((await handledSteps(dataSource, 'shipping')).get('retried')).toEqual([1, 2]);
    expect(G14ShippingHandler.failing.get('retried:1')).toBe(0);
  });

  it('a dead-lettered message holds the later ones of its key until it is retried', async () => {
    G14ShippingHandler.failing.set('dead:1', Infinity);
    const head = keyedEnvelope('g14-shipping', 'dead', 1);
    await deliver(queue, head);
    await deliver(queue, keyedEnvelope('g14-shipping', 'dead', 2));
    const deadLetters = shipping.get(DeadLetterQueue);
    await waitFor('the first message dead-lettered', async () =>
      (await deadLetters.list()).some((letter) => letter.jobId === head.id),
    );
    await waitFor(
      'the second one parked',
      async () => (await countParked(dataSource, prefix)) === 1,
    );
    expect((await handledSteps(dataSource, 'shipping')).get('dead')).toBeUndefined();

    const [blocked] = (await shipping.get(BlockedKeys).list()).filter(
      (key) => key.orderingKey === 'dead',
    );
    expect(blocked).toMatchObject({
      originEndpoint: 'g14-test',
      lastHandled: 0,
      waitingFor: 1,
      parked: 1,
      head: { messageId: head.id, error: expect.stringMatching(/fails on purpose/) },
    });

    G14ShippingHandler.failing.delete('dead:1');
    await deadLetters.retry(head.id);
    await waitFor(
      'both handled',
      async () => (await handledSteps(dataSource, 'shipping')).get('dead')?.length === 2,
    );

    expect((await handledSteps(dataSource, 'shipping')).get('dead')).toEqual([1, 2]);
    expect(await countParked(dataSource, prefix)).toBe(0);
  });

  it('a released message that is dead-lettered leaves its parked row, and skipping it goes on', async () => {
    G14ShippingHandler.failing.set('released-dead:2', Infinity);
    const second = keyedEnvelope('g14-shipping', 'released-dead', 2);
    await deliver(queue, second);
    await waitFor('the second parked', async () => (await countParked(dataSource, prefix)) === 1);
    await deliver(queue, keyedEnvelope('g14-shipping', 'released-dead', 1));
    const deadLetters = shipping.get(DeadLetterQueue);
    // Its release is its own job: the dead letter has that job's id.
    await waitFor('the released second message dead-lettered', async () =>
      (await deadLetters.list()).some((letter) => letter.jobId.startsWith(`${second.id}.r`)),
    );
    // Several sweeps: none releases it again, and nothing of the key counts as parked.
    await sleep(1500);
    expect(await countParked(dataSource, prefix)).toBe(0);
    const blocked = shipping.get(BlockedKeys);
    expect(await blocked.list()).toEqual([]);

    await deliver(queue, keyedEnvelope('g14-shipping', 'released-dead', 3));
    await waitFor('the third parked', async () => (await countParked(dataSource, prefix)) === 1);
    expect((await blocked.list())[0]).toMatchObject({
      orderingKey: 'released-dead',
      waitingFor: 2,
      head: { messageId: expect.stringMatching(new RegExp(`^${second.id}\\.r`)) },
    });
    expect(await blocked.skip('g14-test', 'released-dead')).toMatchObject({ skipped: 2 });
    await waitFor(
      'the third handled',
      async () => (await handledSteps(dataSource, 'shipping')).get('released-dead')?.length === 2,
    );
    expect((await handledSteps(dataSource, 'shipping')).get('released-dead')).toEqual([1, 3]);
    expect(await countParked(dataSource, prefix)).toBe(0);
    G14ShippingHandler.failing.delete('released-dead:2');
  });

  it('an operator skips a message that never arrived, and the parked ones go on in order', async () => {
    await deliver(queue, keyedEnvelope('g14-shipping', 'lost', 3));
    await deliver(queue, keyedEnvelope('g14-shipping', 'lost', 2));
    await waitFor('two parked', async () => (await countParked(dataSource, prefix)) === 2);
    const blocked = shipping.get(BlockedKeys);
    expect((await blocked.list()).find((key) => key.orderingKey === 'lost')).toMatchObject({
      lastHandled: 0,
      waitingFor: 1,
      parked: 2,
      head: null,
    });

    expect(await blocked.skip('g14-test', 'lost')).toMatchObject({ skipped: 1 });
    await waitFor(
      'both handled',
      async () => (await handledSteps(dataSource, 'shipping')).get('lost')?.length === 2,
    );

    expect((await handledSteps(dataSource, 'shipping')).get('lost')).toEqual([2, 3]);
    expect(await blocked.list()).toEqual([]);
    expect(await blocked.skip('g14-test', 'lost')).toBeUndefined();
  });

  it('drops copies of messages handled already, and of a parked one released twice', async () => {
    const messages = [1, 2, 3].map((step) => keyedEnvelope('g14-shipping', 'copies', step));
    await deliver(queue, messages[2]);
    await deliver(queue, messages[1]);
    await waitFor('two parked', async () => (await countParked(dataSource, prefix)) === 2);
    await deliver(queue, messages[0]);
    await waitFor(
      'all three handled',
      async () => (await countHandled(dataSource, 'shipping')) >= 5,
    );
    const copies = messages.flatMap((message) => [
      deliver(queue, message, { jobId: `${message.id}-copy` }),
      deliver(queue, message, { jobId: `${message.id}-again` }),
    ]);
    await Promise.all(copies);
    await waitFor('the copies completed', async () => {
      const jobs = await jobsIn(queue);
      return jobs.filter((job) => String(job.id).includes('-')).every((job) => job.finishedOn);
    });
    await sleep(300);

    expect((await handledSteps(dataSource, 'shipping')).get('copies')).toEqual([1, 2, 3]);
    expect(await countParked(dataSource, prefix)).toBe(0);
  });
});

describe('G14 per-key ordering: two receiver processes', () => {
  const prefix = uniquePrefix('g14p');
  let first: INestApplication;
  let second: INestApplication;
  let queue: Queue<MessageEnvelope>;

  beforeAll(async () => {
    const options = {
      endpoint: 'g14-shipping',
      prefix,
      entities: [G14Handled],
      providers: [G14ShippingHandler],
      messaging: { concurrency: 8 },
    };
    first = await startEndpoint(options);
    second = await startEndpoint(options);
    queue = openQueue(prefix, 'g14-shipping');
  });

  afterAll(() => closeAndCleanUp(prefix, [queue], [first, second]));

  it('shares a key between two instances and still handles its messages in order, once', async () => {
    const keys = ['k1', 'k2', 'k3'];
    const steps = 12;
    const all = keys.flatMap((key) =>
      Array.from({ length: steps }, (_, step) => keyedEnvelope('g14-shipping', key, step + 1)),
    );
    for (const envelope of shuffled(all)) await deliver(queue, envelope);
    const dataSource = first.get(DataSource);
    await waitFor(
      'every message handled',
      async () => (await countHandled(dataSource)) >= all.length,
      60000,
    );
    await sleep(300);

    const handled = await handledSteps(dataSource, 'shipping');
    for (const key of keys)
      expect(handled.get(key)).toEqual(Array.from({ length: steps }, (_, step) => step + 1));
    expect(await countHandled(dataSource)).toBe(all.length);
    expect(await countParked(dataSource, prefix)).toBe(0);
  });
});

describe('G14 per-key ordering: batched transactions', () => {
  const prefix = uniquePrefix('g14b');
  let shipping: INestApplication;
  let queue: Queue<MessageEnvelope>;
  /** The incoming message ids of each batch that committed. */
  const batches: string[][] = [];

  beforeAll(async () => {
    shipping = await startEndpoint({
      endpoint: 'g14-shipping',
      prefix,
      entities: [G14Handled],
      providers: [G14ShippingHandler],
      messaging: {
        concurrency: 8,
        batchSize: 4,
        faultHooks: {
          beforeCommit: ({ incomingMessageIds }) => {
            if (incomingMessageIds) batches.push(incomingMessageIds);
          },
        },
      },
    });
    queue = openQueue(prefix, 'g14-shipping');
  });

  afterAll(() => closeAndCleanUp(prefix, [queue], [shipping]));

  it('a batch holding several messages of one key handles them in order', async () => {
    const steps = 24;
    const dataSource = shipping.get(DataSource);
    // Each round a new key, in order as a sender's dispatches usually come, all waiting when the
    // worker starts taking them: both lanes are busy at once and the rest gather into batches.
    // Until a batch held two of one key: the two lanes race at first, and a message that passes
    // its predecessor is parked, after which each batch finds one ahead of its turn.
    let shared = 0;
    for (let round = 1; round <= 5 && shared === 0; round++) {
      const key = `batched-${round}`;
      const envelopes = Array.from({ length: steps }, (_, step) =>
        keyedEnvelope('g14-shipping', key, step + 1),
      );
      const before = await countHandled(dataSource);
      await queue.pause();
      for (const envelope of envelopes) await deliver(queue, envelope);
      await queue.resume();
      await waitFor(
        'every message handled',
        async () => (await countHandled(dataSource)) >= before + steps,
        60000,
      );
      await sleep(300);

      expect((await handledSteps(dataSource, 'shipping')).get(key)).toEqual(
        Array.from({ length: steps }, (_, step) => step + 1),
      );
      const ids = new Set(envelopes.map((envelope) => envelope.id));
      shared = batches.filter((batch) => batch.filter((id) => ids.has(id)).length >= 2).length;
    }
    expect(shared).toBeGreaterThan(0);
  });
});
