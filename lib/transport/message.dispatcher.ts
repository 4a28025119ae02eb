import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { FaultInjector } from '../faults/fault-injector';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { ProducerConnection } from './producer-connection';
import { QueueRegistry } from './queue.registry';
import { SubscriptionRegistry } from './subscription.registry';

interface JobToAdd {
  destination: string;
  message: OutboxMessage;
}

/**
 * Adds each message as a job to the queue of every destination: the named endpoint for a command,
 * every subscriber of its type for an event. The job id is the message id, so adding the same
 * message again while BullMQ keeps the job is a no-op; receivers' inboxes drop later copies.
 */
@Injectable()
export class MessageDispatcher {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly queues: QueueRegistry,
    private readonly subscriptions: SubscriptionRegistry,
    private readonly faults: FaultInjector,
    private readonly connection: ProducerConnection,
  ) {}

  /** Resolves when every job is in Redis; rejects if any add failed (the caller keeps the rows pending). */
  async dispatch(messages: OutboxMessage[]): Promise<void> {
    const jobs = await this.jobsFor(messages);
    if (jobs.length > 1 && this.faults.isSet('afterPartialDispatch')) {
      await this.add(jobs[0]);
      await this.faults.at('afterPartialDispatch', { messageIds: [jobs[0].message.id] });
      await Promise.all(jobs.slice(1).map((job) => this.add(job)));
      return;
    }
    await this.connection.together(() => Promise.all(jobs.map((job) => this.add(job))));
  }

  private async jobsFor(messages: OutboxMessage[]): Promise<JobToAdd[]> {
    const jobs: JobToAdd[] = [];
    for (const message of messages) {
      const destinations = message.destination
        ? [message.destination]
        : await this.subscriptions.subscribersOf(message.type);
      for (const destination of destinations) jobs.push({ destination, message });
    }
    return jobs;
  }

  private async add({ destination, message }: JobToAdd): Promise<void> {
    const policy = await this.subscriptions.retryPolicyOf(destination);
    await this.queues.queueOf(destination).add(
      message.type,
      { id: message.id, type: message.type, payload: message.payload, headers: message.headers },
      {
        jobId: message.id,
        attempts: policy.attempts,
        backoff: policy.backoff,
        removeOnComplete: this.options.keepCompletedJobs,
        removeOnFail: false,
      },
    );
  }
}
