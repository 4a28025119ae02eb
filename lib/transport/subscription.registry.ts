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

/** An instance not seen for this many refresh intervals is gone: its types no longer count. */
const LIVE_INTERVALS = 3;

/** How soon a registration that failed right after a reconnect is tried again. */
const RETRY_AFTER_RECONNECT_MS = 1000;

/**
 * KEYS: the endpoint's instances (id → `{"types":[…],"seenAt":ms}`), its types, the retry policies.
 * ARGV: instance id, its types (JSON), how long an instance stays live (ms), the subscribers' key
 * prefix, the endpoint, its retry policy (JSON).
 */
const REGISTER = `
local now = redis.call('time')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('hset', KEYS[1], ARGV[1], '{"types":' .. ARGV[2] .. ',"seenAt":' .. now .. '}')
local live, gone = {}, {}
local entries = redis.call('hgetall', KEYS[1])
for i = 1, #entries, 2 do
  local ok, entry = pcall(cjson.decode, entries[i + 1])
  if ok and type(entry) == 'table' and type(entry.types) == 'table'
    and type(entry.seenAt) == 'number' and entry.seenAt > now - tonumber(ARGV[3]) then
    for _, name in ipairs(entry.types) do live[name] = true end
  else
    gone[#gone + 1] = entries[i]
  end
end
for _, name in ipairs(redis.call('smembers', KEYS[2])) do
  if not live[name] then redis.call('srem', ARGV[4] .. name, ARGV[5]) end
end
redis.call('del', KEYS[2])
for name in pairs(live) do
  redis.call('sadd', ARGV[4] .. name, ARGV[5])
  redis.call('sadd', KEYS[2], name)
end
if #gone > 0 then redis.call('hdel', KEYS[1], unpack(gone)) end
redis.call('hset', KEYS[3], ARGV[5], ARGV[6])
`;

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
   * Writes this instance's entry and makes the endpoint subscribe to exactly the types of its live
   * instances, in one script: a lookup that sees the entry also sees its subscriptions (else it
   * would take the endpoint for one that dropped the type, and route an event past it).
   */
  private async register(): Promise<void> {
    const types = this.types;
    if (!types) return;
    const { queuePrefix: prefix, endpoint, retry, subscriptionRefreshMs } = this.options;
    await this.connection.client.eval(
      REGISTER,
      3,
      redisKeys.endpointInstances(prefix, endpoint),
      redisKeys.endpointTypes(prefix, endpoint),
      redisKeys.retryPolicies(prefix),
      this.instanceId,
      JSON.stringify(types),
      LIVE_INTERVALS * subscriptionRefreshMs,
      redisKeys.subscribers(prefix, ''),
      endpoint,
      JSON.stringify(retry),
    );
    this.subscribers.clear();
    this.policies = undefined;
  }

  /** At a reconnect; a failure is tried again soon, not a whole refresh interval later. */
  private readonly refreshNow = (): void => {
    void this.register().catch((error: unknown) => {
      this.refreshFailed(error);
      setTimeout(() => {
        if (this.types) this.refreshNow();
      }, RETRY_AFTER_RECONNECT_MS).unref();
    });
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
