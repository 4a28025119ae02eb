import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { MessageEnvelope } from '../../lib';
import {
  G10InventoryHandler,
  G10NewTypeHandler,
  G10Reservation,
  NobodyHandlesThis,
} from '../fixtures/g10-inventory';
import Redis from 'ioredis';
import { deliver, envelopeOf, inboxCount, openQueue, queuePrefixOf } from '../support/jobs';
import { redis } from '../support/services';
import { closeAndCleanUp } from '../support/scenarios';
import { sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';
import { DataSource } from 'typeorm';

/**
 * G10 during a rolling deploy: an older instance of an endpoint gets a message of a type only the
 * newer one handles. It does not dead-letter it: the message comes back with the retry backoff
 * until an instance that handles it takes it, or until unknownTypeWaitMs after it was sent.
 */
describe('G10 a type the endpoint does not handle yet (rolling deploy)', () => {
  const prefix = uniquePrefix('g10r');
  const endpoint = 'g10r-inventory';
  const common = {
    endpoint,
    prefix,
    entities: [G10Reservation],
    messaging: {
      unknownTypeWaitMs: 30000,
      retry: { attempts: 3, backoff: { type: 'fixed' as const, delay: 200 } },
    },
  };
  let older: INestApplication;
  let newer: INestApplication | undefined;
  let queue: Queue<MessageEnvelope>;

  beforeAll(async () => {
    older = await startEndpoint({ ...common, providers: [G10InventoryHandler] });
    queue = openQueue(prefix, endpoint);
  });

  afterAll(() => closeAndCleanUp(prefix, [queue], [newer, older]));

  it('keeps the message until a newer instance handles it, once', async () => {
    const envelope = envelopeOf(new NobodyHandlesThis('sku-new'));
    await deliver(queue, envelope, { attempts: 3 });
    await sleep(1500);
    // Several looks by the older instance, none of them an attempt used up or a dead letter.
    const waiting = await queue.getJob(envelope.id);
    expect(await waiting?.getState()).toMatch(/delayed|waiting|active/);
    expect(waiting?.attemptsMade).toBe(0);
    newer = await startEndpoint({ ...common, providers: [G10InventoryHandler, G10NewTypeHandler] });
    await waitFor(
      'the newer instance to handle it',
      async () => (await queue.getJobState(envelope.id)) === 'completed',
      30000,
    );
    expect(newer.get(G10NewTypeHandler).handled).toEqual([envelope.id]);
    expect(await inboxCount(older.get(DataSource), prefix, endpoint, envelope.id)).toBe(1);
  });

  it('dead-letters it once unknownTypeWaitMs has passed since it was sent', async () => {
    const short = await startEndpoint({
      ...common,
      endpoint: 'g10r-short',
      messaging: { ...common.messaging, unknownTypeWaitMs: 1000 },
      providers: [G10InventoryHandler],
    });
    const shortQueue = openQueue(prefix, 'g10r-short');
    try {
      const envelope = envelopeOf(new NobodyHandlesThis('sku-never'));
      await deliver(shortQueue, envelope, { attempts: 3 });
      await waitFor(
        'the dead letter',
        async () => (await shortQueue.getJobState(envelope.id)) === 'failed',
        30000,
      );
      const job = await shortQueue.getJob(envelope.id);
      expect(job?.failedReason).toMatch(/has no handler for message type "g10.NobodyHandlesThis"/);
      expect(Date.now() - (job?.timestamp ?? 0)).toBeGreaterThanOrEqual(1000);
    } finally {
      await shortQueue.close();
      await short.close();
    }
  });
  it('keeps an event type subscribed while any live instance handles it, and drops it once none does', async () => {
    // Long enough that a loaded machine still refreshes a live instance within its 3 intervals.
    const subscriptionRefreshMs = 1000;
    const subs = {
      ...common,
      endpoint: 'g10r-subs',
      messaging: { ...common.messaging, subscriptionRefreshMs },
    };
    const redisClient = new Redis(redis);
    const subscribed = async () =>
      (
        await redisClient.smembers(`${queuePrefixOf(prefix)}:cm:subscribers:g10.NobodyHandlesThis`)
      ).includes('g10r-subs');
    const newest = await startEndpoint({
      ...subs,
      providers: [G10InventoryHandler, G10NewTypeHandler],
    });
    let oldest: INestApplication | undefined;
    try {
      expect(await subscribed()).toBe(true);
      // An older instance (re)started during the deploy registers without the new type.
      oldest = await startEndpoint({ ...subs, providers: [G10InventoryHandler] });
      await sleep(subscriptionRefreshMs * 3);
      expect(await subscribed()).toBe(true);
      await newest.close();
      await waitFor(
        'the type to be dropped once no live instance handles it',
        async () => !(await subscribed()),
      );
    } finally {
      await newest.close();
      await oldest?.close();
      redisClient.disconnect();
    }
  });
});
