import type { INestApplication } from '@nestjs/common';
import { type Job, type JobType, Queue, QueueEvents } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { DataSource } from 'typeorm';
import { type MessageEnvelope, OutboxSweeper } from '../../lib';
import { bullConnection } from '../../lib/transport/bull-connection';
import { queuePrefixOf } from './jobs';
import { redis as defaultRedis } from './services';
import { ident, sql } from './sql';

/** A raw row of the outbox table, as the driver returns it (BIGINT ids as strings). */
export interface OutboxRow {
  id: string;
  message_id: string;
  message_type: string;
  destination: string | null;
  payload: string;
  headers: string;
  origin_endpoint: string;
  causation_id: string | null;
  correlation_id: string;
  created_at: Date;
  dispatched_at: Date | null;
  dispatch_error: string | null;
}

/** A raw row of the inbox table. */
export interface InboxRow {
  endpoint: string;
  message_id: string;
  message_type: string;
  processed_at: Date;
}

export interface OutboxFilter {
  messageId?: string;
  originEndpoint?: string;
  causationId?: string;
}

/** Outbox rows of a test prefix matching every given filter, in id order. */
export async function outboxRows(
  app: INestApplication,
  prefix: string,
  filter: OutboxFilter = {},
): Promise<OutboxRow[]> {
  const columns: [keyof OutboxFilter, string][] = [
    ['messageId', 'message_id'],
    ['originEndpoint', 'origin_endpoint'],
    ['causationId', 'causation_id'],
  ];
  const given = columns.filter(([key]) => filter[key] !== undefined);
  const where = given.length
    ? `WHERE ${given.map(([, column]) => `${column} = ?`).join(' AND ')}`
    : '';
  return app.get(DataSource).query(
    sql(`SELECT * FROM ${ident(`${prefix}outbox`)} ${where} ORDER BY id`),
    given.map(([key]) => filter[key]),
  );
}

/** The outbox row of one message, or undefined. */
export async function outboxRow(
  app: INestApplication,
  prefix: string,
  messageId: string,
): Promise<OutboxRow | undefined> {
  const [row] = await outboxRows(app, prefix, { messageId });
  return row;
}

/** Inbox rows of a test prefix for one message, optionally of one endpoint. */
export async function inboxRows(
  app: INestApplication,
  prefix: string,
  messageId: string,
  endpoint?: string,
): Promise<InboxRow[]> {
  const byEndpoint = endpoint === undefined ? '' : ' AND endpoint = ?';
  return app
    .get(DataSource)
    .query(
      sql(
        `SELECT * FROM ${ident(`${prefix}inbox`)} WHERE message_id = ?${byEndpoint} ORDER BY endpoint`,
      ),
      [messageId, ...(endpoint === undefined ? [] : [endpoint])],
    );
}

/**
 * Every job state a message can be in once it was added (repeatable jobs excepted). 'waiting'
 * takes in a paused queue's jobs on BullMQ 5; 6 has no paused state of its own.
 */
const ALL_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
];

export { queuePrefixOf };

/**
 * Reads endpoint queues of a test prefix with BullMQ's own Queue class, on its own connection.
 * Close it in afterAll.
 */
export class QueueInspector {
  private readonly queues = new Map<string, Queue<MessageEnvelope>>();

  constructor(
    private readonly prefix: string,
    private readonly connection: RedisOptions = defaultRedis,
  ) {}

  queue(endpoint: string): Queue<MessageEnvelope> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      queue = new Queue<MessageEnvelope>(endpoint, {
        connection: bullConnection(this.connection),
        prefix: queuePrefixOf(this.prefix),
      });
      this.queues.set(endpoint, queue);
    }
    return queue;
  }

  /** Every job of the endpoint's queue, whatever its state (completed and failed included). */
  async jobs(endpoint: string): Promise<Job<MessageEnvelope>[]> {
    const jobs = await this.queue(endpoint).getJobs(ALL_STATES);
    return jobs.filter((job): job is Job<MessageEnvelope> => job !== undefined);
  }

  /** Jobs of the endpoint's queue whose envelope carries the message id or whose job id is it. */
  async jobsOf(endpoint: string, messageId: string): Promise<Job<MessageEnvelope>[]> {
    const jobs = await this.jobs(endpoint);
    return jobs.filter((job) => job.id === messageId || job.data?.id === messageId);
  }

  /** Jobs of the endpoint's queue whose JSON payload matches the predicate. */
  async jobsWhere(
    endpoint: string,
    predicate: (payload: Record<string, unknown>) => boolean,
  ): Promise<Job<MessageEnvelope>[]> {
    const jobs = await this.jobs(endpoint);
    return jobs.filter((job) => {
      try {
        return predicate(JSON.parse(job.data.payload) as Record<string, unknown>);
      } catch {
        return false;
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}

export interface Completion {
  jobId: string;
  returnvalue: unknown;
}

/**
 * Records the 'completed' events of an endpoint's queue (job id and the worker's return value,
 * 'handled' or 'duplicate'). Works when completed jobs are removed at once. Close it in afterAll.
 */
export class CompletionRecorder {
  readonly completions: Completion[] = [];
  private readonly events: QueueEvents;

  constructor(prefix: string, endpoint: string, connection: RedisOptions = defaultRedis) {
    // Reads the event stream from its start: no event is missed however late the reader starts.
    this.events = new QueueEvents(endpoint, {
      connection: bullConnection(connection),
      prefix: queuePrefixOf(prefix),
      lastEventId: '0',
    });
    this.events.on('completed', ({ jobId, returnvalue }) =>
      this.completions.push({ jobId, returnvalue }),
    );
  }

  /** Resolves once the recorder's connection is ready. */
  async ready(): Promise<this> {
    await this.events.waitUntilReady();
    return this;
  }

  of(jobId: string): Completion[] {
    return this.completions.filter((completion) => completion.jobId === jobId);
  }

  async close(): Promise<void> {
    await this.events.close();
  }
}

/**
 * Stops the outbox sweeper of every app (they share the outbox table of a test prefix), so that a
 * test can look at rows left pending before the sweeper takes them. Returns a function restarting them.
 */
export async function holdSweepers(apps: INestApplication[]): Promise<() => void> {
  const sweepers = apps.map((app) => app.get(OutboxSweeper));
  await Promise.all(sweepers.map((sweeper) => sweeper.stop()));
  return () => sweepers.forEach((sweeper) => sweeper.start());
}
