import { Injectable, type INestApplication } from '@nestjs/common';
import { getQueueToken as sharedQueueToken } from '@nestjs/bull-shared';
import { InjectQueue } from '@nestjs/bullmq';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import type { Queue } from 'bullmq';
import {
  InvalidMessagingOptionsError,
  type MessageEnvelope,
  ConsistentMessagingModule,
} from '../../lib';
import { bullQueueToken } from '../../lib/transport/bull-queue-token';
import { G10InventoryHandler, G10Reservation, Reserve } from '../fixtures/g10-inventory';
import { deliver, envelopeOf } from '../support/jobs';
import { redis } from '../support/services';
import { cleanUp, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

const ENDPOINT = 'tooling-inventory';

@Injectable()
class QueueUser {
  constructor(@InjectQueue(ENDPOINT) readonly queue: Queue<MessageEnvelope>) {}
}

/**
 * The `queues` extra makes the library's queues reachable the @nestjs/bullmq way: @InjectQueue and
 * bull-board's BullBoardModule.forFeature, as the README shows.
 */
describe('queues for BullMQ tooling', () => {
  const prefix = uniquePrefix('tooling');
  let app: INestApplication;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint: ENDPOINT,
      prefix,
      entities: [G10Reservation],
      providers: [G10InventoryHandler, QueueUser],
      messaging: { queues: [ENDPOINT] } as never,
      imports: [
        BullBoardModule.forRoot({ route: '/queues', adapter: ExpressAdapter }),
        BullBoardModule.forFeature({ name: ENDPOINT, adapter: BullMQAdapter }),
      ],
    });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp(prefix);
  });

  it('uses the token @nestjs/bullmq uses', () => {
    expect(bullQueueToken(ENDPOINT)).toBe(sharedQueueToken(ENDPOINT));
  });

  it('injects the endpoint queue with @InjectQueue, and bull-board lists its jobs', async () => {
    const { queue } = app.get(QueueUser);
    expect(queue.name).toBe(ENDPOINT);
    expect(queue.opts.prefix).toBe(prefix.replace(/_+$/, ''));
    const envelope = envelopeOf(new Reserve('sku-tooling'));
    await deliver(queue as Queue<unknown>, envelope);
    await waitFor('handled', async () => (await queue.getJobState(envelope.id)) === 'completed');

    const response = await fetch(
      `${await app.getUrl()}/queues/api/queues?activeQueue=${ENDPOINT}&status=completed`,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[];
    };
    const listed = body.queues.find((listedQueue) => listedQueue.name === ENDPOINT);
    expect(listed?.counts.completed).toBeGreaterThanOrEqual(1);
    expect(listed?.jobs.map((job) => job.id)).toContain(envelope.id);
  });

  it('refuses a queue name that is no endpoint name', () => {
    expect(() =>
      ConsistentMessagingModule.forRoot({ endpoint: 'x', redis, queues: ['a:b'] }),
    ).toThrow(InvalidMessagingOptionsError);
  });
});
