import { type INestApplication, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { DeadLetterNotRetriableError, DeadLetterQueue, type MessageEnvelope } from '../../lib';
import {
  G10InventoryHandler,
  G10Reservation,
  G10_SINK,
  g10Calls,
  g10Failing,
  g10FailingLoudly,
  NobodyHandlesThis,
  Reserve,
} from '../fixtures/g10-inventory';
import { deliver, envelopeOf, jobsIn, redisOf } from '../support/jobs';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { onPostgres } from '../support/services';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G10, dead letters: kept in the endpoint's database, not only in Redis. A Redis that loses its data
 * loses none of them; a message is never dropped before its dead letter is written; BullMQ's failed
 * set stays bounded; retrying puts the message back through the normal pipeline. Redis here is a
 * private redis-server, so that losing its data touches no other test.
 */
describe('G10 durable dead letters', () => {
  const prefix = uniquePrefix('g10d');
  const endpoint = 'g10d-inventory';
  const attempts = 3;
  const keepFailedJobs = 2;
  /** Throws while set: the dead-letter write fails, as with the database down. */
  let deadLetterFault: (() => void) | undefined;
  let redisServer: RedisServerProcess;
  let app: INestApplication;
  let dataSource: DataSource;
  let deadLetters: DeadLetterQueue;
  let queue: Queue<unknown>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    redisServer = new RedisServerProcess(await freePort());
    await redisServer.start();
    ({ app, dataSource, queue, sink } = await startEndpointWithSink<unknown>(
      {
        endpoint,
        prefix,
        entities: [G10Reservation],
        providers: [G10InventoryHandler],
        messaging: {
          redis: redisServer.connection,
          retry: { attempts, backoff: { type: 'fixed', delay: 100 } },
          unknownTypeWaitMs: 0,
          keepFailedJobs,
          faultHooks: { beforeDeadLetter: () => deadLetterFault?.() },
        },
      },
      G10_SINK,
      redisServer.connection,
    ));
    deadLetters = app.get(DeadLetterQueue);
  });

  afterAll(async () => {
    g10Failing.clear();
    g10FailingLoudly.clear();
    try {
      await closeAndCleanUp(prefix, [queue, sink], [app]);
    } finally {
      await redisServer?.destroy();
    }
  }, 60000);

  const callsFor = (messageId: string) => g10Calls.filter((call) => call.messageId === messageId);
  const isDeadLetter = (messageId: string) => async () =>
    (await deadLetters.get(messageId)) !== undefined;
  const reservations = (messageId: string) =>
    dataSource.getRepository(G10Reservation).countBy({ messageId });

  it('keeps dead letters through a Redis data loss, and a retry then puts the message back on the queue', async () => {
    const poison = envelopeOf(new Reserve('sku-lost-redis'));
    g10Failing.add('sku-lost-redis');
    await deliver(queue, poison, { attempts });
    await waitFor('the dead letter', isDeadLetter(poison.id));

    await redisServer.restartEmpty();
    expect(await queue.getJob(poison.id)).toBeUndefined();
    const kept = await deadLetters.get(poison.id);
    expect(kept).toMatchObject({
      jobId: poison.id,
      type: 'g10.Reserve',
      attemptsMade: attempts,
      error: 'stock service rejected sku-lost-redis',
      envelope: poison,
      headers: poison.headers,
      truncated: false,
    });
    expect(kept?.stack).toMatch(/stock service rejected/);

    g10Failing.delete('sku-lost-redis');
    await waitFor('the worker back on Redis', async () => {
      try {
        return await deadLetters.retry(poison.id);
      } catch {
        return false;
      }
    });
    await waitFor('the retried message handled', async () => (await reservations(poison.id)) === 1);
    expect(callsFor(poison.id).map((call) => call.threw)).toEqual([true, true, true, false]);
    expect(await deadLetters.get(poison.id)).toBeUndefined();
    // Back with the endpoint's own attempts and the bound on failed jobs.
    expect((await queue.getJob(poison.id))?.opts).toMatchObject({
      attempts,
      removeOnFail: keepFailedJobs,
    });
  });

  it("takes a retry from BullMQ tooling (bull-board's, which keeps the attempts made): one more attempt, and a handled message is no dead letter any more", async () => {
    const poison = envelopeOf(new Reserve('sku-board'));
    g10Failing.add('sku-board');
    await deliver(queue, poison, { attempts });
    await waitFor('the dead letter', isDeadLetter(poison.id));
    await waitFor('the job failed', async () => (await queue.getJobState(poison.id)) === 'failed');

    // Fails again: one attempt, and the dead letter is written again.
    await (await queue.getJob(poison.id))!.retry('failed');
    await waitFor('the fourth attempt', () => callsFor(poison.id).length === attempts + 1);
    await waitFor('failed again', async () => (await queue.getJobState(poison.id)) === 'failed');
    expect(await deadLetters.get(poison.id)).toMatchObject({ attemptsMade: attempts + 1 });

    g10Failing.delete('sku-board');
    await (await queue.getJob(poison.id))!.retry('failed');
    await waitFor('handled', async () => (await reservations(poison.id)) === 1);
    await waitFor('no dead letter', async () => (await deadLetters.get(poison.id)) === undefined);
  });

  it('never drops a message before its dead letter is written: while the write fails, the message comes back without using up attempts', async () => {
    const poison = envelopeOf(new Reserve('sku-db-down'));
    g10Failing.add('sku-db-down');
    let refused = 0;
    deadLetterFault = () => {
      if (refused >= 2) return;
      refused++;
      throw new Error('database unreachable');
    };
    try {
      await deliver(queue, poison, { attempts });
      await waitFor('the dead letter', isDeadLetter(poison.id), 30000);
    } finally {
      deadLetterFault = undefined;
    }
    // 3 attempts, and the last one twice more: each time the write failed it came back.
    expect(refused).toBe(2);
    expect(callsFor(poison.id)).toHaveLength(attempts + 2);
    expect(await deadLetters.get(poison.id)).toMatchObject({ attemptsMade: attempts });
    await waitFor('the job failed', async () => (await queue.getJobState(poison.id)) === 'failed');
  });

  it('keeps at most keepFailedJobs failed jobs in Redis and every dead letter in the table; retry-all puts back those there were when it started', async () => {
    const bad = Array.from({ length: 5 }, (_, i) => ({
      ...envelopeOf(new Reserve(`sku-bad-${i}`)),
      payload: '{not json',
    }));
    for (const envelope of bad)
      await deliver(queue, envelope, { attempts, removeOnFail: keepFailedJobs });
    await waitFor('5 dead letters', async () => {
      const found = await Promise.all(bad.map(({ id }) => deadLetters.get(id)));
      return found.every(Boolean);
    });
    const total = await deadLetters.count();
    // Jobs sent by the dispatcher carry the bound too.
    const sent = await jobsIn(sink);
    expect(sent.length).toBeGreaterThan(0);
    for (const job of sent) expect(job.opts.removeOnFail).toBe(keepFailedJobs);

    // Each fails again at once, as a new dead letter; retry-all does not chase those.
    expect(await deadLetters.retryAll()).toEqual({ retried: total, notRetriable: 0 });
    await waitFor('the bad messages dead-lettered again', async () => {
      const found = await Promise.all(bad.map(({ id }) => deadLetters.get(id)));
      return found.every(Boolean);
    });
    expect(await queue.getFailedCount()).toBeLessThanOrEqual(keepFailedJobs);
  });

  it('lists large dead letters as summaries and returns at most the bytes asked for; one larger than the database takes is kept cut, and is retriable only while BullMQ keeps its job', async () => {
    const blob = 'x'.repeat(30 * 1024 * 1024);
    const big = envelopeOf(new NobodyHandlesThis('sku-big'));
    big.payload = JSON.stringify({ sku: 'sku-big', blob });
    await deliver(queue, big, { attempts });
    await waitFor('the large dead letter', isDeadLetter(big.id), 60000);

    const listed = await deadLetters.list({ limit: 200 });
    const summary = listed.find((letter) => letter.jobId === big.id);
    expect(summary).toMatchObject({ type: 'g10.NobodyHandlesThis' });
    expect(summary?.size).toBeGreaterThan(30 * 1024 * 1024);
    expect(JSON.stringify(listed).length).toBeLessThan(100 * 1024);

    const detail = await deadLetters.get(big.id, 65536);
    expect(detail).toMatchObject({ envelope: null, truncated: true, headers: big.headers });
    expect(Buffer.byteLength(detail?.preview ?? '')).toBeLessThanOrEqual(65536);
    expect(detail?.preview).toMatch(/^\{"id":/);

    // 30 MB is more than a statement may carry here (max_allowed_packet): only its start is kept.
    // PostgreSQL has no such limit below 1 GB: there the whole envelope is kept.
    const [{ packet }] = onPostgres
      ? [{ packet: String(Number.MAX_SAFE_INTEGER) }]
      : ((await dataSource.query('SELECT @@max_allowed_packet AS packet')) as {
          packet: string;
        }[]);
    if (Number(packet) < 60 * 1024 * 1024) {
      const whole = await deadLetters.get(big.id);
      expect(whole).toMatchObject({ envelope: null, truncated: true });
      expect(whole?.preview?.length).toBeLessThan(Number(packet));
      await queue.remove(big.id);
      await expect(deadLetters.retry(big.id)).rejects.toThrow(DeadLetterNotRetriableError);
      expect(await deadLetters.get(big.id)).toBeDefined();
    }
  }, 120000);

  it('cuts a long error text in its log lines and keeps its first 4000 characters', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error');
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    try {
      const poison = envelopeOf(new Reserve('sku-loud'));
      g10FailingLoudly.add('sku-loud');
      await deliver(queue, poison, { attempts });
      await waitFor('the dead letter', isDeadLetter(poison.id));
      const letter = await deadLetters.get(poison.id);
      expect(letter?.error).toHaveLength(4000);
      expect((await deadLetters.list()).find((one) => one.jobId === poison.id)?.error).toHaveLength(
        201,
      );
      const linesAbout = (id: string): string[] =>
        [...errors.mock.calls, ...warnings.mock.calls]
          .map(([text]) => String(text))
          .filter((text) => text.includes(id));
      // The row is written before the final failure is logged.
      await waitFor('a line per attempt', () => linesAbout(poison.id).length >= attempts);
      const lines = linesAbout(poison.id);
      for (const line of lines) {
        expect(line.length).toBeLessThan(800);
        expect(line).toMatch(/… \(\d+ characters\)/);
      }
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
    }
  });

  it('refuses to retry a dead letter whose stored data is not JSON once BullMQ dropped its job', async () => {
    await queue.add('g10.Reserve', {}, { jobId: 'garbage-d', delay: 1000, attempts });
    const client = await redisOf(queue);
    await client.hset(`${queue.opts.prefix}:${queue.name}:garbage-d`, { data: '{garbage' });
    await waitFor('garbage-d dead-lettered', isDeadLetter('garbage-d'), 20000);
    expect(await deadLetters.get('garbage-d')).toMatchObject({
      rawData: '{garbage',
      envelope: null,
    });
    await waitFor(
      'the job failed',
      async () => (await queue.getJobState('garbage-d')) === 'failed',
    );
    await queue.remove('garbage-d');
    await expect(deadLetters.retry('garbage-d')).rejects.toThrow(/stored data is not JSON/);
    expect(await deadLetters.remove('garbage-d')).toBe(true);
    expect(await deadLetters.get('garbage-d')).toBeUndefined();
  });
});
