import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { thrownText } from '../errors/thrown-text';
import type { FaultContext } from '../faults/fault-hooks.interface';
import { FaultInjector } from '../faults/fault-injector';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { MessagingMetrics } from '../metrics/messaging.metrics';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { MessageDispatcher, type DispatchResult } from '../transport/message.dispatcher';
import { DispatchMarker } from './dispatch-marker';
import { settlesWithin } from './settles-within';

/** A Redis that stalls is logged at most once per this interval. */
const STALL_LOG_INTERVAL_MS = 10000;

type IncomingIds = Pick<FaultContext, 'incomingMessageId' | 'incomingMessageIds'>;

/**
 * Dispatches committed outbox messages at once, for low latency. What Redis does not take (it is
 * away, or it lost the subscriptions) stays pending in the outbox for the sweeper: nothing is lost
 * and nothing throws. The caller waits at most `relay.dispatchWaitMs`: a Redis that stalls
 * without failing gets the rest of the dispatch in the background.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger('ConsistentMessaging');
  private readonly background = new Set<Promise<void>>();
  private lastStallLog = 0;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly dispatcher: MessageDispatcher,
    private readonly marker: DispatchMarker,
    private readonly faults: FaultInjector,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** `incoming`: what caused the messages, for the fault hooks. */
  async dispatchCommitted(messages: OutboxMessage[], incoming: IncomingIds = {}): Promise<void> {
    const messageIds = messages.map((message) => message.id);
    await this.faults.at('afterCommitBeforeDispatch', { messageIds, ...incoming });
    if (messages.length === 0) return;
    const dispatching = this.dispatchAndMark(messages, incoming);
    const { dispatchWaitMs } = this.options.relay;
    if (dispatchWaitMs > 0 && (await settlesWithin(dispatching, dispatchWaitMs)))
      return dispatching;
    this.continueInBackground(dispatching, messages.length, dispatchWaitMs > 0);
  }

  /** Waits for dispatches still running in the background, at most `timeoutMs` (at shutdown). */
  async settle(timeoutMs: number): Promise<void> {
    await settlesWithin(Promise.allSettled(this.background), timeoutMs);
  }

  private async dispatchAndMark(messages: OutboxMessage[], incoming: IncomingIds): Promise<void> {
    let result: DispatchResult;
    try {
      result = await this.dispatcher.dispatch(messages);
    } catch (error) {
      this.logger.warn(
        `Dispatch of ${messages.length} message(s) failed, left for the sweeper: ${thrownText(error)}`,
      );
      return;
    }
    this.reportLeftPending(result);
    if (result.dispatched.length === 0) return;
    this.metrics.increment('dispatched', result.dispatched.length);
    await this.faults.at('afterDispatchBeforeMark', { messageIds: result.dispatched, ...incoming });
    this.marker.mark(result.dispatched);
  }

  private reportLeftPending({ held, failed, undeliverable }: DispatchResult): void {
    const left = held.length + failed.length + undeliverable.length;
    if (left === 0) return;
    const why = held[0]?.message ?? failed[0]?.error.message ?? undeliverable[0]?.problem;
    this.logger.warn(`Dispatch of ${left} message(s) failed, left for the sweeper: ${why}`);
  }

  /** `stalled`: Redis did not answer within the wait (not: the caller chose not to wait). */
  private continueInBackground(dispatching: Promise<void>, count: number, stalled: boolean): void {
    const running = dispatching
      .catch((error: unknown) =>
        this.logger.warn(
          `Dispatch in the background failed, left for the sweeper: ${thrownText(error)}`,
        ),
      )
      .finally(() => this.background.delete(running));
    this.background.add(running);
    if (!stalled || Date.now() - this.lastStallLog < STALL_LOG_INTERVAL_MS) return;
    this.lastStallLog = Date.now();
    this.logger.warn(
      `Redis did not take ${count} committed message(s) within relay.dispatchWaitMs (${this.options.relay.dispatchWaitMs} ms): ` +
        'the caller goes on, the dispatch finishes in the background or the sweeper sends them',
    );
  }
}
