import type { INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import {
  G11Visit,
  OldQueryRunnerHandler,
  ParallelTransactionsHandler,
  RecordTwiceAtOnce,
  RecordVisit,
  UseOldQueryRunner,
  VisitHandler,
  visitsOf,
} from '../fixtures/g11-handlers.fixtures';
import { deliver, envelopeOf, inboxCount, openQueue, outboxRowsCausedBy } from '../support/jobs';
import { closeAndCleanUp } from '../support/scenarios';
import { startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';
import { transactionalClsModule } from '../support/transactional-cls';

/**
 * G11 in handlers: what a @ConsistentHandler writes through an injected repository, the
 * DataSource, a nested dataSource.transaction() or a nestjs-cls @Transactional() method is part of
 * its unit of work: rolled back when it throws, applied once by the retry that commits. A
 * statement on a connection that can't join fails loudly instead of committing on its own.
 */
describe('G11 any transaction: handlers', () => {
  const prefix = uniquePrefix('g11h');
  const endpoint = 'g11-visits';
  let app: INestApplication;
  let queue: Queue<MessageEnvelope>;

  beforeAll(async () => {
    app = await startEndpoint({
      endpoint,
      prefix,
      entities: [G11Visit],
      imports: [TypeOrmModule.forFeature([G11Visit]), transactionalClsModule()],
      providers: [VisitHandler, OldQueryRunnerHandler, ParallelTransactionsHandler],
    });
    queue = openQueue(prefix, endpoint);
  });

  afterAll(async () => {
    await app?.get(OldQueryRunnerHandler).release();
    await closeAndCleanUp(prefix, [queue], [app]);
  });

  const visitRows = async (visitId: string) => (await visitsOf(app, prefix, visitId)).sort();
  const settled = (id: string) =>
    waitFor(`message ${id} settled`, async () =>
      ['completed', 'failed'].includes(await queue.getJobState(id)),
    );

  it('commits every write of every way with the inbox record, once', async () => {
    const envelope = envelopeOf(new RecordVisit(randomUUID()));
    await deliver(queue, envelope);
    await settled(envelope.id);
    expect(await queue.getJobState(envelope.id)).toBe('completed');
    const visitId = JSON.parse(envelope.payload).visitId;
    expect(await visitRows(visitId)).toEqual(['cls', 'data-source', 'repository', 'tx']);
    expect(await inboxCount(app.get(DataSource), prefix, endpoint, envelope.id)).toBe(1);
  });

  it('rolls back every write of a failed attempt: the retry that commits applies them once', async () => {
    const visitId = randomUUID();
    const envelope = envelopeOf(new RecordVisit(visitId, 2));
    await deliver(queue, envelope, { attempts: 3 });
    await settled(envelope.id);
    expect(await queue.getJobState(envelope.id)).toBe('completed');
    expect((await queue.getJob(envelope.id))?.attemptsMade).toBe(3);
    expect(await visitRows(visitId)).toEqual(['cls', 'data-source', 'repository', 'tx']);
  });

  it.each([false, true])(
    'refuses a query runner created before the unit (in a transaction: %s): it fails, writes nothing',
    async (inTransaction) => {
      const visitId = randomUUID();
      const errors = app.get(OldQueryRunnerHandler).errors;
      errors.length = 0;
      const envelope = envelopeOf(new UseOldQueryRunner(visitId, inTransaction));
      await deliver(queue, envelope, { attempts: 1 });
      await settled(envelope.id);
      expect(await queue.getJobState(envelope.id)).toBe('failed');
      expect((await queue.getJob(envelope.id))?.failedReason).toMatch(/another connection/);
      expect(errors).toEqual(['ForeignConnectionError']);
      expect(await visitRows(visitId)).toEqual([]);
    },
  );

  it.each([false, true])(
    'refuses two transactions opened side by side in one unit (error swallowed: %s): nothing commits',
    async (swallow) => {
      const visitId = randomUUID();
      const errors = app.get(ParallelTransactionsHandler).errors;
      errors.length = 0;
      const envelope = envelopeOf(new RecordTwiceAtOnce(visitId, swallow));
      await deliver(queue, envelope, { attempts: 1 });
      await settled(envelope.id);
      expect(await queue.getJobState(envelope.id)).toBe('failed');
      expect((await queue.getJob(envelope.id))?.failedReason).toMatch(/another one opened beside/);
      expect(errors).toEqual(['ConcurrentTransactionsError']);
      expect(await visitRows(visitId)).toEqual([]);
      expect(await outboxRowsCausedBy(app.get(DataSource), prefix, envelope.id)).toEqual([]);
    },
  );
});
