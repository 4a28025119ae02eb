import type { RetryOptions } from '../../interfaces/consistent-messaging-options.interface';
import { InMemoryQueue } from './in-memory.queue';

/**
 * What Redis holds for the endpoints of one `queuePrefix` in this process: their queues, who
 * subscribes to which event type, and each endpoint's retry policy. Shared by every application
 * of the process that uses the in-memory transport with that prefix.
 */
export class InMemoryBroker {
  private static readonly brokers = new Map<string, InMemoryBroker>();

  private readonly queues = new Map<string, InMemoryQueue>();
  private readonly subscribers = new Map<string, Set<string>>();
  private readonly policies = new Map<string, Required<RetryOptions>>();

  static of(queuePrefix: string): InMemoryBroker {
    let broker = InMemoryBroker.brokers.get(queuePrefix);
    if (!broker) InMemoryBroker.brokers.set(queuePrefix, (broker = new InMemoryBroker()));
    return broker;
  }

  queue(endpoint: string): InMemoryQueue {
    let queue = this.queues.get(endpoint);
    if (!queue) this.queues.set(endpoint, (queue = new InMemoryQueue(endpoint)));
    return queue;
  }

  subscribe(endpoint: string, types: string[], policy: Required<RetryOptions>): void {
    for (const type of types) {
      const endpoints = this.subscribers.get(type) ?? new Set<string>();
      endpoints.add(endpoint);
      this.subscribers.set(type, endpoints);
    }
    this.policies.set(endpoint, policy);
  }

  unsubscribe(endpoint: string): void {
    for (const endpoints of this.subscribers.values()) endpoints.delete(endpoint);
  }

  subscribersOf(type: string): string[] {
    return [...(this.subscribers.get(type) ?? [])].sort();
  }

  policyOf(endpoint: string): Required<RetryOptions> | undefined {
    return this.policies.get(endpoint);
  }
}
