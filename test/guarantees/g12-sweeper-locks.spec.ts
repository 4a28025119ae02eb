import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { G2_ENTITIES } from '../fixtures/g2-lost.fixtures';
import { G12_SINK, G12KeyedOrders } from '../fixtures/g12-locks.fixtures';
import { ago, ident, sql } from '../support/sql';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G12 for the library's own statements: while the sweeper claims and marks a large backlog, the
 * application's @Outbox() calls that insert into the same outbox never wait on those locks and
 * are never made deadlock victims (the sweeper and the marks run at READ COMMITTED).
 */
describe('G12 the sweeper never makes callers deadlock victims', () => {
  const prefix = uniquePrefix('g12l');
  let orders: INestApplication;

  beforeAll(async () => {
    orders = await startEndpoint({
      endpoint: 'g12l-orders',
      prefix,
      entities: G2_ENTITIES,
      providers: [G12KeyedOrders],
      poolSize: 20,
      messaging: {
        consume: false,
        keepCompletedJobs: 0,
        relay: { sweepDelayMs: 1000, sweepIntervalMs: 10, sweepBatchSize: 500 },
      },
    });
  });

  afterAll(async () => {
    await orders?.close();
    await cleanUp(prefix);
  }, 60000);

  async function pendingRows(): Promise<number> {
    const [{ pending }] = await orders
      .get(DataSource)
      .query(
        `SELECT COUNT(*) AS pending FROM ${ident(`${prefix}outbox`)} WHERE dispatched_at IS NULL`,
      );
    return Number(pending);
  }

  /** Pending rows as a crash or an outage leaves them: the sweeper's work. */
  async function addBacklog(rows: number): Promise<void> {
    const values = Array.from({ length: rows }, () => [
      randomUUID(),
      G12_SINK,
      JSON.stringify({
        correlationId: randomUUID(),
        causationId: null,
        originEndpoint: 'x',
        sentAt: '',
      }),
    ]);
    const row = `(?, 'g2.ChargeOrder', ?, '{}', ?, 'x', 'c', ${ago(2, 'SECOND')})`;
    await orders.get(DataSource).query(
      sql(`INSERT INTO ${ident(`${prefix}outbox`)} (message_id, message_type, destination, payload,
         headers, origin_endpoint, correlation_id, created_at)
       VALUES ${values.map(() => row).join(', ')}`),
      values.flat(),
    );
  }

  it('runs 1,500 @Outbox() calls beside a draining backlog without one failure', async () => {
    const service = orders.get(G12KeyedOrders);
    const failures: string[] = [];
    let calling = true;
    // A backlog beside the calls while they last, topped up to at most 2,000 rows: on a loaded
    // machine the calls are slow, and an ever-growing one would take minutes to drain.
    const backlog = (async () => {
      while (calling) {
        if ((await pendingRows()) < 2000) await addBacklog(500);
        else await sleep(20);
      }
    })();
    const callers = Array.from({ length: 12 }, async (_, caller) => {
      for (let call = 0; call < 125; call++) {
        await service
          .place(`o-${caller}-${call}`)
          .catch((error: Error) => failures.push(error.message));
      }
    });
    await Promise.all(callers);
    calling = false;
    await backlog;
    expect(failures).toEqual([]);
    await waitFor('the backlog to drain', async () => (await pendingRows()) === 0, 120000);
  }, 300000);
});
