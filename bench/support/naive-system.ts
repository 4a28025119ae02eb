import { Queue, Worker, type Job } from 'bullmq';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import { CountingLogger } from './client-counters';
import type { DispatchTimings } from './dispatch-timings';
import {
  BenchRow,
  envelopeOf,
  Followup,
  jobOptions,
  SINK_QUEUE,
  WORK_QUEUE,
  type Work,
} from './messages';
import { queuePrefixOf } from './bench-env';
import { benchDatabase } from './bench-database';
import { redis } from './services';

export interface SystemOptions {
  prefix: string;
  concurrency: number;
  timings?: DispatchTimings;
}

/** A system under test: something consuming the `work` queue and feeding the `sink` queue. */
export interface System {
  close(): Promise<void>;
}

/**
 * What users write without the library: a plain BullMQ worker that inserts the business row in a
 * TypeORM transaction, then adds the follow-up job. No inbox, no outbox: a crash between the two
 * loses the follow-up, a redelivery duplicates the row.
 */
export async function startNaive(options: SystemOptions): Promise<System> {
  const dataSource = new DataSource(dataSourceOptions(options));
  await dataSource.initialize();
  const prefix = queuePrefixOf(options.prefix);
  const followups = new Queue(SINK_QUEUE, { connection: { ...redis }, prefix });
  const timings = options.timings;
  const worker = new Worker<MessageEnvelope>(
    WORK_QUEUE,
    async (job: Job<MessageEnvelope>) => {
      const incoming = job.data;
      const work = JSON.parse(incoming.payload) as Work;
      await dataSource.transaction(async (manager) => {
        await manager.insert(BenchRow, { messageId: incoming.id, amountCents: work.amountCents });
      });
      const followup = envelopeOf(new Followup(work.n, work.amountCents), incoming.id);
      timings?.committed([followup.id]);
      await followups.add(followup.type, followup, jobOptions(followup.id));
      timings?.dispatched([followup.id]);
    },
    {
      connection: { ...redis, maxRetriesPerRequest: null },
      prefix,
      concurrency: options.concurrency,
    },
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await followups.close();
      await dataSource.destroy();
    },
  };
}

/**
 * The business database as both systems see it: the bench's row entity, statements counted, one
 * connection per concurrent message plus two (marks, sweeps).
 */
export function dataSourceOptions(options: SystemOptions): DataSourceOptions {
  return {
    ...benchDatabase().connection,
    entities: [BenchRow],
    entityPrefix: options.prefix,
    poolSize: options.concurrency + 2,
    logger: new CountingLogger(),
  };
}
