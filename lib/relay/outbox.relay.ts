import { Injectable, Logger } from '@nestjs/common';
import type { FaultContext } from '../faults/fault-hooks.interface';
import { FaultInjector } from '../faults/fault-injector';
import { MessagingMetrics } from '../metrics/messaging.metrics';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { MessageDispatcher } from '../transport/message.dispatcher';
import { DispatchMarker } from './dispatch-marker';

type IncomingIds = Pick<FaultContext, 'incomingMessageId' | 'incomingMessageIds'>;

/**
 * Dispatches committed outbox messages at once, for low latency. If Redis fails, the messages stay
 * pending in the outbox and the sweeper dispatches them later: nothing is lost and nothing throws.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
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
    try {
      await this.dispatcher.dispatch(messages);
    } catch (error) {
      this.logger.warn(
        `Dispatch of ${messages.length} message(s) failed, left for the sweeper: ${(error as Error).message}`,
      );
      return;
    }
    this.metrics.increment('dispatched', messages.length);
    await this.faults.at('afterDispatchBeforeMark', { messageIds, ...incoming });
    this.marker.mark(messageIds);
  }
}
