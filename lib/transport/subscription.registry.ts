import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type {
  ResolvedMessagingOptions,
  RetryOptions,
} from '../interfaces/consistent-messaging-options.interface';
import { ProducerConnection } from './producer-connection';
import { redisKeys } from './redis-keys';

type RetryPolicy = Required<RetryOptions>;

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Who handles which message type, and each endpoint's retry policy, kept in Redis so that every
 * process of every endpoint sees the same routing. An endpoint announces itself at startup; lookups
 * are cached for `relay.subscriptionCacheMs`.
 */
@Injectable()
export class SubscriptionRegistry {
  private readonly subscribers = new Map<string, Cached<string[]>>();
  private policies: Cached<Map<string, RetryPolicy>> | undefined;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connection: ProducerConnection,
  ) {}

  /** Subscribes this endpoint to exactly `types` (dropping types it no longer handles). */
  async announce(types: string[]): Promise<void> {
    const { queuePrefix: prefix, endpoint, retry } = this.options;
    const redis = this.connection.client;
    const typesKey = redisKeys.endpointTypes(prefix, endpoint);
    const previous = await redis.smembers(typesKey);
    const multi = redis.multi();
    for (const type of previous.filter((old) => !types.includes(old))) {
      multi.srem(redisKeys.subscribers(prefix, type), endpoint);
    }
    for (const type of types) multi.sadd(redisKeys.subscribers(prefix, type), endpoint);
    multi.del(typesKey);
    if (types.length > 0) multi.sadd(typesKey, ...types);
    multi.hset(redisKeys.retryPolicies(prefix), endpoint, JSON.stringify(retry));
    await multi.exec();
    this.subscribers.clear();
    this.policies = undefined;
  }

  async subscribersOf(type: string): Promise<string[]> {
    const cached = this.subscribers.get(type);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const endpoints = await this.connection.client.smembers(
      redisKeys.subscribers(this.options.queuePrefix, type),
    );
    this.subscribers.set(type, { value: endpoints, expiresAt: this.expiry() });
    return endpoints;
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

  private expiry(): number {
    return Date.now() + this.options.relay.subscriptionCacheMs;
  }
}
