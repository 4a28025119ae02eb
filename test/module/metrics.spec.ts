import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { MessagingMetrics, type MessageEnvelope, type MessagingCounter } from '../../lib';
import { BillingHandler } from '../fixtures/billing.handler';
import { OrderEntity, PaymentEntity } from '../fixtures/entities';
import { OrderPlaced } from '../fixtures/messages';
import { deliver, envelopeOf, openQueue } from '../support/jobs';
import { cleanUp, sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

describe('metrics', () => {
  const prefix = uniquePrefix('metrics');
  let billing: INestApplication;
  let queue: Queue<MessageEnvelope>;
  const heard: [MessagingCounter, number][] = [];

  beforeAll(async () => {
    billing = await startEndpoint({
      endpoint: 'billing',
      prefix,
      entities: [OrderEntity, PaymentEntity],
      providers: [BillingHandler],
      messaging: { retry: { attempts: 1, backoff: { type: 'fixed', delay: 0 } } },
    });
    billing.get(MessagingMetrics).onIncrement((counter, amount) => heard.push([counter, amount]));
    queue = openQueue(prefix, 'billing');
  });

  afterAll(async () => {
    await queue?.close();
    await billing?.close();
    await cleanUp(prefix);
  });

  it('counts handled, duplicate, dispatched and dead-lettered messages, and reports the lag', async () => {
    const envelope = envelopeOf(new OrderPlaced('o-metrics', 5));
    const metrics = billing.get(MessagingMetrics);
    await deliver(queue, envelope);
    await waitFor('handled and dispatched', async () => {
      const { handled, dispatched } = await metrics.snapshot();
      return handled === 1 && dispatched === 1;
    });
    // Let the dispatched mark land, so the copy finds nothing left to re-dispatch.
    await sleep(300);
    await deliver(queue, envelope, { jobId: 'copy-of-o-metrics' });
    await deliver(queue, { ...envelope, id: 'bad-1', payload: '{not json' }, { attempts: 1 });
    await waitFor('the duplicate and the dead letter', async () => {
      const { duplicates, deadLettered } = await metrics.snapshot();
      return duplicates === 1 && deadLettered === 1;
    });
    expect(await metrics.snapshot()).toEqual({
      endpoint: 'billing',
      handled: 1,
      duplicates: 1,
      parked: 0,
      dispatched: 1,
      failedAttempts: 0,
      deadLettered: 1,
      // The payment event billing publishes has no subscriber in this test.
      withoutSubscribers: 1,
      held: 0,
      undeliverable: 0,
      dispatchLagMs: 0,
      inFlight: 0,
      oldestInFlightMs: 0,
    });
    expect(heard).toEqual(
      expect.arrayContaining([
        ['handled', 1],
        ['duplicates', 1],
        ['dispatched', 1],
        ['deadLettered', 1],
        ['withoutSubscribers', 1],
      ]),
    );
  });
});
