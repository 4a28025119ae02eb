import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { FaultContext, MessageEnvelope } from '../../lib';
import { Deposit, G3Entry, G3LedgerHandler, G3_SINK } from '../fixtures/g3-ledger';
import { deliver, envelopeOf, inboxCount, jobIdsIn, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

/** G3: a copy of a message the endpoint already handled changes no state and emits nothing new. */
describe('G3 exactly-once effect', () => {
  const prefix = uniquePrefix('g3');
  const endpoint = 'g3-ledger';
  /** Incoming message ids whose first dispatch after commit crashes. */
  const crashAfterCommit = new Set<string>();
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      {
        endpoint,
        prefix,
        entities: [G3Entry],
        providers: [G3LedgerHandler],
        messaging: {
          // The sweeper must not dispatch what a crash left pending: only the duplicate may.
          relay: { sweepDelayMs: 600000, sweepIntervalMs: 100, subscriptionCacheMs: 0 },
          faultHooks: {
            afterCommitBeforeDispatch: ({ incomingMessageId }: FaultContext) => {
              if (incomingMessageId && crashAfterCommit.delete(incomingMessageId)) {
                throw new Error('crash after commit, before dispatch');
              }
            },
          },
        },
      },
      G3_SINK,
    ));
  });

  afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

  const handler = () => app.get(G3LedgerHandler);
  const callsFor = (messageId: string) => handler().calls.filter((id) => id === messageId).length;
  const entriesFor = (messageId: string) =>
    dataSource.getRepository(G3Entry).countBy({ messageId });
  const completed = (jobId: string) => async () => (await queue.getJobState(jobId)) === 'completed';

  /** Handles a deposit once, and returns its envelope and what it caused. */
  async function handledOnce(account: string) {
    const envelope = envelopeOf(new Deposit(account, 10));
    await deliver(queue, envelope);
    await waitFor(`${account} handled`, completed(envelope.id));
    const outputs = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
    expect(outputs).toHaveLength(1);
    await waitFor(`${account}'s follow-up in the sink`, async () =>
      (await jobIdsIn(sink)).includes(outputs[0].message_id),
    );
    return { envelope, outputs };
  }

  /** Everything a duplicate could change, to compare before and after. */
  async function snapshot(messageId: string) {
    return {
      calls: callsFor(messageId),
      entries: await entriesFor(messageId),
      inbox: await inboxCount(dataSource, prefix, endpoint, messageId),
      outbox: (await outboxRowsCausedBy(dataSource, prefix, messageId)).map((row) => ({
        id: row.message_id,
        payload: row.payload,
      })),
      sink: (await jobIdsIn(sink)).sort(),
    };
  }

  it('drops a redelivered copy (same envelope, another job id): no state, no output, no call', async () => {
    const { envelope } = await handledOnce('acc-redelivered');
    const before = await snapshot(envelope.id);
    expect(before).toMatchObject({ calls: 1, entries: 1, inbox: 1 });

    const copyJobId = `${envelope.id}-copy`;
    await deliver(queue, { ...envelope }, { jobId: copyJobId });
    await waitFor('the copy to complete', completed(copyJobId));
    await sleep(300);

    expect((await queue.getJob(copyJobId))?.returnvalue).toBe('duplicate');
    expect(await snapshot(envelope.id)).toEqual(before);
  });

  it('drops a late duplicate that arrives after BullMQ has forgotten the first job', async () => {
    const { envelope } = await handledOnce('acc-late');
    // Other traffic in between, then BullMQ drops the completed job (removeOnComplete / age), so
    // only the inbox still knows the message: a resend with the same job id is accepted by Redis.
    for (let i = 0; i < 5; i++) await handledOnce(`acc-between-${i}`);
    const before = await snapshot(envelope.id);
    await (await queue.getJob(envelope.id))!.remove();
    expect(await queue.getJob(envelope.id)).toBeUndefined();

    const late = await deliver(queue, { ...envelope });
    expect(late.id).toBe(envelope.id);
    await waitFor('the late duplicate to complete', completed(envelope.id));
    await sleep(300);

    expect((await queue.getJob(envelope.id))?.returnvalue).toBe('duplicate');
    expect(await snapshot(envelope.id)).toEqual(before);
  });

  it('re-dispatches the outputs a crash left pending, unchanged and with the same ids', async () => {
    const envelope = envelopeOf(new Deposit('acc-crash', 25));
    crashAfterCommit.add(envelope.id);
    // One attempt: the crashed job is not retried by BullMQ; only the copy below can recover it.
    await deliver(queue, envelope, { attempts: 1 });
    await waitFor(
      'the crashed attempt to fail',
      async () => (await queue.getJobState(envelope.id)) === 'failed',
    );
    const pending = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
    expect(pending).toHaveLength(1);
    expect(pending[0].dispatched_at).toBeNull();
    expect(await entriesFor(envelope.id)).toBe(1);
    await sleep(300);
    expect(await jobIdsIn(sink)).not.toContain(pending[0].message_id);

    const copyJobId = `${envelope.id}-copy`;
    await deliver(queue, { ...envelope }, { jobId: copyJobId });
    await waitFor('the copy to complete', completed(copyJobId));
    await waitFor('the pending output to be marked dispatched', async () => {
      const [row] = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
      return row.dispatched_at !== null;
    });
    await sleep(300);

    expect((await queue.getJob(copyJobId))?.returnvalue).toBe('duplicate');
    expect(callsFor(envelope.id)).toBe(1);
    expect(await entriesFor(envelope.id)).toBe(1);
    const after = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
    expect(after.map((row) => row.message_id)).toEqual([pending[0].message_id]);
    const sent = await sink.getJob(pending[0].message_id);
    expect(sent?.data).toEqual({
      id: pending[0].message_id,
      type: 'g3.Deposited',
      payload: pending[0].payload,
      headers: expect.objectContaining({ causationId: envelope.id, originEndpoint: endpoint }),
    });
    expect(JSON.parse(sent!.data.payload)).toEqual({ account: 'acc-crash', amount: 25 });
    // Exactly the one output: nothing else in the sink was caused by this message.
    const caused = (await Promise.all((await jobIdsIn(sink)).map((id) => sink.getJob(id)))).filter(
      (job) => job?.data.headers.causationId === envelope.id,
    );
    expect(caused).toHaveLength(1);
  });
});
