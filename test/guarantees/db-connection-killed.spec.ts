import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import {
  CapturePayment,
  DBKILL_SINK,
  DbKillCapture,
  dbKillBehaviour,
  dbKillCalls,
  DbKillPaymentHandler,
} from '../fixtures/dbkill-payments';
import { deliver, envelopeOf, inboxCount, jobsIn, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp, startEndpointWithSink } from '../support/scenarios';
import { CONNECTION_ID, COUNT_CONNECTION, freshActivity, killConnection } from '../support/sql';
import { sleep, uniquePrefix, waitFor } from '../support/test-endpoint';

/**
 * The database connection of a handler's transaction is killed mid-transaction (server restart,
 * failover, a DBA's KILL or pg_terminate_backend): the attempt fails and rolls back, BullMQ retries it, and the message
 * ends with exactly one effect and one follow-up. The pool recovers.
 */
describe('DB connection killed mid-transaction', () => {
  const prefix = uniquePrefix('dbkill');
  const endpoint = 'dbkill-payments';
  let app: INestApplication;
  let dataSource: DataSource;
  let queue: Queue<MessageEnvelope>;
  let sink: Queue<MessageEnvelope>;

  beforeAll(async () => {
    ({ app, dataSource, queue, sink } = await startEndpointWithSink(
      {
        endpoint,
        prefix,
        entities: [DbKillCapture],
        providers: [DbKillPaymentHandler],
        messaging: { retry: { attempts: 3, backoff: { type: 'fixed', delay: 100 } } },
      },
      DBKILL_SINK,
    ));
  });

  afterAll(async () => {
    dbKillBehaviour.afterInsert = undefined;
    await closeAndCleanUp(prefix, [queue, sink], [app]);
  });

  const callsFor = (messageId: string) => dbKillCalls.filter((id) => id === messageId).length;
  const completed = (jobId: string) => async () => (await queue.getJobState(jobId)) === 'completed';

  async function expectExactlyOneEffect(messageId: string) {
    expect(await dataSource.getRepository(DbKillCapture).countBy({ messageId })).toBe(1);
    expect(await inboxCount(dataSource, prefix, endpoint, messageId)).toBe(1);
    const outputs = await outboxRowsCausedBy(dataSource, prefix, messageId);
    expect(outputs).toHaveLength(1);
    const sent = (await jobsIn(sink)).filter((job) => job.data.headers.causationId === messageId);
    expect(sent.map((job) => job.id)).toEqual([outputs[0].message_id]);
  }

  it('a killed transaction connection fails the attempt; the retry commits exactly once', async () => {
    const envelope = envelopeOf(new CapturePayment('pay-1', 42));
    let killed: number | undefined;
    dbKillBehaviour.afterInsert = async (context) => {
      if (context.messageId !== envelope.id || killed !== undefined) return;
      const [row] = await context.manager.query(`SELECT ${CONNECTION_ID} AS id`);
      killed = Number(row.id);
      // From another connection of the pool, as a DBA or a failover would.
      await dataSource.query(killConnection(killed));
    };
    await deliver(queue, envelope);
    await waitFor('the message to complete after a retry', completed(envelope.id));
    await sleep(300);

    expect(killed).toBeDefined();
    const job = await queue.getJob(envelope.id);
    expect(job?.returnvalue).toBe('handled');
    // The first attempt failed on the dead connection, the second committed.
    expect(job?.stacktrace).toHaveLength(1);
    expect(callsFor(envelope.id)).toBe(2);
    await expectExactlyOneEffect(envelope.id);
    // The killed connection is gone for good, not handed out again by the pool.
    await freshActivity(dataSource);
    const [alive] = await dataSource.query(COUNT_CONNECTION, [killed]);
    expect(Number(alive.n)).toBe(0);
  });

  it('the pool recovers: later messages are handled on fresh connections, once each', async () => {
    dbKillBehaviour.afterInsert = undefined;
    const later = Array.from({ length: 20 }, (_, i) =>
      envelopeOf(new CapturePayment(`pay-${i + 2}`, i)),
    );
    await Promise.all(later.map((envelope) => deliver(queue, envelope)));
    for (const { id } of later) await waitFor(`${id} handled`, completed(id));
    await sleep(300);

    for (const { id } of later) {
      expect(callsFor(id)).toBe(1);
      expect((await queue.getJob(id))?.stacktrace).toEqual([]);
      await expectExactlyOneEffect(id);
    }
  });
});
