import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { DeadLetterQueue, type MessageEnvelope } from '../../lib';
import {
  G10InventoryHandler,
  G10Reservation,
  G10_SINK,
  g10Calls,
  g10Failing,
  NobodyHandlesThis,
  Reserve,
} from '../fixtures/g10-inventory';
import {
  deliver,
  envelopeOf,
  inboxCount,
  jobsIn,
  outboxRowsCausedBy,
  redisOf,
} from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G10: a message that can't be parsed, names an unknown type or fails every retry ends in a dead
 * letter with its error, visible and retryable; the worker keeps running; nothing else is lost.
 */
describe('G10 poison messages and bad input', () => {
  const prefix = uniquePrefix('g10');
  const endpoint = 'g10-inventory';
  const attempts = 3;
  let app: INestApplication;
  let dataSource: DataSource;
  let deadLetters: DeadLetterQueue;
  let queue: Queue<unknown>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink<unknown>(
      {
        endpoint,
        prefix,
        entities: [G10Reservation],
        providers: [G10InventoryHandler],
        messaging: {
          retry: { attempts, backoff: { type: 'fixed', delay: 100 } },
          // Dead letters at once; waiting for an instance that handles it: g10-rolling-deploy.
          unknownTypeWaitMs: 0,
        },
      },
      G10_SINK,
    ));
    deadLetters = app.get(DeadLetterQueue);
  });

  afterAll(async () => {
    g10Failing.clear();
    await closeAndCleanUp(prefix, [queue, sink], [app]);
  });

  const stateIs = (jobId: string, state: string) => async () =>
    (await queue.getJobState(jobId)) === state;
  const callsFor = (messageId: string) => g10Calls.filter((call) => call.messageId === messageId);

  /** The effects of one message: reservations, inbox records, outbox rows and sink jobs. */
  async function effectsOf(messageId: string) {
    const outbox = await outboxRowsCausedBy(dataSource, prefix, messageId);
    const sent = (await jobsIn(sink)).filter((job) => job.data.headers.causationId === messageId);
    return {
      reservations: await dataSource.getRepository(G10Reservation).countBy({ messageId }),
      inbox: await inboxCount(dataSource, prefix, endpoint, messageId),
      outbox: outbox.map((row) => row.message_id),
      sent: sent.map((job) => String(job.id)),
    };
  }

  async function expectHandledOnce(messageId: string) {
    const effects = await effectsOf(messageId);
    expect(effects).toEqual({
      reservations: 1,
      inbox: 1,
      outbox: [expect.any(String)],
      sent: effects.outbox,
    });
    expect(callsFor(messageId).filter((call) => !call.threw)).toHaveLength(1);
  }

  it('dead-letters bad input at once, with the reason, and keeps handling the good messages', async () => {
    const valid = envelopeOf(new Reserve('sku-template'));
    const withoutId: Partial<MessageEnvelope> = { ...valid };
    delete withoutId.id;
    const withoutHeaders: Partial<MessageEnvelope> = { ...valid, id: 'bad-missing-headers' };
    delete withoutHeaders.headers;
    const bad: { jobId: string; data: unknown; reason: RegExp }[] = [
      {
        jobId: 'bad-json',
        data: { ...valid, id: 'bad-json', payload: '{"sku": "sku-' },
        reason: /^Malformed message: payload is not JSON/,
      },
      {
        jobId: 'bad-payload-not-object',
        data: { ...valid, id: 'bad-payload-not-object', payload: '42' },
        reason: /^Malformed message: payload is not a JSON object$/,
      },
      {
        jobId: 'bad-payload-array',
        data: { ...valid, id: 'bad-payload-array', payload: '[{"sku": "sku-1"}]' },
        reason: /^Malformed message: payload is not a JSON object$/,
      },
      {
        jobId: 'bad-proto',
        data: {
          ...valid,
          id: 'bad-proto',
          payload: '{"sku":"sku-1","__proto__":{"isAdmin":true}}',
        },
        reason: /^Malformed message: payload: a message may not have a field named "__proto__"$/,
      },
      {
        jobId: 'bad-not-an-object',
        data: 'just a string',
        reason: /^Malformed message: job data is not an object$/,
      },
      {
        jobId: 'bad-missing-id',
        data: withoutId,
        reason: /^Malformed message: "id" must be a non-empty string$/,
      },
      {
        jobId: 'bad-missing-headers',
        data: withoutHeaders,
        reason: /^Malformed message: "headers" must be an object$/,
      },
      {
        jobId: 'bad-unknown-type',
        data: envelopeOf(new NobodyHandlesThis('sku-x'), 'bad-unknown-type'),
        reason: /has no handler for message type "g10\.NobodyHandlesThis"/,
      },
    ];
    const good = Array.from({ length: bad.length + 1 }, (_, i) =>
      envelopeOf(new Reserve(`sku-good-${i}`)),
    );
    // Good, bad, good, bad, …, good: every bad one has good ones before and after it.
    for (let i = 0; i < good.length; i++) {
      await deliver(queue, good[i], { attempts });
      if (bad[i]) await deliver(queue, bad[i].data, { jobId: bad[i].jobId, attempts });
    }

    for (const { jobId } of bad) await waitFor(`${jobId} dead-lettered`, stateIs(jobId, 'failed'));
    for (const { id } of good) await waitFor(`${id} handled`, stateIs(id, 'completed'));
    await sleep(300);

    for (const { jobId, data, reason } of bad) {
      const letter = await deadLetters.get(jobId);
      expect({ jobId, attemptsMade: letter?.attemptsMade }).toEqual({ jobId, attemptsMade: 1 });
      expect(letter?.error).toMatch(reason);
      expect(letter?.envelope).toEqual(data);
    }
    expect(await deadLetters.count()).toBe(bad.length);
    const listed = (await deadLetters.list()).map((letter) => letter.jobId);
    expect(listed.sort()).toEqual(bad.map((letter) => letter.jobId).sort());
    for (const { id } of good) await expectHandledOnce(id);
    expect(await dataSource.getRepository(G10Reservation).count()).toBe(good.length);

    // A retried bad message is as bad as before: dead-lettered again at once.
    const first = await deadLetters.get('bad-json');
    expect(await deadLetters.retry('bad-json')).toBe(true);
    await waitFor('bad-json taken again', stateIs('bad-json', 'failed'));
    const again = await deadLetters.get('bad-json');
    expect(again?.failedAt?.getTime()).toBeGreaterThan(first!.failedAt!.getTime());
    expect(again?.attemptsMade).toBe(1);
    expect(again?.error).toMatch(/^Malformed message: payload is not JSON/);
  });

  it('dead-letters a message whose handler always throws after every attempt, and nothing of it stays', async () => {
    const poison = envelopeOf(new Reserve('sku-poison'));
    g10Failing.add('sku-poison');
    const before = await deadLetters.count();
    await deliver(queue, poison, { attempts });
    const after = [envelopeOf(new Reserve('sku-after-1')), envelopeOf(new Reserve('sku-after-2'))];
    for (const envelope of after) await deliver(queue, envelope, { attempts });

    await waitFor('the poison message dead-lettered', stateIs(poison.id, 'failed'));
    for (const { id } of after) await waitFor(`${id} handled`, stateIs(id, 'completed'));
    await sleep(300);

    const letter = await deadLetters.get(poison.id);
    expect(letter?.attemptsMade).toBe(attempts);
    expect(letter?.error).toBe('stock service rejected sku-poison');
    expect(letter?.envelope).toEqual(poison);
    expect(await deadLetters.count()).toBe(before + 1);
    expect(callsFor(poison.id).map((call) => call.threw)).toEqual([true, true, true]);
    // Every attempt rolled back: no reservation, no inbox record, no message.
    expect(await effectsOf(poison.id)).toEqual({ reservations: 0, inbox: 0, outbox: [], sent: [] });
    for (const { id } of after) await expectHandledOnce(id);
  });

  it('retries a dead letter once the handler is fixed: it goes through exactly once', async () => {
    const poison = envelopeOf(new Reserve('sku-fixed-later'));
    g10Failing.add('sku-fixed-later');
    await deliver(queue, poison, { attempts });
    await waitFor('the message dead-lettered', stateIs(poison.id, 'failed'));
    const before = await deadLetters.count();

    g10Failing.delete('sku-fixed-later');
    expect(await deadLetters.retry(poison.id)).toBe(true);
    await waitFor('the retried message handled', stateIs(poison.id, 'completed'));
    await sleep(300);

    expect((await queue.getJob(poison.id))?.returnvalue).toBe('handled');
    expect(callsFor(poison.id).map((call) => call.threw)).toEqual([true, true, true, false]);
    await expectHandledOnce(poison.id);
    expect(await deadLetters.get(poison.id)).toBeUndefined();
    expect(await deadLetters.count()).toBe(before - 1);
    // It is no dead letter any more: a second retry is refused.
    expect(await deadLetters.retry(poison.id)).toBe(false);
  });

  it('retrying a dead letter whose message was handled meanwhile (by a copy) changes nothing', async () => {
    const poison = envelopeOf(new Reserve('sku-copy-won'));
    g10Failing.add('sku-copy-won');
    await deliver(queue, poison, { attempts });
    await waitFor('the message dead-lettered', stateIs(poison.id, 'failed'));
    g10Failing.delete('sku-copy-won');
    const copyJobId = `${poison.id}-copy`;
    await deliver(queue, { ...poison }, { jobId: copyJobId, attempts });
    await waitFor('the copy handled', stateIs(copyJobId, 'completed'));

    expect(await deadLetters.retry(poison.id)).toBe(true);
    await waitFor('the retried dead letter completed', stateIs(poison.id, 'completed'));
    await sleep(300);

    expect((await queue.getJob(poison.id))?.returnvalue).toBe('duplicate');
    expect(callsFor(poison.id).map((call) => call.threw)).toEqual([true, true, true, false]);
    await expectHandledOnce(poison.id);
  });
  it('dead-letters a job whose stored data is not JSON (written into Redis by something else), with the raw data', async () => {
    const garbage = '{not json at all';
    // Delayed, so that no worker reads it before its data is overwritten behind BullMQ's back.
    await queue.add('g10.Reserve', {}, { jobId: 'garbage-1', delay: 1000, attempts });
    const client = await redisOf(queue);
    await client.hset(`${queue.opts.prefix}:${queue.name}:garbage-1`, { data: garbage });
    await waitFor('garbage-1 dead-lettered', stateIs('garbage-1', 'failed'), 20000);
    const letter = await deadLetters.get('garbage-1');
    expect(letter?.attemptsMade).toBe(1);
    expect(letter?.error).toMatch(
      /^Malformed message: job data is not JSON \(.*\): "\{not json at all"$/,
    );
    expect(letter?.rawData).toBe(garbage);
    expect(letter?.envelope).toBeNull();
    expect((await deadLetters.list()).map((listed) => listed.jobId)).toContain('garbage-1');
  });
});
