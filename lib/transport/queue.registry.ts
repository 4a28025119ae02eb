import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import { bullConnection } from './bull-connection';
import { ProducerConnection } from './producer-connection';
import { TolerantQueue } from './tolerant-job';

/** One BullMQ queue per endpoint, created on first use, all on the shared producer connection. */
@Injectable()
export class QueueRegistry {
  private readonly queues = new Map<string, Queue<MessageEnvelope>>();
  private readonly exposedQueues: Queue<MessageEnvelope>[] = [];
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly connection: ProducerConnection,
  ) {}

  /**
   * The queue of an endpoint. Fails at once while the shared connection is not ready: BullMQ makes a
   * queue created then wait for Redis, which would hang a dispatch for the whole outage instead of
   * leaving the message pending for the sweeper.
   */
  queueOf(endpoint: string): Queue<MessageEnvelope> {
    let queue = this.queues.get(endpoint);
    if (!queue) {
      const { status } = this.connection.client;
      if (status !== 'ready') throw new Error(`Redis connection not ready (${status})`);
      queue = new TolerantQueue<MessageEnvelope>(endpoint, {
        connection: this.connection.client,
        prefix: this.options.queuePrefix,
      });
      queue.on('error', (error: Error) =>
        this.logger.warn(`Queue "${endpoint}": ${error.message}`),
      );
      this.queues.set(endpoint, queue);
    }
    return queue;
  }

  /**
   * A queue for the application's own use (`@InjectQueue`, bull-board: the `queues` extra), on a
   * connection of its own, so that nothing it does can stall or close the dispatcher's.
   */
  exposed(endpoint: string): Queue<MessageEnvelope> {
    const queue = new TolerantQueue<MessageEnvelope>(endpoint, {
      connection: bullConnection({ ...this.options.redis }),
      prefix: this.options.queuePrefix,
    });
    queue.on('error', (error: Error) => this.logger.warn(`Queue "${endpoint}": ${error.message}`));
    this.exposedQueues.push(queue);
    return queue;
  }

  /** The queues opened so far for dispatch (the test kit). */
  opened(): Queue<MessageEnvelope>[] {
    return [...this.queues.values()];
  }

  async close(): Promise<void> {
    const all = [...this.queues.values(), ...this.exposedQueues.splice(0)];
    await Promise.all(all.map((queue) => queue.close()));
    this.queues.clear();
  }
}
