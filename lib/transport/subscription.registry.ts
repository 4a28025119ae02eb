import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { hostname } from 'os';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { thrownText } from '../errors/thrown-text';
import type {
  ResolvedMessagingOptions,
  RetryOptions,
} from '../interfaces/consistent-messaging-options.interface';
import { SubscriptionStore } from '../storage/subscription.store';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import { settlesWithin } from '../relay/settles-within';
import { ProducerConnection } from './producer-connection';
import { redisKeys } from './redis-keys';

type RetryPolicy = Required<RetryOptions>;

/** The subscribers of an event type, and those Redis forgot (see `subscribersOf`). */
export interface Subscribers {
  endpoints: string[];
  /** Subscribers remembered in the database that have not registered in Redis since it lost them. */
  unknown: string[];
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

interface InstanceEntry {
  types: string[];
  seenAt: number;
}

/** An instance not seen for this many refresh intervals is gone: its types no longer count. */
const LIVE_INTERVALS = 3;

/**
 * Who handles which event type, and each endpoint's retry policy, kept in Redis so that every
 * process of every endpoint sees the same routing.
 *
 * Every instance of a consuming endpoint registers its types at startup and again every
 * `subscriptionRefreshMs`: an endpoint subscribes to what any of its live instances handles (an old
 * and a new version side by side in a rolling deploy), and a Redis that lost its data has the
 * subscriptions back within one interval, without a restart. Dispatchers also remember in their
 * own database which endpoints subscribed to a type: an event whose remembered subscriber Redis
 * no longer lists, and that has not registered again, is held pending for that subscriber.
 */
@Injectable()
export class SubscriptionRegistry {
  private readonly logger = new Logger('ConsistentMessaging');
  private readonly instanceId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly subscribers = new Map<string, Cached<string[]>>();
  private policies: Cached<Map<string, RetryPolicy>> | undefined;
  private types: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connection: ProducerConnection,
    private readonly store: SubscriptionStore,
    private readonly transactions: AmbientTransactions,
  ) {}

  /** Registers this instance's `types` now and keeps them registered until `stop()`. */
  async start(types: string[]): Promise<void> {
    this.types = types;
    await this.register();
    this.connection.client.on('ready', this.refreshNow);
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.types = undefined;
    this.connection.client.off('ready', this.refreshNow);
  }

  /**
   * The endpoints an event of `type` goes to. Redis's answer is compared with the subscribers
   * remembered in the database: one Redis lists and the database does not is remembered; one the
   * database remembers and Redis does not list has either dropped the type (it registered again
   * without it: forgotten) or not registered since Redis lost it (`unknown`: hold the event).
   * `queryRunner`: the caller's (the sweeper's transaction), else one of the library's own.
   * `redisWaitMs`: Redis must have answered within it, else this rejects before any statement runs
   * on `queryRunner` (a unit of work must not wait out a stalled Redis).
   */
  async subscribersOf(
    type: string,
    queryRunner?: QueryRunner,
    redisWaitMs?: number,
  ): Promise<Subscribers> {
    const cached = this.subscribers.get(type);
    if (cached && cached.expiresAt > Date.now()) return { endpoints: cached.value, unknown: [] };
    const { queuePrefix: prefix } = this.options;
    const redis = this.connection.client;
    // One limit for both round trips.
    const deadline = Date.now() + (redisWaitMs ?? 0);
    const answer = async <T>(call: Promise<T>): Promise<T> => {
      if (redisWaitMs !== undefined && !(await settlesWithin(call, deadline - Date.now())))
        throw new Error(`Redis did not answer within ${redisWaitMs} ms`);
      return call;
    };
    const endpoints = await answer(redis.smembers(redisKeys.subscribers(prefix, type)));
    // Redis is asked with no pooled connection held: a Redis that stalls must not starve the pool.
    const remembered = await this.withRunner(queryRunner, (runner) =>
      this.store.subscribersOf(runner, type),
    );
    const missing = remembered.filter((endpoint) => !endpoints.includes(endpoint));
    const registered = await answer(
      Promise.all(
        missing.map((endpoint) => redis.exists(redisKeys.endpointInstances(prefix, endpoint))),
      ),
    );
    const dropped = missing.filter((_, index) => registered[index]);
    const unknown = missing.filter((_, index) => !registered[index]);
    const added = endpoints.filter((endpoint) => !remembered.includes(endpoint));
    if (dropped.length > 0 || added.length > 0) {
      await this.withRunner(queryRunner, async (runner) => {
        await this.store.forget(runner, type, dropped);
        await this.store.remember(runner, type, added);
      });
    }
    if (unknown.length === 0)
      this.subscribers.set(type, { value: endpoints, expiresAt: this.expiry() });
    return { endpoints, unknown };
  }

