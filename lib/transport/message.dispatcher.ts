import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { asError, shortText } from '../errors/thrown-text';
import { FaultInjector } from '../faults/fault-injector';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { MessagingMetrics } from '../metrics/messaging.metrics';
import { endpointNameProblem, messageIdProblem } from '../messages/message-rules';
import { sequencedDestinations } from '../ordering/ordering-headers';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { jobOptionsOf } from './job-options';
import { OncePerInterval } from './once-per-interval';
import { ProducerConnection } from './producer-connection';
import { QueueRegistry } from './queue.registry';
import { SubscriptionRegistry, type Subscribers } from './subscription.registry';
import { SubscriptionsUnknownError } from '../errors/subscriptions-unknown.error';

/** What became of each message of a dispatch; every message is in exactly one list. */
export interface DispatchResult {
  /** In the queue of every destination (an event without subscribers has none): mark these. */
  dispatched: string[];
  /**
   * Events some of whose subscribers Redis no longer knows (it lost its data): added for the
   * subscribers it knows, and pending for the others.
   */
  held: SubscriptionsUnknownError[];
  /** Rows that can never be dispatched (an id or destination BullMQ refuses): flag these. */
  undeliverable: { id: string; problem: string }[];
  /** Failed this time (Redis away, say): they stay pending for the sweeper. */
  failed: { id: string; error: Error }[];
}

/** A type without subscribers is logged at most once per this interval. */
const UNSUBSCRIBED_LOG_INTERVAL_MS = 60000;

interface JobToAdd {
  destination: string;
  message: OutboxMessage;
}

/**
 * Adds each message as a job to the queue of every destination: the named endpoint for a command,
 * every subscriber of its type for an event. The job id is the message id, so adding the same
 * message again while BullMQ keeps the job is a no-op; receivers' inboxes drop later copies.
 * Messages succeed or fail one by one: one that can't be dispatched never holds up the others.
 */
@Injectable()
export class MessageDispatcher {
  private readonly logger = new Logger('ConsistentMessaging');
  private readonly unsubscribedLogged = new OncePerInterval(UNSUBSCRIBED_LOG_INTERVAL_MS);

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly queues: QueueRegistry,
    private readonly subscriptions: SubscriptionRegistry,
    private readonly faults: FaultInjector,
    private readonly connection: ProducerConnection,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** `queryRunner`: the caller's transaction (the sweeper's), for the subscriptions it reads. */
  async dispatch(messages: OutboxMessage[], queryRunner?: QueryRunner): Promise<DispatchResult> {
    const result: DispatchResult = { dispatched: [], held: [], undeliverable: [], failed: [] };
    const deliverable = messages.filter((message) => {
      const problem = undeliverable(message);
      if (problem) result.undeliverable.push({ id: message.id, problem });
      return !problem;
    });
    // One lookup per event type, however many events of it this dispatch has.
    const lookups = new Map<string, Promise<Subscribers>>();
    const subscribersOf = (type: string) => {
      let lookup = lookups.get(type);
      if (!lookup)
        lookups.set(type, (lookup = this.subscriptions.subscribersOf(type, queryRunner)));
      return lookup;
    };
    const routed = await Promise.all(
      deliverable.map((message) => this.route(message, subscribersOf)),
    );
    const toAdd: { message: OutboxMessage; jobs: JobToAdd[]; held?: SubscriptionsUnknownError }[] =
      [];
    routed.forEach((route, index) => {
      const message = deliverable[index];
      if (route instanceof Error) result.failed.push({ id: message.id, error: route });
      else if (route.destinations.length === 0 && !route.held)
        this.withoutSubscribers(message, result);
      else
        toAdd.push({
          message,
          jobs: route.destinations.map((destination) => ({ destination, message })),
          held: route.held,
        });
    });
    const added = await this.addAll(toAdd.map((entry) => entry.jobs));
    added.forEach((outcome, index) => {
      const { message, held } = toAdd[index];
      if (outcome.status === 'rejected')
        result.failed.push({ id: message.id, error: asError(outcome.reason) });
      else if (held) result.held.push(held);
      else result.dispatched.push(message.id);
    });
    if (this.metrics.observed)
      this.observeLag(
        toAdd.map((entry) => entry.message),
        added,
      );
    return result;
  }

  /** How long each message added waited after it was recorded (`sentAt`, this process's clock or another's). */
  private observeLag(messages: OutboxMessage[], added: PromiseSettledResult<void>[]): void {
    const now = Date.now();
    messages.forEach((message, index) => {
      const sentAt = Date.parse(message.headers.sentAt);
      if (added[index].status === 'fulfilled' && !Number.isNaN(sentAt))
        this.metrics.observe('dispatchLagMs', message.type, Math.max(0, now - sentAt));
    });
  }

  /** Nobody subscribes to this event (and nobody did before): done, but counted and logged. */
  private withoutSubscribers(message: OutboxMessage, result: DispatchResult): void {
    result.dispatched.push(message.id);
    this.metrics.increment('withoutSubscribers');
    if (!this.unsubscribedLogged.due(message.type)) return;
    this.logger.warn(
      `Event type "${shortText(message.type)}" has no subscriber: message ${message.id} went to nobody (counted as withoutSubscribers)`,
    );
  }

  /**
   * The destinations of a message, or why they are not known now. An event whose remembered
   * subscribers Redis lost still goes to the subscribers it knows, and is `held` for the others:
   * one endpoint that never comes back must not stop the rest.
   */
  private async route(
    message: OutboxMessage,
    subscribersOf: (type: string) => Promise<Subscribers>,
  ): Promise<{ destinations: string[]; held?: SubscriptionsUnknownError } | Error> {
    if (message.destination) return { destinations: [message.destination] };
    // A keyed event goes to the subscribers it was numbered for when it committed.
    const sequenced = sequencedDestinations(message.headers);
    if (sequenced) return { destinations: sequenced };
    try {
      const { endpoints, unknown } = await subscribersOf(message.type);
      if (unknown.length === 0) return { destinations: endpoints };
      this.metrics.increment('held');
      return {
        destinations: endpoints,
        held: new SubscriptionsUnknownError(message.id, message.type, unknown),
      };
    } catch (error) {
      return asError(error);
    }
  }

  /** Adds each message's jobs; one settled outcome per message. */
  private async addAll(jobs: JobToAdd[][]): Promise<PromiseSettledResult<void>[]> {
    const addMessage = (messageJobs: JobToAdd[]) =>
      Promise.all(messageJobs.map((job) => this.add(job))).then(() => undefined);
    const all = jobs.flat();
    if (all.length > 1 && this.faults.isSet('afterPartialDispatch')) {
      await this.add(all[0]);
      await this.faults.at('afterPartialDispatch', { messageIds: [all[0].message.id] });
      return Promise.allSettled(jobs.map(addMessage));
    }
    return this.connection.together(() => Promise.allSettled(jobs.map(addMessage)));
  }

  private async add({ destination, message }: JobToAdd): Promise<void> {
    const policy = await this.subscriptions.retryPolicyOf(destination);
    await this.queues
      .queueOf(destination)
      .add(
        message.type,
        { id: message.id, type: message.type, payload: message.payload, headers: message.headers },
        jobOptionsOf(message.id, policy, this.options),
      );
  }
}

/** Why a row can never become a job (written by an older version, or by hand), or undefined. */
function undeliverable(message: OutboxMessage): string | undefined {
  return (
    messageIdProblem(message.id) ??
    (message.destination ? endpointNameProblem(message.destination) : undefined)
  );
}
