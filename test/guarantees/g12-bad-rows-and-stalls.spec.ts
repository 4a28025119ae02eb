import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { MessagingMetrics } from '../../lib';
import { G2, G2_ENTITIES, G2BillingHandler, G2OrderService } from '../fixtures/g2-lost.fixtures';
import { outboxRow, outboxRows } from '../support/inspect';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { ago, ident, sql } from '../support/sql';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G12 for what the relay meets in real deployments: outbox rows it can never dispatch (an id or a
 * destination BullMQ refuses, headers that are not JSON, written by hand or by an older version)
 * are flagged and skipped without holding up the rows behind them; a Redis that stalls without
 * failing does not hold up an @Outbox() call.
 */
describe('G12 bad outbox rows and a stalled Redis', () => {
  const prefix = uniquePrefix('g12b');
  let redisServer: RedisServerProcess;
  let orders: INestApplication;
  let billing: INestApplication;

  beforeAll(async () => {
    redisServer = new RedisServerProcess(await freePort());
    await redisServer.start();
    const common = { prefix, entities: G2_ENTITIES };
    const messaging = { redis: redisServer.connection };
    billing = await startEndpoint({
      ...common,
      endpoint: G2.billing,
      providers: [G2BillingHandler],
      messaging,
    });
    orders = await startEndpoint({
      ...common,
      endpoint: G2.orders,
      providers: [G2OrderService],
      // Claims of 2 rows: the bad rows alone fill the first claims.
      messaging: { ...messaging, consume: false, relay: { sweepBatchSize: 2, sweepDelayMs: 0 } },
    });
  });

  afterAll(async () => {
    try {
      await Promise.all([orders?.close(), billing?.close()]);
    } finally {
      await redisServer?.destroy();
      await cleanUp(prefix);
    }
  }, 60000);

  /** Both endpoints share the tables here, so either one's sweeper may flag a row. */
  const undeliverable = async () => {
    const counts = await Promise.all(
      [orders, billing].map(
        async (app) => (await app.get(MessagingMetrics).snapshot()).undeliverable,
      ),
    );
    return counts[0] + counts[1];
  };
  const handled = (messageId: string) => billing.get(G2BillingHandler).timesHandled(messageId);

  /** Writes an outbox row as a hand-written script or an older version might have. */
  async function insertRow(row: { id: string; destination: string; headers?: string }) {
    const headers = JSON.stringify({
      correlationId: randomUUID(),
      causationId: null,
      originEndpoint: G2.orders,
      sentAt: new Date().toISOString(),
    });
    await orders.get(DataSource).query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, causation_id, correlation_id, created_at)
       VALUES (?, 'g2.ChargeOrder', ?, ?, ?, ?, NULL, ?, ${ago(1, 'SECOND')})`),
      [
        row.id,
        row.destination,
        JSON.stringify({ orderId: `order-of-${row.id}` }),
        row.headers ?? headers,
        G2.orders,
        randomUUID(),
      ],
    );
  }

  it('flags the rows it can never dispatch, counts them, and delivers every row behind them once', async () => {
    const bad = [
      { id: 'order:42', destination: G2.billing, problem: /contains ":"/ },
      { id: '1234567', destination: G2.billing, problem: /is an integer/ },
      {
        id: randomUUID(),
        destination: 'bad:destination',
        problem: /endpoint name "bad:destination"/,
      },
      {
        id: randomUUID(),
        destination: G2.billing,
        headers: '{not json',
        problem: /headers are not JSON/,
      },
    ];
    const good = Array.from({ length: 5 }, () => ({ id: randomUUID(), destination: G2.billing }));
    for (const row of [...bad, ...good]) await insertRow(row);

    await waitFor('every good row to be handled', () => good.every((row) => handled(row.id) === 1));
    await waitFor('the bad rows to be flagged', async () => {
      const rows = await Promise.all(bad.map((row) => outboxRow(orders, prefix, row.id)));
      return rows.every((row) => row?.dispatch_error);
    });
    for (const row of bad) {
      const stored = await outboxRow(orders, prefix, row.id);
      expect(stored?.dispatched_at).toBeNull();
      expect(stored?.dispatch_error).toMatch(row.problem);
    }
    await waitFor(
      'the flagged rows to be counted',
      async () => (await undeliverable()) === bad.length,
    );
    // Flagged rows are not pending: no lag, and they are not claimed again.
    await sleep(500);
    expect((await orders.get(MessagingMetrics).snapshot()).dispatchLagMs).toBe(0);
    expect(await undeliverable()).toBe(bad.length);
    expect(good.map((row) => handled(row.id))).toEqual(good.map(() => 1));
    const pending = (await outboxRows(orders, prefix)).filter(
      (row) => row.dispatched_at === null && row.dispatch_error === null,
    );
    expect(pending).toEqual([]);
  });

  it('returns from @Outbox() calls while Redis stalls (CLIENT PAUSE), more of them than pooled connections, and delivers them after', async () => {
    const admin = new Redis({ ...redisServer.connection, maxRetriesPerRequest: null });
    const probe = new Redis({ ...redisServer.connection, maxRetriesPerRequest: null });
    try {
      await admin.client('PAUSE', 20000, 'ALL');
      let redisAnswered = false;
      const answered = probe.ping().then(() => (redisAnswered = true));
      // 16 at once on a pool of 10: dispatches still waiting for Redis must hold no connection.
      const service = orders.get(G2OrderService);
      const messageIds = await Promise.all(
        Array.from({ length: 16 }, (_, index) => service.place(`stalled-${index}`)),
      );
      // The calls committed and returned while Redis still did not answer anyone.
      expect(redisAnswered).toBe(false);
      for (const messageId of messageIds)
        expect(await outboxRow(orders, prefix, messageId)).toMatchObject({ dispatched_at: null });
      await answered;
      await waitFor(
        'billing to handle them once Redis answers',
        () => messageIds.every((messageId) => handled(messageId) === 1),
        30000,
      );
    } finally {
      probe.disconnect();
      admin.disconnect();
    }
  }, 90000);
});
