import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import type { ConsistentMessagingModuleOptions, FaultHooks } from '../../lib';
import {
  G7,
  G7_ENTITIES,
  G7OrderService,
  G7Subscriber,
  g7Order,
} from '../fixtures/g7-stable.fixtures';
import {
  CompletionRecorder,
  QueueInspector,
  holdSweepers,
  inboxRows,
  outboxRow,
  outboxRows,
} from '../support/inspect';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G7: re-dispatch after a crash sends exactly the committed messages, byte for byte, with the same
 * ids, and receivers drop the copies. g7-orders (@Outbox() publishes G7OrderPlaced) -> two
 * subscribers, g7-shipping and g7-invoicing.
 */
describe('G7 stable outputs and partial dispatch', () => {
  const prefix = uniquePrefix('g7');
  const SUBSCRIBERS = [G7.shipping, G7.invoicing];
  /** Long enough for another sweep (every 100 ms) or a redelivery to show a second copy. */
  const SETTLE_MS = 1000;

  afterAll(async () => {
    await cleanUp(prefix);
  });

  /** Starts the publisher and both subscribers; every app of a block shares the options. */
  async function startScenario(
    messaging: Partial<ConsistentMessagingModuleOptions>,
  ): Promise<Record<string, INestApplication>> {
    const common = { prefix, entities: G7_ENTITIES, messaging };
    const apps: Record<string, INestApplication> = {};
    for (const endpoint of SUBSCRIBERS)
      apps[endpoint] = await startEndpoint({ ...common, endpoint, providers: [G7Subscriber] });
    apps[G7.orders] = await startEndpoint({
      ...common,
      endpoint: G7.orders,
      providers: [G7OrderService],
    });
    return apps;
  }

  const timesHandled = (app: INestApplication, messageId: string) =>
    app.get(G7Subscriber).timesHandled(messageId);

  describe('(a) a crash after dispatching to one subscriber of two (afterPartialDispatch throws once)', () => {
    const crashOnce = new Set<string>();
    let hookCalls = 0;
    const faultHooks: FaultHooks = {
      afterPartialDispatch: ({ messageIds }) => {
        hookCalls++;
        for (const id of messageIds)
          if (crashOnce.delete(id)) throw new Error('simulated crash after a partial dispatch');
      },
    };
    let apps: Record<string, INestApplication>;
    let queues: QueueInspector;

    beforeAll(async () => {
      apps = await startScenario({ faultHooks });
      queues = new QueueInspector(prefix);
    });

    afterAll(async () => {
      await Promise.all(Object.values(apps ?? {}).map((app) => app.close()));
      await queues?.close();
    });

    it('the sweeper completes the dispatch: one job per subscriber, same id, payload identical to the outbox row', async () => {
      const orders = apps[G7.orders];
      const resumeSweepers = await holdSweepers(Object.values(apps));
      const messageId = randomUUID();
      crashOnce.add(messageId);
      // The failed dispatch is only logged: the call succeeds, its state is committed.
      await expect(orders.get(G7OrderService).place('a-1', messageId)).resolves.toBe(messageId);
      expect(hookCalls).toBe(1);

      const partial = await Promise.all(
        SUBSCRIBERS.map(async (endpoint) => (await queues.jobsOf(endpoint, messageId)).length),
      );
      expect([...partial].sort()).toEqual([0, 1]);
      expect(await outboxRow(orders, prefix, messageId)).toMatchObject({ dispatched_at: null });

      resumeSweepers();
      await waitFor('both subscribers to handle the event', () =>
        SUBSCRIBERS.every((endpoint) => timesHandled(apps[endpoint], messageId) > 0),
      );
      await waitFor(
        'the row marked dispatched',
        async () => (await outboxRow(orders, prefix, messageId))?.dispatched_at != null,
      );
      await sleep(SETTLE_MS);

      const rows = await outboxRows(orders, prefix, { messageId });
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row.payload).toBe(JSON.stringify(g7Order('a-1')));
      for (const endpoint of SUBSCRIBERS) {
        const jobs = await queues.jobsOf(endpoint, messageId);
        expect(jobs.map((job) => job.id)).toEqual([messageId]);
        const [job] = jobs;
        expect(job.data.id).toBe(messageId);
        expect(job.data.type).toBe(row.message_type);
        expect(Buffer.from(job.data.payload, 'utf8')).toEqual(Buffer.from(row.payload, 'utf8'));
        expect(job.data.headers).toEqual(JSON.parse(row.headers));
        expect(timesHandled(apps[endpoint], messageId)).toBe(1);
        const [handled] = apps[endpoint]
          .get(G7Subscriber)
          .handled.filter((entry) => entry.messageId === messageId);
        expect({ ...handled.message }).toEqual(JSON.parse(row.payload));
      }
    });
  });

  describe('(b) a crash after dispatch, before marking (afterDispatchBeforeMark throws once)', () => {
    const crashOnce = new Set<string>();
    const faultHooks: FaultHooks = {
      afterDispatchBeforeMark: ({ messageIds }) => {
        for (const id of messageIds)
          if (crashOnce.delete(id)) throw new Error('simulated crash after dispatch, before mark');
      },
    };
    let apps: Record<string, INestApplication>;
    const recorders: Record<string, CompletionRecorder> = {};

    beforeAll(async () => {
      // Completed jobs are removed at once, so the sweeper's copy is a new job with the same id
      // that reaches the subscriber (a kept job would make BullMQ ignore the copy).
      apps = await startScenario({ faultHooks, keepCompletedJobs: 0 });
      for (const endpoint of SUBSCRIBERS)
        recorders[endpoint] = await new CompletionRecorder(prefix, endpoint).ready();
    });

    afterAll(async () => {
      await Promise.all(Object.values(apps ?? {}).map((app) => app.close()));
      await Promise.all(Object.values(recorders).map((recorder) => recorder.close()));
    });

    it('the row stays pending, the sweeper sends the same message again and both inboxes drop the copy', async () => {
      const orders = apps[G7.orders];
      const resumeSweepers = await holdSweepers(Object.values(apps));
      const messageId = randomUUID();
      crashOnce.add(messageId);
      await expect(orders.get(G7OrderService).place('b-1', messageId)).rejects.toThrow(
        'simulated crash after dispatch, before mark',
      );

      await waitFor('both subscribers to complete the first delivery', () =>
        SUBSCRIBERS.every((endpoint) => recorders[endpoint].of(messageId).length > 0),
      );
      expect(await outboxRow(orders, prefix, messageId)).toMatchObject({ dispatched_at: null });

      resumeSweepers();
      await waitFor('both subscribers to complete the copy', () =>
        SUBSCRIBERS.every((endpoint) => recorders[endpoint].of(messageId).length >= 2),
      );
      await waitFor(
        'the row marked dispatched',
        async () => (await outboxRow(orders, prefix, messageId))?.dispatched_at != null,
      );
      await sleep(SETTLE_MS);

      expect(await outboxRows(orders, prefix, { messageId })).toHaveLength(1);
      for (const endpoint of SUBSCRIBERS) {
        expect(recorders[endpoint].of(messageId)).toEqual([
          { jobId: messageId, returnvalue: 'handled' },
          { jobId: messageId, returnvalue: 'duplicate' },
        ]);
        expect(timesHandled(apps[endpoint], messageId)).toBe(1);
        expect(await inboxRows(orders, prefix, messageId, endpoint)).toHaveLength(1);
      }
    });
  });
});
