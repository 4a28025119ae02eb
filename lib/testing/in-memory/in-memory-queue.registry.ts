import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CONSISTENT_MESSAGING_OPTIONS } from '../../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../../interfaces/message-envelope.interface';
import { InMemoryBroker } from './in-memory.broker';

/**
 * The queue registry of the in-memory transport. Its queues have the part of BullMQ's Queue API
 * the library uses (add, getJob, getJobState, getJobCounts, remove), hence the casts.
 */
@Injectable()
export class InMemoryQueueRegistry {
  private readonly broker: InMemoryBroker;
  private readonly used = new Set<string>();

  constructor(@Inject(CONSISTENT_MESSAGING_OPTIONS) options: ResolvedMessagingOptions) {
    this.broker = InMemoryBroker.of(options.queuePrefix);
  }

  queueOf(endpoint: string): Queue<MessageEnvelope> {
    this.used.add(endpoint);
    return this.broker.queue(endpoint) as unknown as Queue<MessageEnvelope>;
  }

  exposed(endpoint: string): Queue<MessageEnvelope> {
    return this.queueOf(endpoint);
  }

  opened(): Queue<MessageEnvelope>[] {
    return [...this.used].map((endpoint) => this.queueOf(endpoint));
  }

  async close(): Promise<void> {}
}
