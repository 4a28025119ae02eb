import type { RedisOptions } from 'ioredis';
import type { FaultHooks } from '../faults/fault-hooks.interface';

export interface RetryOptions {
  /** Attempts in all, the first included, before a message becomes a dead letter. Default 5. */
  attempts?: number;
  /** BullMQ backoff between attempts. Default exponential from 1000 ms. */
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
}

export interface RelayOptions {
  /** How often each instance sweeps the outbox for rows left undispatched. Default 1000 ms. */
  sweepIntervalMs?: number;
  /** Rows claimed per sweep transaction. Default 500. */
  sweepBatchSize?: number;
  /**
   * Age a row must reach before the sweeper takes it, so it does not race the dispatch right after
   * commit. Default 5000 ms.
   */
  sweepDelayMs?: number;
  /** Dispatched marks are written in batches of at most this many ids. Default 200. */
  markBatchSize?: number;
  /** Longest time a dispatched mark waits for its batch. Default 20 ms. */
  markIntervalMs?: number;
  /** How long a list of event subscribers read from Redis is reused. Default 2000 ms. */
  subscriptionCacheMs?: number;
  /**
   * Longest time a unit of work's caller (an `@Outbox()` method, an application transaction, a
   * handler's acknowledgement) waits after COMMIT for its messages to reach Redis. A Redis that
   * does not answer by then (stalled, say) finishes the dispatch in the background, or the sweeper
   * does; the messages are committed either way. 0: don't wait at all. At most 60000. Default
   * 1000 ms.
   */
  dispatchWaitMs?: number;
}

export interface RetentionOptions {
  /** Run the cleanup in this process (one instance at a time across processes). Default true. */
  enabled?: boolean;
  /** Age (since dispatch) after which a dispatched outbox row is deleted. Default 1 day. */
  outboxMs?: number;
  /**
   * Age (since processing) after which an inbox record is deleted. Must outlive every redelivery:
   * retries, stalled-job redelivery, and re-dispatch of any outbox row still kept, so it may not be
   * shorter than `outboxMs`. Default 7 days.
   */
  inboxMs?: number;
  /** How often the cleanup runs. Default 60000 ms. */
  intervalMs?: number;
  /** Rows deleted per statement. Default 1000. */
  batchSize?: number;
  /**
   * Age (since it failed for the last time) after which a dead letter is deleted. At least 1 hour.
   * Default 14 days.
   */
  deadLettersMs?: number;
  /**
   * Idle time after which a sender forgets an ordering key (its next message starts the key
   * afresh); receivers forget their place on a key after twice this, when nothing of it is parked.
   * At least `inboxMs`. Default 30 days.
   */
  orderingKeysMs?: number;
}

export interface ConsistentMessagingModuleOptions {
  /** Name of this endpoint: its queue, its inbox records and the origin of what it sends. Required. */
  endpoint: string;
  /** Redis connection for BullMQ (host, port, password, db, tls…). Required. */
  redis: RedisOptions;
  /** Prefix of the outbox and inbox table names. Default `cm_`. */
  tablePrefix?: string;
  /** Create the tables at startup if they are missing (for development and tests). Default false. */
  createTables?: boolean;
  /** BullMQ key prefix in Redis. Default `cm`. */
  queuePrefix?: string;
  /** Consume this endpoint's queue in this process. Set false for a producer-only instance. Default true. */
  consume?: boolean;
  /**
   * Messages handled at once by this process. Each holds a pooled connection of the DataSource for
   * its transaction, and the relay keeps 2: startup refuses more than the pool size less 2. Default:
   * 16, or the pool size less 2 when the pool is smaller (8 for TypeORM's default pool of 10).
   */
  concurrency?: number;
  /**
   * Up to this many incoming messages that arrive together share one transaction: one inbox insert,
   * each message's handlers in turn, one outbox insert, one commit. At most
   * `concurrency / batchSize` such transactions run at once. If anything in a batch fails before
   * COMMIT (a handler error, a duplicate, a deadlock), it rolls back and each of its messages is
   * handled again in its own transaction; a failure after COMMIT fails all its jobs (redelivered).
   * Worth it for short handlers at high volume; keep 1 when handlers are slow or wait on I/O.
   * Default 1: one transaction per message.
   */
  batchSize?: number;
  /**
   * Longest time one attempt at a message may take (inbox, handlers, commit, dispatch). Past it the
   * attempt fails: its transaction is rolled back (its connection closed), the handler and message
   * are logged, and the message is retried with backoff. Default 30000 ms.
   */
  attemptTimeoutMs?: number;
  /**
   * How long after it was sent a message of a type this process has no handler for keeps coming
   * back (with the retry backoff, at most every 30 s, without using up attempts) before it is
   * dead-lettered: long enough for a rolling deploy, where a newer instance of the endpoint
   * handles it. 0 dead-letters it at once. Default 600000 (10 minutes).
   */
  unknownTypeWaitMs?: number;
  /**
   * How often each consuming instance registers its message types in Redis again. This restores
   * subscriptions a Redis lost (restart without persistence, flush, failover) without a restart,
   * and an instance not seen for 3 intervals no longer keeps its types subscribed. Default 5000 ms.
   */
  subscriptionRefreshMs?: number;
  /**
   * How long startup waits for Redis to answer (it may come up after the application), logging
   * that it waits; then startup fails with RedisUnavailableError. Default 30000 ms.
   */
  redisStartupTimeoutMs?: number;
  /** Retry policy of this endpoint's handlers. */
  retry?: RetryOptions;
  /** How long a job is locked by a worker before it counts as stalled and is redelivered. Default 30000 ms. */
  lockDurationMs?: number;
  /** Completed jobs BullMQ keeps per queue (the inbox is what deduplicates). Default 1000. */
  keepCompletedJobs?: number;
  /**
   * Failed jobs BullMQ keeps per queue, for BullMQ tooling (bull-board). The dead letters
   * themselves are kept in the dead-letter table, not here. Default 1000.
   */
  keepFailedJobs?: number;
  /** Outbox relay tuning. */
  relay?: RelayOptions;
  /** Deletion of old dispatched outbox rows and inbox records. */
  retention?: RetentionOptions;
  /** Named failure points, for fault-injection tests only. */
  faultHooks?: FaultHooks;
}

/** Options after defaults are applied and validated. */
export interface ResolvedMessagingOptions {
  endpoint: string;
  redis: RedisOptions;
  tablePrefix: string;
  createTables: boolean;
  queuePrefix: string;
  consume: boolean;
  concurrency: number;
  batchSize: number;
  attemptTimeoutMs: number;
  unknownTypeWaitMs: number;
  subscriptionRefreshMs: number;
  redisStartupTimeoutMs: number;
  retry: Required<RetryOptions>;
  lockDurationMs: number;
  keepCompletedJobs: number;
  keepFailedJobs: number;
  relay: Required<RelayOptions>;
  retention: Required<RetentionOptions>;
  faultHooks: FaultHooks;
}
