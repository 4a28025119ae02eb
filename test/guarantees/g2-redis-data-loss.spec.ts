import { type INestApplication, Logger } from '@nestjs/common';
import { execFile } from 'child_process';
import Redis from 'ioredis';
import { join } from 'path';
import { promisify } from 'util';
import { DataSource } from 'typeorm';
import { MessagingMetrics, redispatchOutboxSince } from '../../lib';
import { G2D, G2dAuditHandler, G2dOrderService } from '../fixtures/g2-data-loss.fixtures';
import { G2_ENTITIES, G2BillingHandler } from '../fixtures/g2-lost.fixtures';
import { SubscriptionRegistry } from '../../lib/transport/subscription.registry';
import { outboxRow, QueueInspector } from '../support/inspect';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { db } from '../support/services';
import { ident } from '../support/sql';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G2 when Redis loses its data (a restart without persistence, FLUSHALL, a failover that lost
 * writes): the subscriptions come back without restarting anything, events are held until they
 * do, an event nobody subscribes to is counted, and jobs Redis lost are dispatched again from the
 * outbox "since T". g2d-orders publishes to g2d-ledger and sends to g2d-archive (no consumer).
 */
describe('G2 Redis data loss', () => {
  const prefix = uniquePrefix('g2d');
  /** Long enough for many sweeps (every 100 ms) to have tried and held. */
  const SETTLE_MS = 1500;
  let redisServer: RedisServerProcess;
  let admin: Redis;
  let orders: INestApplication;
  let ledger: INestApplication;
  let queues: QueueInspector;

  beforeAll(async () => {
    redisServer = new RedisServerProcess(await freePort());
    await redisServer.start();
    admin = new Redis({ ...redisServer.connection, maxRetriesPerRequest: null });
    admin.on('error', () => undefined);
    const common = {
      prefix,
      entities: G2_ENTITIES,
      messaging: {
        redis: redisServer.connection,
        // Registrations come back at a reconnect here, not from the periodic refresh.
        subscriptionRefreshMs: 600000,
      },
    };
    ledger = await startEndpoint({
      ...common,
      endpoint: G2D.ledger,
      providers: [G2BillingHandler],
    });
    orders = await startEndpoint({
      ...common,
      endpoint: G2D.orders,
      providers: [G2dOrderService],
      // Every lookup asks Redis (the registration test below watches them).
      messaging: { ...common.messaging, consume: false, relay: { subscriptionCacheMs: 0 } },
    });
    queues = new QueueInspector(prefix, redisServer.connection);
  });

  afterAll(async () => {
    try {
      await redisServer?.start();
      await Promise.all([orders?.close(), ledger?.close()]);
      await queues?.close();
      admin?.disconnect();
    } finally {
      await redisServer?.destroy();
      await cleanUp(prefix);
    }
  }, 90000);

  const handled = (messageId: string) => ledger.get(G2BillingHandler).timesHandled(messageId);
  const dispatchedAt = async (messageId: string) =>
    (await outboxRow(orders, prefix, messageId))?.dispatched_at ?? null;

  it('holds events while their subscriptions are lost, and delivers them once they are back, with no restart', async () => {
    const service = orders.get(G2dOrderService);
    const first = await service.publishCharge('loss-1');
    await waitFor('the ledger to handle the first event', () => handled(first) === 1);

    await admin.flushall();
    const held = await service.publishCharge('loss-2');
    await sleep(SETTLE_MS);
    expect(await dispatchedAt(held)).toBeNull();
    expect(handled(held)).toBe(0);
    expect((await orders.get(MessagingMetrics).snapshot()).held).toBeGreaterThan(0);
    expect((await orders.get(MessagingMetrics).snapshot()).dispatchLagMs).toBeGreaterThan(0);

    // A restart without data: every connection comes back and each endpoint registers again.
    await redisServer.restartEmpty();
    await waitFor('the held event to be delivered', () => handled(held) === 1, 30000);
    const after = await service.publishCharge('loss-3');
    await waitFor('a new event to be delivered', () => handled(after) === 1);
    await sleep(SETTLE_MS);
    expect([handled(first), handled(held), handled(after)]).toEqual([1, 1, 1]);
  }, 150000);

  it('counts and logs an event no endpoint subscribes to, instead of silently dispatching it', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const before = (await orders.get(MessagingMetrics).snapshot()).withoutSubscribers;
    const messageId = await orders.get(G2dOrderService).announceToNobody('nobody-1');
    await waitFor('the event to be marked', async () => (await dispatchedAt(messageId)) !== null);
    expect((await orders.get(MessagingMetrics).snapshot()).withoutSubscribers).toBe(before + 1);
    expect(warnings.mock.calls.map(([text]) => String(text))).toContainEqual(
      expect.stringMatching(/Event type "g2d\.NobodyListens" has no subscriber/),
    );
    warnings.mockRestore();
  });

  it('re-dispatches the rows dispatched since T (API and command) after Redis lost their jobs; inboxes drop what was handled', async () => {
    const service = orders.get(G2dOrderService);
    const since = new Date();
    const handledBefore = await service.publishCharge('dr-handled');
    await waitFor('the ledger to handle it', () => handled(handledBefore) === 1);
    const waiting = await service.archive('dr-waiting');
    await waitFor(
      'the archive job to wait in Redis',
      async () => (await queues.jobsOf(G2D.archive, waiting)).length === 1,
    );
    await waitFor('both rows to be marked', async () =>
      (await Promise.all([dispatchedAt(handledBefore), dispatchedAt(waiting)])).every(Boolean),
    );

    await redisServer.restartEmpty();
    expect(await queues.jobsOf(G2D.archive, waiting)).toEqual([]);
    const madePending = await redispatchOutboxSince(orders.get(DataSource), {
      tablePrefix: prefix,
      since,
      endpoint: G2D.orders,
    });
    expect(madePending).toBe(2);
    await waitFor(
      'the lost job to be in Redis again',
      async () => (await queues.jobsOf(G2D.archive, waiting)).length === 1,
    );
    await waitFor('the rows to be marked again', async () =>
      (await Promise.all([dispatchedAt(handledBefore), dispatchedAt(waiting)])).every(Boolean),
    );
    await sleep(SETTLE_MS);
    expect(handled(handledBefore)).toBe(1);
    expect((await ledger.get(MessagingMetrics).snapshot()).duplicates).toBeGreaterThan(0);

    await redisServer.restartEmpty();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...['-r', 'ts-node/register/transpile-only', join(__dirname, '../../lib/cli/main.ts')],
        ...['redispatch', '--since', since.toISOString(), '--table-prefix', prefix],
        ...[
          '--url',
          `${db.type}://${db.username}:${db.password}@${db.host}:${db.port}/${db.database}`,
        ],
      ],
      { cwd: join(__dirname, '../..') },
    );
    expect(stdout).toMatch(/^2 outbox row\(s\) dispatched since .* are pending again/);
    await waitFor(
      'the lost job to be in Redis again after the command',
      async () => (await queues.jobsOf(G2D.archive, waiting)).length === 1,
    );
  });
  it('never routes an event past a subscriber that is registering again after a data loss', async () => {
    const dispatcher = orders.get(SubscriptionRegistry);
    const subscriber = ledger.get(SubscriptionRegistry);
    const routes: string[][] = [];
    for (let round = 0; round < 20; round++) {
      await admin.flushall();
      // The subscriber's own refresh, as at a reconnect; lookups run while it writes.
      const registering = subscriber['register']();
      let known = false;
      while (!known) {
        const { endpoints, unknown } = await dispatcher.subscribersOf('g2.ChargeOrder');
        routes.push([...endpoints, ...unknown]);
        known = endpoints.includes(G2D.ledger);
      }
      await registering;
    }
    expect(routes.filter((route) => !route.includes(G2D.ledger))).toEqual([]);
  }, 60000);

  it('still delivers to the subscribers that came back when one never does, and holds only that copy', async () => {
    const service = orders.get(G2dOrderService);
    const gone = await startEndpoint({
      prefix,
      entities: G2_ENTITIES,
      endpoint: 'g2d-gone',
      providers: [G2dAuditHandler],
      messaging: { redis: redisServer.connection, subscriptionRefreshMs: 600000 },
    });
    const seen = await service.publishCharge('gone-1');
    await waitFor('both subscribers to handle it', () =>
      [handled(seen), gone.get(G2dAuditHandler).handled.filter((id) => id === seen).length].every(
        (n) => n === 1,
      ),
    );
    await gone.close();

    await redisServer.restartEmpty();
    const messageId = await service.publishCharge('gone-2');
    await waitFor(
      'the endpoint that came back to handle it',
      () => handled(messageId) === 1,
      30000,
    );
    await sleep(SETTLE_MS);
    expect(await dispatchedAt(messageId)).toBeNull();
    expect(handled(messageId)).toBe(1);

    // The README's remedy for an endpoint gone for good.
    await orders
      .get(DataSource)
      .query(`DELETE FROM ${ident(`${prefix}subscriptions`)} WHERE endpoint = 'g2d-gone'`);
    await waitFor(
      'the row to be marked',
      async () => (await dispatchedAt(messageId)) !== null,
      90000,
    );
    expect(handled(messageId)).toBe(1);
  }, 150000);
});