  /** The retry policy an endpoint announced; the default one for an endpoint not yet started. */
  async retryPolicyOf(endpoint: string): Promise<RetryPolicy> {
    if (!this.policies || this.policies.expiresAt <= Date.now()) {
      const raw = await this.connection.client.hgetall(
        redisKeys.retryPolicies(this.options.queuePrefix),
      );
      const value = new Map(
        Object.entries(raw).map(([name, json]) => [name, JSON.parse(json) as RetryPolicy]),
      );
      this.policies = { value, expiresAt: this.expiry() };
    }
    return this.policies.value.get(endpoint) ?? this.options.retry;
  }

  /**
   * Writes this instance's entry, then makes the endpoint subscribe to exactly the types of its live
   * instances (dropping those only gone instances handled).
   */
  private async register(): Promise<void> {
    const types = this.types;
    if (!types) return;
    const { queuePrefix: prefix, endpoint, retry, subscriptionRefreshMs } = this.options;
    const redis = this.connection.client;
    const instancesKey = redisKeys.endpointInstances(prefix, endpoint);
    const typesKey = redisKeys.endpointTypes(prefix, endpoint);
    const [seconds] = await redis.time();
    const now = Number(seconds) * 1000;
    const entry: InstanceEntry = { types, seenAt: now };
    await redis.hset(instancesKey, this.instanceId, JSON.stringify(entry));
    const [instances, previous] = await Promise.all([
      redis.hgetall(instancesKey),
      redis.smembers(typesKey),
    ]);
    const live = new Set<string>();
    const gone: string[] = [];
    for (const [id, json] of Object.entries(instances)) {
      const other = parseEntry(json);
      if (other && other.seenAt > now - LIVE_INTERVALS * subscriptionRefreshMs)
        other.types.forEach((type) => live.add(type));
      else gone.push(id);
    }
    const multi = redis.multi();
    for (const type of previous.filter((old) => !live.has(old)))
      multi.srem(redisKeys.subscribers(prefix, type), endpoint);
    for (const type of live) multi.sadd(redisKeys.subscribers(prefix, type), endpoint);
    multi.del(typesKey);
    if (live.size > 0) multi.sadd(typesKey, ...live);
    if (gone.length > 0) multi.hdel(instancesKey, ...gone);
    multi.hset(redisKeys.retryPolicies(prefix), endpoint, JSON.stringify(retry));
    await multi.exec();
    this.subscribers.clear();
    this.policies = undefined;
  }

  private readonly refreshNow = (): void => {
    void this.register().catch((error: unknown) => this.refreshFailed(error));
  };

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.register()
        .catch((error: unknown) => this.refreshFailed(error))
        .finally(() => {
          if (this.types) this.schedule();
        });
    }, this.options.subscriptionRefreshMs);
    this.timer.unref();
  }

  private refreshFailed(error: unknown): void {
    this.logger.warn(
      `Refreshing the subscriptions in Redis failed, will retry: ${thrownText(error)}`,
    );
  }

  /** Runs `work` on the caller's query runner, or on one of the library's own. */
  private async withRunner<T>(
    given: QueryRunner | undefined,
    work: (queryRunner: QueryRunner) => Promise<T>,
  ): Promise<T> {
    if (given) return work(given);
    const queryRunner = this.transactions.createOwnQueryRunner();
    try {
      return await work(queryRunner);
    } finally {
      await queryRunner.release();
    }
  }

  private expiry(): number {
    return Date.now() + this.options.relay.subscriptionCacheMs;
  }
}

function parseEntry(json: string): InstanceEntry | undefined {
  try {
    const entry = JSON.parse(json) as Partial<InstanceEntry>;
    return Array.isArray(entry.types) && typeof entry.seenAt === 'number'
      ? { types: entry.types, seenAt: entry.seenAt }
      : undefined;
  } catch {
    return undefined;
  }
}
