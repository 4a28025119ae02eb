import type { INestApplication } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { MessagingMetrics, type MessageEnvelope } from '../../lib';
import { G11Visit, LookUp, LookUpHandler, visitsOf } from '../fixtures/g11-handlers.fixtures';
import { SlowVisit, SlowVisitHandler, type FirstAttempt } from '../fixtures/g12-stuck.fixtures';
import { CpuLoad } from '../support/cpu-load';
import { deliver, envelopeOf, openQueue } from '../support/jobs';
import { closeAndCleanUp } from '../support/scenarios';
import { onPostgres } from '../support/services';
import { freshActivity, ident, sql } from '../support/sql';
import { startEndpoint, uniquePrefix, waitFor } from '../support/test-endpoint';
import { transactionalClsModule } from '../support/transactional-cls';

/**
 * G12: every message progresses or visibly fails within a bounded time. An attempt that hangs is
 * given up after attemptTimeoutMs (rolled back, retried); what it still tries to write is refused;
 * handlers that read through the DataSource while their transaction is open never wait for a
 * second pooled connection, on a loaded machine too.
 */
describe('G12 nothing stuck', () => {
  describe('an attempt that takes too long', () => {
    const prefix = uniquePrefix('g12t');
    const endpoint = 'g12-slow';
    let app: INestApplication;
    let queue: Queue<MessageEnvelope>;

    beforeAll(async () => {
      app = await startEndpoint({
        endpoint,
        prefix,
        entities: [G11Visit],
        imports: [TypeOrmModule.forFeature([G11Visit])],
        providers: [SlowVisitHandler],
        messaging: { attemptTimeoutMs: 1000 },
      });
      queue = openQueue(prefix, endpoint);
    });

    afterAll(async () => {
      app?.get(SlowVisitHandler).release.resolve();
      await closeAndCleanUp(prefix, [queue], [app]);
    });

    const visits = (visitId: string) => visitsOf(app, prefix, visitId);

    async function deliverVisit(firstAttempt: FirstAttempt): Promise<string> {
      const visitId = randomUUID();
      const envelope = envelopeOf(new SlowVisit(visitId, firstAttempt));
      await deliver(queue, envelope, { attempts: 3 });
      return envelope.id;
    }

    it('fails after attemptTimeoutMs, rolls its write back, and the retry commits once', async () => {
      const id = await deliverVisit('hangs');
      await waitFor('the retry', async () => (await queue.getJobState(id)) === 'completed', 30000);
      const job = await queue.getJob(id);
      expect(job?.attemptsMade).toBe(2);
      const visitId = JSON.parse(job!.data.payload).visitId;
      expect(await visits(visitId)).toEqual(['attempt-2']);
      expect((await app.get(MessagingMetrics).snapshot()).failedAttempts).toBeGreaterThanOrEqual(1);
    });

    it('refuses what the abandoned attempt still writes', async () => {
      const handler = app.get(SlowVisitHandler);
      const id = await deliverVisit('writes-late');
      await waitFor('the late write', () => handler.lateWriteErrors.length > 0, 30000);
      await waitFor('the retry', async () => (await queue.getJobState(id)) === 'completed', 30000);
      expect(handler.lateWriteErrors).toEqual(['AttemptTimeoutError']);
      const visitId = JSON.parse((await queue.getJob(id))!.data.payload).visitId;
      expect(await visits(visitId)).toEqual(['attempt-2']);
    });

    it('kills the connection of an attempt stuck in a lock wait, so its locks go at once', async () => {
      const visitId = randomUUID();
      const table = ident(`${prefix}g11_visit`);
      const dataSource = app.get(DataSource);
      await dataSource.query(
        sql(`INSERT INTO ${table} (${ident('visitId')}, via) VALUES (?, 'seed')`),
        [visitId],
      );
      const holder = dataSource.createQueryRunner();
      await holder.startTransaction();
      try {
        await holder.query(sql(`SELECT * FROM ${table} WHERE ${ident('visitId')} = ? FOR UPDATE`), [
          visitId,
        ]);
        const envelope = envelopeOf(new SlowVisit(visitId, 'waits-for-a-lock'));
        await deliver(queue, envelope, { attempts: 3 });
        const waiters = app.get(SlowVisitHandler).lockWaiters;
        await waitFor(
          'the attempt given up',
          async () => (await queue.getJob(envelope.id))?.attemptsMade === 1,
          30000,
        );
        // The lock is still held: only a KILL (pg_terminate_backend) ends the waiting statement
        // now, not a closed socket.
        await waitFor(
          'the waiting thread gone',
          async () => {
            await freshActivity(holder);
            const rows = await holder.query(
              onPostgres
                ? 'SELECT pid FROM pg_stat_activity WHERE pid = $1'
                : 'SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?',
              [waiters[0]],
            );
            return rows.length === 0;
          },
          10000,
        );
        // The killed connection never goes back to the pool: the next units get live ones.
        for (let i = 0; i < 5; i++)
          await expect(dataSource.query('SELECT 1')).resolves.toBeDefined();
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
      }
    });

    it('reports how long the oldest message has been in progress', async () => {
      const metrics = app.get(MessagingMetrics);
      const handler = app.get(SlowVisitHandler);
      const id = await deliverVisit('waits-for-release');
      await waitFor(
        'the message in progress',
        async () => (await metrics.snapshot()).inFlight >= 1,
      );
      await waitFor('time to pass', async () => (await metrics.snapshot()).oldestInFlightMs >= 300);
      handler.release.resolve();
      await waitFor('the message', async () => (await queue.getJobState(id)) === 'completed');
      // Abandoned attempts of the tests before count until their handlers return too (the one
      // killed in a lock wait included: its statement fails).
      await waitFor('nothing in progress', async () => (await metrics.snapshot()).inFlight === 0);
      expect((await metrics.snapshot()).oldestInFlightMs).toBe(0);
    });
  });

  describe('handlers reading through the DataSource, more messages than pooled connections', () => {
    const prefix = uniquePrefix('g12p');
    const endpoint = 'g12-lookups';
    const count = 50;
    let app: INestApplication;
    let queue: Queue<MessageEnvelope>;
    let load: CpuLoad;

    beforeAll(async () => {
      load = CpuLoad.start();
      app = await startEndpoint({
        endpoint,
        prefix,
        entities: [G11Visit],
        imports: [TypeOrmModule.forFeature([G11Visit]), transactionalClsModule()],
        providers: [LookUpHandler],
      });
      queue = openQueue(prefix, endpoint);
    });

    afterAll(async () => {
      await load?.stop();
      await closeAndCleanUp(prefix, [queue], [app]);
    });

    it(`handles all ${count}, every read on the unit's own connection, on a loaded machine`, async () => {
      const ids = Array.from({ length: count }, () => randomUUID());
      await Promise.all(ids.map((id) => deliver(queue, envelopeOf(new LookUp(id)))));
      const lookups = app.get(LookUpHandler).lookups;
      await waitFor(`${count} lookups`, () => lookups.length >= count, 120000);
      expect(lookups.map((lookup) => lookup.visitId).sort()).toEqual([...ids].sort());
      const elsewhere = lookups.filter(
        ({ own, repository, dataSource, cls }) =>
          ![repository, dataSource, cls].every((id) => id === own),
      );
      expect(elsewhere).toEqual([]);
    });
  });
});
