import { type Job, Queue } from 'bullmq';
import { randomUUID } from 'crypto';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { type MessageEnvelope, messageTypeOf, type MessageClass } from '../../lib';
import type { OutboxRow as FullOutboxRow } from './inspect';
import { onPostgres, redis } from './services';
import { freshActivity, ident, sql } from './sql';

/** The BullMQ key prefix test-endpoint.ts gives a test file's endpoints. */
export function queuePrefixOf(prefix: string): string {
  return prefix.replace(/_+$/, '');
}

/** A BullMQ queue of one endpoint of a test file, to add and inspect jobs. Close it in afterAll. */
export function openQueue<T = MessageEnvelope>(
  prefix: string,
  endpoint: string,
  connection: { host: string; port: number } = redis,
): Queue<T> {
  return new Queue<T>(endpoint, { connection, prefix: queuePrefixOf(prefix) });
}

/** The Redis key of a job's lock, as BullMQ names it. */
export function lockKeyOf(prefix: string, endpoint: string, jobId: string): string {
  return `${queuePrefixOf(prefix)}:${endpoint}:${jobId}:lock`;
}

/** An envelope as the relay would put in a job: a fresh message id unless one is given. */
export function envelopeOf(message: object, id: string = randomUUID()): MessageEnvelope {
  return {
    id,
    type: messageTypeOf(message.constructor as MessageClass),
    payload: JSON.stringify(message),
    headers: {
      correlationId: id,
      causationId: null,
      originEndpoint: 'test',
      sentAt: new Date().toISOString(),
    },
  };
}

export interface DeliverOptions {
  /** BullMQ job id; the message id (as the relay does) unless given, e.g. for a redelivered copy. */
  jobId?: string;
  /** Attempts in all; default 3 with a fixed 100 ms backoff, as test endpoints announce. */
  attempts?: number;
  /** Failed jobs BullMQ keeps, as the dispatcher sets it from `keepFailedJobs`; default all. */
  removeOnFail?: number;
}

/** Adds a job carrying `data` with the options the dispatcher uses. */
export async function deliver<T>(
  queue: Queue<T>,
  data: T,
  options: DeliverOptions = {},
): Promise<Job<T>> {
  const envelope = data as Partial<MessageEnvelope> | null;
  const jobId = options.jobId ?? envelope?.id ?? randomUUID();
  const name = typeof envelope?.type === 'string' ? envelope.type : 'test.Raw';
  // The typings of Queue.add are too clever for a generic data type.
  const add = queue.add.bind(queue) as unknown as (
    name: string,
    data: T,
    opts: object,
  ) => Promise<Job<T>>;
  return add(name, data, {
    jobId,
    attempts: options.attempts ?? 3,
    backoff: { type: 'fixed', delay: 100 },
    removeOnComplete: 1000,
    removeOnFail: options.removeOnFail ?? false,
  });
}

/** The Redis client a queue uses: `queue.client` on BullMQ 5, its backend's on 6. */
export function redisOf(queue: Queue): Promise<Redis> {
  const seen = queue as unknown as {
    client?: Promise<Redis>;
    backend?: { client: Promise<Redis> };
  };
  return seen.client ?? (seen.backend as { client: Promise<Redis> }).client;
}

/** Every job in the queue, in whatever state. */
export async function jobsIn<T>(queue: Queue<T>): Promise<Job<T>[]> {
  const jobs: (Job<T> | undefined)[] = await queue.getJobs([
    'waiting',
    'active',
    'delayed',
    'prioritized',
    'completed',
    'failed',
    'waiting-children',
  ]);
  return jobs.filter((job): job is Job<T> => job !== undefined);
}

/** The ids of every job in the queue, in whatever state. */
export async function jobIdsIn<T>(queue: Queue<T>): Promise<string[]> {
  return (await jobsIn(queue)).map((job) => String(job.id));
}

/** A promise the test settles: for hooks and handlers that must hang until told. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
  settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const handle: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      handle.settled = true;
      resolve(value);
    },
    reject: (error) => {
      handle.settled = true;
      reject(error);
    },
  };
  // A rejection nobody awaits must not fail the test run.
  promise.catch(() => undefined);
  return handle;
}

/** The outbox columns outboxRowsCausedBy() selects. */
export type OutboxRow = Pick<
  FullOutboxRow,
  'message_id' | 'message_type' | 'destination' | 'payload' | 'causation_id' | 'dispatched_at'
>;

/** Outbox rows an incoming message caused, oldest first. */
export async function outboxRowsCausedBy(
  dataSource: DataSource,
  prefix: string,
  causationId: string,
): Promise<OutboxRow[]> {
  return dataSource.query(
    sql(`SELECT message_id, message_type, destination, payload, causation_id, dispatched_at
     FROM ${ident(`${prefix}outbox`)} WHERE causation_id = ? ORDER BY id`),
    [causationId],
  );
}

/** How many inbox records an endpoint has for a message id. */
export async function inboxCount(
  dataSource: DataSource,
  prefix: string,
  endpoint: string,
  messageId: string,
): Promise<number> {
  const [row] = await dataSource.query(
    sql(
      `SELECT COUNT(*) AS n FROM ${ident(`${prefix}inbox`)} WHERE endpoint = ? AND message_id = ?`,
    ),
    [endpoint, messageId],
  );
  return Number(row.n);
}

/**
 * Inserts into `table` that have been running for more than `minMs`: on the inbox, a copy of a
 * message blocked on the row lock another transaction holds for the same message.
 */
export async function insertsWaitingOn(
  dataSource: DataSource,
  table: string,
  minMs = 50,
): Promise<number> {
  await freshActivity(dataSource);
  const [row] = await dataSource.query(
    onPostgres
      ? `SELECT COUNT(*) AS n FROM pg_stat_activity
         WHERE state = 'active' AND query LIKE $1
           AND clock_timestamp() - query_start > $2::float8 * INTERVAL '1 millisecond'`
      : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
         WHERE command = 'Query' AND info LIKE ? AND time_ms > ?`,
    [`INSERT INTO ${ident(table)}%`, minMs],
  );
  return Number(row.n);
}
