import type { INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { MessageEnvelope } from '../../lib';
import {
  G6_OBSERVER,
  G6AuditHandler,
  G6Order,
  G6OrderHandler,
  SubmitOrder,
} from '../fixtures/g6-orders';
import { CpuLoad } from '../support/cpu-load';
import { deliver, envelopeOf, openQueue } from '../support/jobs';
import { closeAndCleanUp } from '../support/scenarios';
import { db } from '../support/services';
import { sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G6: a follow-up message cannot be consumed before the state change that caused it is committed
 * and visible to other connections. Run with more busy processes than cores beside it: a loaded
 * machine must change nothing.
 */
describe('G6 causal order', () => {
  const prefix = uniquePrefix('g6');
  const count = 50;
  let orders: INestApplication;
  let audit: INestApplication;
  let queue: Queue<MessageEnvelope>;
  let load: CpuLoad;

  beforeAll(async () => {
    load = CpuLoad.start();
    audit = await startEndpoint({
      endpoint: 'g6-audit',
      prefix,
      entities: [G6Order],
      providers: [G6AuditHandler],
      imports: [TypeOrmModule.forRoot({ name: G6_OBSERVER, ...db })],
    });
    orders = await startEndpoint({
      endpoint: 'g6-orders',
      prefix,
      entities: [G6Order],
      providers: [G6OrderHandler],
      messaging: {
        // A slow commit: the outbox rows are written, the COMMIT is 50 ms away. Anything that
        // sent them before it returns would be seen by the downstream before the order is.
        faultHooks: {
          beforeCommit: async ({ incomingMessageId }) => {
            if (incomingMessageId) await sleep(50);
          },
        },
      },
    });
    queue = openQueue(prefix, 'g6-orders');
  });

  afterAll(async () => {
    await load?.stop();
    await closeAndCleanUp(prefix, [queue], [orders, audit]);
  });

  it(`the order is visible to another connection when each of ${count} follow-ups is handled`, async () => {
    const orderIds = Array.from({ length: count }, (_, i) => `order-${i}`);
    await Promise.all(orderIds.map((id) => deliver(queue, envelopeOf(new SubmitOrder(id)))));
    const observations = audit.get(G6AuditHandler).observations;
    await waitFor(`${count} follow-ups handled`, () => observations.length >= count, 60000);
    await sleep(300);

    expect(observations.map((seen) => seen.orderId).sort()).toEqual([...orderIds].sort());
    expect(observations.filter((seen) => !seen.visible).map((seen) => seen.orderId)).toEqual([]);
  });
});
