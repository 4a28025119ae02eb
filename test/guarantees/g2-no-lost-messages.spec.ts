import { type INestApplication, Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import type { FaultHooks } from '../../lib';
import { G2, G2_ENTITIES, G2BillingHandler, G2OrderService } from '../fixtures/g2-lost.fixtures';
import { PaymentEntity } from '../fixtures/entities';
import { PlacedOrder } from '../fixtures/order-input';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { QueueInspector, holdSweepers, outboxRow } from '../support/inspect';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G2: once the state change commits, every message recorded with it is dispatched, even if the
 * process dies right after the commit or Redis is down at that moment. g2-orders (@Outbox() sends
 * G2ChargeOrder) -> g2-billing (records a charge).
 */
describe('G2 no lost messages', () => {
  const prefix = uniquePrefix('g2');
  /** Long enough for another sweep (every 100 ms) or a redelivery to show a second copy. */
  const SETTLE_MS = 1000;

  afterAll(async () => {
    await cleanUp(prefix);
  });

  const orderCount = (app: INestApplication, orderId: string) =>
    app.get(DataSource).getRepository(PlacedOrder).countBy({ id: orderId });
  const chargeCount = (app: INestApplication, orderId: string) =>
    app.get(DataSource).getRepository(PaymentEntity).countBy({ orderId });

  describe('(a) a crash right after COMMIT, before dispatch (afterCommitBeforeDispatch throws)', () => {
    /** Message ids whose dispatch right after commit "crashes". */
    const crashAfterCommit = new Set<string>();
    const faultHooks: FaultHooks = {
      afterCommitBeforeDispatch: ({ messageIds }) => {
        if (messageIds.some((id) => crashAfterCommit.has(id)))
          throw new Error('simulated crash right after COMMIT');
      },
    };
    let orders: INestApplication;
    let billing: INestApplication;
    let queues: QueueInspector;

    beforeAll(async () => {
      const common = { prefix, entities: G2_ENTITIES, messaging: { faultHooks } };
      billing = await startEndpoint({
        ...common,
        endpoint: G2.billing,
        providers: [G2BillingHandler],
      });
      orders = await startEndpoint({ ...common, endpoint: G2.orders, providers: [G2OrderService] });
      queues = new QueueInspector(prefix);
    });

    afterAll(async () => {
      await Promise.all([orders?.close(), billing?.close()]);
      await queues?.close();
    });

    it('leaves the committed row pending; the sweeper dispatches it and billing handles it once', async () => {
      const handler = billing.get(G2BillingHandler);
      // Hold every sweeper (they share the outbox table) to look at the row the crash left.
      const resumeSweepers = await holdSweepers([orders, billing]);
      const messageId = randomUUID();
      crashAfterCommit.add(messageId);
      await expect(orders.get(G2OrderService).place('a-1', messageId)).rejects.toThrow(
        'simulated crash right after COMMIT',
      );

      expect(await orderCount(orders, 'a-1')).toBe(1);
      expect(await outboxRow(orders, prefix, messageId)).toMatchObject({
        message_id: messageId,
        destination: G2.billing,
        dispatched_at: null,
      });
      expect(await queues.jobsOf(G2.billing, messageId)).toEqual([]);

      resumeSweepers();
      await waitFor(
        'billing to handle the swept message',
        () => handler.timesHandled(messageId) > 0,
      );
      await waitFor(
        'the row marked dispatched',
        async () => (await outboxRow(orders, prefix, messageId))?.dispatched_at != null,
      );
      await sleep(SETTLE_MS);
      expect((await queues.jobsOf(G2.billing, messageId)).map((job) => job.id)).toEqual([
        messageId,
      ]);
      expect(handler.timesHandled(messageId)).toBe(1);
      expect(await chargeCount(billing, 'a-1')).toBe(1);
    });
  });

  describe('(b) Redis down at dispatch time (a private redis-server, stopped and restarted)', () => {
    let redisServer: RedisServerProcess;
    let orders: INestApplication;
    let billing: INestApplication;
    let queues: QueueInspector;

    beforeAll(async () => {
      redisServer = new RedisServerProcess(await freePort());
      await redisServer.start();
      const common = {
        prefix,
        entities: G2_ENTITIES,
        messaging: { redis: redisServer.connection },
      };
      billing = await startEndpoint({
        ...common,
        endpoint: G2.billing,
        providers: [G2BillingHandler],
      });
      // Producer only: its one BullMQ worker would be one more connection to wait for at close.
      orders = await startEndpoint({
        ...common,
        endpoint: G2.orders,
        providers: [G2OrderService],
        // It caches routing and retry policies (2 s by default): its first send to g2-audit below
        // then reaches Redis only through a queue it creates during the outage.
        messaging: { ...common.messaging, consume: false, relay: { subscriptionCacheMs: 60000 } },
      });
      queues = new QueueInspector(prefix, redisServer.connection);
    });

    afterAll(async () => {
      try {
        // BullMQ's Worker.close() may never return if Redis is down or the worker is still
        // reconnecting to it: if a test failed midway, bring Redis back and let a message go
        // through billing's worker (the only one), which shows its connections are ready again.
        // After a long outage the worker retries only every 20 s, hence the long wait.
        await redisServer?.start();
        await roundTrip(30000).catch(() => undefined);
        await Promise.all([orders?.close(), billing?.close()]);
        await queues?.close();
      } finally {
        await redisServer?.stop();
      }
    }, 90000);

    /**
     * Places an order and waits until billing handled it, even if the call itself failed (after a
     * commit the sweeper still delivers it).
     */
    async function roundTrip(timeoutMs = 15000): Promise<void> {
      const messageId = randomUUID();
      await orders
        .get(G2OrderService)
        .place(`probe-${messageId}`, messageId)
        .catch(() => undefined);
      const handler = billing.get(G2BillingHandler);
      await waitFor(
        'a message to go through',
        () => handler.timesHandled(messageId) === 1,
        timeoutMs,
      );
    }

    afterEach(() => jest.restoreAllMocks());

    it('commits while Redis is down, keeps the rows pending and delivers them once Redis is back', async () => {
      const handler = billing.get(G2BillingHandler);
      const service = orders.get(G2OrderService);
      await roundTrip(); // the private Redis works

      await redisServer.stop();
      const warnings = jest.spyOn(Logger.prototype, 'warn');
      // To billing, whose queue this process already uses, and to g2-audit, never sent to before.
      const messageId = await service.place('b-1');
      const auditId = await service.place('b-2', undefined, G2.audit);

      expect(await orderCount(orders, 'b-1')).toBe(1);
      expect(await orderCount(orders, 'b-2')).toBe(1);
      for (const id of [messageId, auditId])
        expect(await outboxRow(orders, prefix, id)).toMatchObject({ dispatched_at: null });
      const logged = warnings.mock.calls.map(([message]) => String(message));
      expect(
        logged.filter((message) => /Dispatch of 1 message\(s\) failed/.test(message)),
      ).toHaveLength(2);
      // Whatever the sweepers try while Redis is down fails too: the rows stay pending.
      await sleep(SETTLE_MS);
      for (const id of [messageId, auditId])
        expect(await outboxRow(orders, prefix, id)).toMatchObject({ dispatched_at: null });

      await redisServer.start();
      await waitFor(
        'billing to handle the message after the outage',
        () => handler.timesHandled(messageId) > 0,
      );
      await waitFor('both rows marked dispatched', async () => {
        const rows = await Promise.all(
          [messageId, auditId].map((id) => outboxRow(orders, prefix, id)),
        );
        return rows.every((row) => row?.dispatched_at != null);
      });
      await sleep(SETTLE_MS);
      expect((await queues.jobsOf(G2.billing, messageId)).map((job) => job.id)).toEqual([
        messageId,
      ]);
      expect((await queues.jobsOf(G2.audit, auditId)).map((job) => job.id)).toEqual([auditId]);
      expect(handler.timesHandled(messageId)).toBe(1);
      expect(await chargeCount(billing, 'b-1')).toBe(1);
    });
  });
});
