import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../../consistent-messaging.constants';
import type {
  ResolvedMessagingOptions,
  RetryOptions,
} from '../../interfaces/consistent-messaging-options.interface';
import type { Subscribers } from '../../transport/subscription.registry';
import { InMemoryBroker } from './in-memory.broker';

/** The subscription registry of the in-memory transport: who handles what, in this process. */
@Injectable()
export class InMemorySubscriptions {
  private readonly broker: InMemoryBroker;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {
    this.broker = InMemoryBroker.of(options.queuePrefix);
  }

  async start(types: string[]): Promise<void> {
    this.broker.subscribe(this.options.endpoint, types, this.options.retry);
  }

  stop(): void {
    this.broker.unsubscribe(this.options.endpoint);
  }

  async subscribersOf(type: string): Promise<Subscribers> {
    return { endpoints: this.broker.subscribersOf(type), unknown: [] };
  }

  /** The receiver's policy once it started; the sender's until then, as with Redis. */
  async retryPolicyOf(endpoint: string): Promise<Required<RetryOptions>> {
    return this.broker.policyOf(endpoint) ?? this.options.retry;
  }
}
