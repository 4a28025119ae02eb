import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import {
  G4Reservation,
  G4StockHandler,
  G4_INSTANCE,
  G4_SINK,
  g4Behaviour,
  g4Calls,
  ReserveStock,
} from '../fixtures/g4-stock';
import {
  type Deferred,
  deferred,
  deliver,
  envelopeOf,
  inboxCount,
  jobsIn,
  insertsWaitingOn,
  openQueue,
  outboxRowsCausedBy,
} from '../support/jobs';
import { closeAndCleanUp } from '../support/scenarios';
import { sleep, startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * G4: two instances of one endpoint (competing consumers) each get a copy of one message at the same
 * time. Exactly one commits; the other waits on the inbox row, then is a duplicate.
 */
describe('G4 concurrent duplicates', () => {
  const prefix = uniquePrefix('g4');
  const endpoint = 'g4-stock';
  const gates: Deferred[] = [];
  let instanceA: INestApplication;
  let instanceB: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  const startInstance = (name: string) =>
    startEndpoint({
      endpoint,
      prefix,
      entities: [G4Reservation],
      providers: [G4StockHandler, { provide: G4_INSTANCE, useValue: name }],
      // One job at a time each: two copies active at once are necessarily on two instances.
      messaging: { concurrency: 1 },
    });

  beforeAll(async () => {
    instanceA = await startInstance('A');
    instanceB = await startInstance('B');
    dataSource = instanceA.get(DataSource);
    queue = openQueue(prefix, endpoint);
    sink = openQueue(prefix, G4_SINK);
  });

  afterAll(async () => {
    for (const gate of gates) gate.resolve();
    g4Behaviour.inTransaction = undefined;
    await closeAndCleanUp(prefix, [queue, sink], [instanceA, instanceB]);
  });

  /**
   * Delivers two copies of one message at once; the first to reach the handler waits there (its
   * transaction open, inbox row inserted) until the other copy is active too and blocked on that
   * row, then `first` decides how the first one ends.
   */
  async function deliverTwoCopiesAtOnce(first: 'commits' | 'throws') {
    const envelope = envelopeOf(new ReserveStock(`sku-${first}`, 2));
    const callsBefore = g4Calls.length;
    const gate = deferred();
    gates.push(gate);
    let firstEntered = false;
    g4Behaviour.inTransaction = async (_instance, context) => {
      if (context.messageId !== envelope.id || firstEntered) return;
      firstEntered = true;
      await gate.promise;
      if (first === 'throws') throw new Error('the first copy fails after the barrier');
    };
    const jobIds = [`${envelope.id}-1`, `${envelope.id}-2`];
    await Promise.all(jobIds.map((jobId) => deliver(queue, { ...envelope }, { jobId })));

    await waitFor('one copy inside the handler', () => firstEntered);
    await waitFor('both copies in progress, the second blocked on the inbox row', async () => {
      const states = await Promise.all(jobIds.map((jobId) => queue.getJobState(jobId)));
      const bothActive = states.every((state) => state === 'active');
      const secondBlocked = (await insertsWaitingOn(dataSource, `${prefix}inbox`)) > 0;
      // A broken inbox lets the second copy into the handler instead: release, and let it show.
      return (bothActive && secondBlocked) || g4Calls.length - callsBefore > 1;
    });
    await sleep(200);
    gate.resolve();

    await waitFor('both copies to complete', async () => {
      const states = await Promise.all(jobIds.map((jobId) => queue.getJobState(jobId)));
      return states.every((state) => state === 'completed');
    });
    await sleep(300);
    const outcomes = await Promise.all(
      jobIds.map(async (jobId) => (await queue.getJob(jobId))?.returnvalue as string),
    );
    const calls = g4Calls.slice(callsBefore).filter((call) => call.messageId === envelope.id);
    return { envelope, outcomes, calls };
  }

  async function expectExactlyOneEffect(messageId: string) {
    expect(await dataSource.getRepository(G4Reservation).countBy({ messageId })).toBe(1);
    expect(await inboxCount(dataSource, prefix, endpoint, messageId)).toBe(1);
    const outputs = await outboxRowsCausedBy(dataSource, prefix, messageId);
    expect(outputs).toHaveLength(1);
    const sent = (await jobsIn(sink)).filter((job) => job.data.headers.causationId === messageId);
    expect(sent.map((job) => job.id)).toEqual([outputs[0].message_id]);
  }

  it('exactly one copy commits; the other waits on the inbox row and is a duplicate', async () => {
    const { envelope, outcomes, calls } = await deliverTwoCopiesAtOnce('commits');

    expect(outcomes.sort()).toEqual(['duplicate', 'handled']);
    expect(calls).toHaveLength(1);
    await expectExactlyOneEffect(envelope.id);
  });

  it('if the first copy rolls back, the waiting one records and commits it, once', async () => {
    const { envelope, outcomes, calls } = await deliverTwoCopiesAtOnce('throws');

    // The first copy's retry comes after the second committed, so it is the duplicate.
    expect(outcomes.sort()).toEqual(['duplicate', 'handled']);
    expect(calls).toHaveLength(2);
    const [rolledBack, committed] = calls;
    expect(rolledBack.instance).not.toBe(committed.instance);
    const [row] = await dataSource.getRepository(G4Reservation).findBy({ messageId: envelope.id });
    expect(row.instance).toBe(committed.instance);
    await expectExactlyOneEffect(envelope.id);
  });
});
