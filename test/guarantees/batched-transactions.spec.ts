import { Injectable, type INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Column, Entity, PrimaryGeneratedColumn, type DataSource } from 'typeorm';
import {
  ConsistentHandler,
  Message,
  MessageContext,
  type FaultContext,
  type MessageEnvelope,
} from '../../lib';
import { deliver, envelopeOf, jobsIn, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { ident, list, sql } from '../support/sql';
import { uniquePrefix, waitFor } from '../support/test-endpoint';

const SINK = 'batch-sink';

@Message('batch.Credit')
class Credit {
  constructor(
    readonly account: string,
    readonly amount: number,
  ) {}
}

@Message('batch.Credited')
class Credited {
  constructor(readonly account: string) {}
}

@Entity('batch_entry')
class BatchEntry {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  messageId!: string;

  @Column({ type: 'varchar', length: 64 })
  account!: string;
}

/**
 * Books a credit and sends Credited. A negative amount always fails; account "savepoint" also sends
 * a message inside a nested transaction that rolls back, which must not be sent.
 */
@Injectable()
class CreditHandler {
  @ConsistentHandler(Credit)
  async onCredit(message: Credit, context: MessageContext): Promise<void> {
    await context.manager.insert(BatchEntry, {
      messageId: context.messageId,
      account: message.account,
    });
    if (message.amount < 0) throw new Error(`refused: ${message.account}`);
    // Careless code rejects with no reason at all; the batch must survive that too.
    if (message.account === 'no-reason') return Promise.reject(undefined);
    if (message.account === 'savepoint') {
      await context.manager
        .transaction(async () => {
          context.send(SINK, new Credited('rolled-back'));
          throw new Error('nested failure');
        })
        .catch(() => undefined);
    }
    context.send(SINK, new Credited(message.account));
  }
}

/**
 * batchSize > 1: messages that arrive together share one transaction, and every guarantee of the
 * one-message path still holds: each message's effect once, its outputs caused by it, a failing
 * message alone in the dead letters, a duplicate recognised.
 */
describe('batched transactions (batchSize > 1)', () => {
  const prefix = uniquePrefix('batch');
  const endpoint = 'batch-ledger';
  /** Sizes of the units that reached COMMIT, from the beforeCommit hook. */
  const committedSizes: number[] = [];
  /** When set, the first batch to reach COMMIT fails there once, as if the process crashed. */
  let failNextBatchCommit = false;
  /** When set, the first batch that dispatched fails once before its jobs are acknowledged. */
  let failNextBatchAck = false;
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      {
        endpoint,
        prefix,
        entities: [BatchEntry],
        providers: [CreditHandler],
        messaging: {
          concurrency: 8,
          batchSize: 4,
          faultHooks: {
            beforeCommit: ({ incomingMessageIds }: FaultContext) => {
              const size = incomingMessageIds?.length ?? 1;
              if (size > 1 && failNextBatchCommit) {
                failNextBatchCommit = false;
                throw new Error('crash before the batch commits');
              }
              committedSizes.push(size);
            },
            afterMarkBeforeAck: ({ incomingMessageIds }: FaultContext) => {
              if ((incomingMessageIds?.length ?? 1) > 1 && failNextBatchAck) {
                failNextBatchAck = false;
                throw new Error('crash after the batch committed, before the acks');
              }
            },
          },
        },
      },
      SINK,
    ));
  });

  afterAll(() => closeAndCleanUp(prefix, [queue, sink], [app]));

  beforeEach(() => {
    committedSizes.length = 0;
  });

  /** Delivers all envelopes while the queue is paused, so that they arrive together. */
  async function deliverTogether(envelopes: MessageEnvelope[], attempts?: number): Promise<void> {
    await queue.pause();
    for (const envelope of envelopes) await deliver(queue, envelope, { attempts });
    await queue.resume();
  }

  async function settled(envelopes: MessageEnvelope[]): Promise<void> {
    await waitFor(
      'every job to finish',
      async () => {
        const states = await Promise.all(envelopes.map((one) => queue.getJobState(one.id)));
        return states.every((state) => state === 'completed' || state === 'failed');
      },
      30000,
    );
  }

  const entriesOf = (messageId: string) =>
    dataSource.getRepository(BatchEntry).countBy({ messageId });
  const inboxRows = async (ids: string[]) =>
    Number(
      (
        await dataSource.query(
          sql(
            `SELECT COUNT(*) AS n FROM ${ident(`${prefix}inbox`)} WHERE message_id IN (${list(ids)})`,
          ),
          ids,
        )
      )[0].n,
    );
  const sinkAccounts = async () =>
    (await jobsIn(sink)).map((job) => (JSON.parse(job.data.payload) as Credited).account);

  it('handles messages that arrive together in shared transactions, each once, outputs caused by each', async () => {
    const envelopes = Array.from({ length: 40 }, (_, i) => envelopeOf(new Credit(`acc-${i}`, 1)));
    await deliverTogether(envelopes);
    await settled(envelopes);

    expect(Math.max(...committedSizes)).toBeGreaterThan(1);
    expect(committedSizes.reduce((sum, size) => sum + size, 0)).toBe(40);
    for (const envelope of envelopes) {
      expect(await queue.getJobState(envelope.id)).toBe('completed');
      expect(await entriesOf(envelope.id)).toBe(1);
      const [output, ...more] = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
      expect(more).toHaveLength(0);
      expect(JSON.parse(output.payload)).toEqual({
        account: (JSON.parse(envelope.payload) as Credit).account,
      });
    }
    expect(await inboxRows(envelopes.map((one) => one.id))).toBe(40);
    await waitFor('every follow-up in the sink', async () => (await sinkAccounts()).length >= 40);
  });

  it('a failing message fails alone: its batch mates commit once, it ends in the dead letters', async () => {
    const good = Array.from({ length: 11 }, (_, i) => envelopeOf(new Credit(`mate-${i}`, 1)));
    const bad = envelopeOf(new Credit('poison', -1));
    const noReason = envelopeOf(new Credit('no-reason', 1));
    const envelopes = [...good.slice(0, 5), bad, ...good.slice(5, 8), noReason, ...good.slice(8)];
    await deliverTogether(envelopes, 2);
    await settled(envelopes);

    for (const envelope of good) {
      expect(await queue.getJobState(envelope.id)).toBe('completed');
      expect(await entriesOf(envelope.id)).toBe(1);
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    }
    for (const failing of [bad, noReason]) {
      expect(await queue.getJobState(failing.id)).toBe('failed');
      expect(await entriesOf(failing.id)).toBe(0);
      expect(await inboxRows([failing.id])).toBe(0);
      expect(await outboxRowsCausedBy(dataSource, prefix, failing.id)).toHaveLength(0);
    }
  });

  it('a batch that fails after COMMIT fails its jobs; redelivered, each is a duplicate, its output sent once', async () => {
    failNextBatchAck = true;
    const envelopes = Array.from({ length: 12 }, (_, i) => envelopeOf(new Credit(`acked-${i}`, 1)));
    await deliverTogether(envelopes);
    await settled(envelopes);

    expect(failNextBatchAck).toBe(false);
    const jobs = await Promise.all(envelopes.map((one) => queue.getJob(one.id)));
    const redelivered = jobs.filter((job) => job?.returnvalue === 'duplicate');
    expect(redelivered.length).toBeGreaterThan(1);
    for (const job of redelivered) expect(job?.attemptsMade).toBeGreaterThan(1);
    for (const envelope of envelopes) {
      expect(await queue.getJobState(envelope.id)).toBe('completed');
      expect(await entriesOf(envelope.id)).toBe(1);
      const outputs = await outboxRowsCausedBy(dataSource, prefix, envelope.id);
      expect(outputs).toHaveLength(1);
      expect((await jobsIn(sink)).filter((job) => job.id === outputs[0].message_id)).toHaveLength(
        1,
      );
    }
  });

  it('recognises a duplicate among new messages: no second effect, the others handled', async () => {
    const first = envelopeOf(new Credit('already-handled', 1));
    await deliverTogether([first]);
    await settled([first]);
    const copy = { ...first };
    const fresh = Array.from({ length: 7 }, (_, i) => envelopeOf(new Credit(`fresh-${i}`, 1)));
    const copyJobId = `${first.id}-copy`;
    // The first messages find the lanes free and go alone; the copy comes later, with batch mates.
    await queue.pause();
    for (const envelope of fresh.slice(0, 4)) await deliver(queue, envelope);
    await deliver(queue, copy, { jobId: copyJobId });
    for (const envelope of fresh.slice(4)) await deliver(queue, envelope);
    await queue.resume();
    await settled(fresh);
    await waitFor(
      'the copy to complete',
      async () => (await queue.getJobState(copyJobId)) === 'completed',
    );

    expect((await queue.getJob(copyJobId))?.returnvalue).toBe('duplicate');
    expect(await entriesOf(first.id)).toBe(1);
    expect(await outboxRowsCausedBy(dataSource, prefix, first.id)).toHaveLength(1);
    for (const envelope of fresh) expect(await entriesOf(envelope.id)).toBe(1);
  });

  it('a batch that crashes before COMMIT leaves nothing behind; every message is then handled once', async () => {
    failNextBatchCommit = true;
    const envelopes = Array.from({ length: 16 }, (_, i) => envelopeOf(new Credit(`crash-${i}`, 1)));
    await deliverTogether(envelopes);
    await settled(envelopes);

    expect(failNextBatchCommit).toBe(false);
    for (const envelope of envelopes) {
      expect(await queue.getJobState(envelope.id)).toBe('completed');
      expect(await entriesOf(envelope.id)).toBe(1);
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    }
    expect(await inboxRows(envelopes.map((one) => one.id))).toBe(16);
  });

  it('drops what a message sent inside a nested transaction that rolled back, in a batch too', async () => {
    const envelopes = [
      ...Array.from({ length: 3 }, (_, i) => envelopeOf(new Credit(`around-${i}`, 1))),
      envelopeOf(new Credit('savepoint', 1)),
      ...Array.from({ length: 4 }, (_, i) => envelopeOf(new Credit(`after-${i}`, 1))),
    ];
    await deliverTogether(envelopes);
    await settled(envelopes);

    expect(Math.max(...committedSizes)).toBeGreaterThan(1);
    const savepoint = envelopes[3];
    const outputs = await outboxRowsCausedBy(dataSource, prefix, savepoint.id);
    expect(outputs.map((row) => JSON.parse(row.payload))).toEqual([{ account: 'savepoint' }]);
    for (const envelope of envelopes) {
      expect(await outboxRowsCausedBy(dataSource, prefix, envelope.id)).toHaveLength(1);
    }
    expect(await sinkAccounts()).not.toContain('rolled-back');
  });
});
