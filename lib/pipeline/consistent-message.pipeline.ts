import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { TransactionRolledBackError } from '../errors/transaction-rolled-back.error';
import { FaultInjector } from '../faults/fault-injector';
import { InboxStore } from '../inbox/inbox.store';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { toMessageInstance } from '../messages/message-type';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { OutboxStore } from '../outbox/outbox.store';
import { OutboxRelay } from '../relay/outbox.relay';
import type { UnitOfWork } from '../unit-of-work/unit-of-work';
import { UnitOfWorkRunner } from '../unit-of-work/unit-of-work.runner';
import type { IncomingMessage } from './incoming-message.interface';
import { MessageContext } from './message-context';

export type PipelineOutcome = 'handled' | 'duplicate';

/**
 * The consistent pipeline for one incoming message:
 * 1. begin; record (endpoint, message id) in the inbox: a duplicate stops here;
 * 2. run every handler of the type with the transactional EntityManager;
 * 3. write outgoing messages to the outbox; commit;
 * 4. dispatch them; the caller acknowledges the job last.
 * A duplicate re-dispatches what the first run left pending, unchanged.
 */
@Injectable()
export class ConsistentMessagePipeline {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly runner: UnitOfWorkRunner,
    private readonly inbox: InboxStore,
    private readonly outbox: OutboxStore,
    private readonly relay: OutboxRelay,
    private readonly faults: FaultInjector,
  ) {}

  async handle(message: IncomingMessage): Promise<PipelineOutcome> {
    const { envelope } = message;
    const { result: isNew, committed } = await this.runner.runNew(
      envelope,
      async (unitOfWork) => {
        const recorded = await this.inbox.tryRecord(
          unitOfWork.queryRunner,
          this.options.endpoint,
          envelope.id,
          envelope.type,
        );
        if (!recorded) return false;
        await this.runHandlers(message, unitOfWork);
        return true;
      },
      message.signal,
    );
    if (!isNew) {
      await this.relay.dispatchCommitted(
        await this.outbox.findPendingCausedBy(envelope.id, this.options.endpoint),
        { incomingMessageId: envelope.id },
      );
      return 'duplicate';
    }
    await this.relay.dispatchCommitted(committed, { incomingMessageId: envelope.id });
    await this.faults.at('afterMarkBeforeAck', {
      messageIds: committed.map((message) => message.id),
      incomingMessageId: envelope.id,
    });
    return 'handled';
  }

  /**
   * Several messages in one transaction: one inbox insert, each message's handlers in turn, one
   * outbox insert, one commit. Rejects if anything fails, a duplicate included: nothing is committed
   * then, and the caller handles the messages one by one. Returns the messages to dispatch.
   */
  async commitBatch(messages: IncomingMessage[]): Promise<OutboxMessage[]> {
    const { committed } = await this.runner.runNew(
      null,
      async (unitOfWork) => {
        await this.inbox.recordAll(
          unitOfWork.queryRunner,
          this.options.endpoint,
          messages.map((message) => message.envelope),
        );
        for (const message of messages) {
          unitOfWork.beginMessage(message.envelope);
          await this.runHandlers(message, unitOfWork);
        }
      },
      AbortSignal.any(messages.map((message) => message.signal)),
    );
    return committed;
  }

  /** Dispatches what a batch committed; its jobs are acknowledged after this. */
  async dispatchBatch(committed: OutboxMessage[], messages: IncomingMessage[]): Promise<void> {
    const incomingMessageIds = messages.map((message) => message.envelope.id);
    await this.relay.dispatchCommitted(committed, { incomingMessageIds });
    await this.faults.at('afterMarkBeforeAck', {
      messageIds: committed.map((message) => message.id),
      incomingMessageIds,
    });
  }

  private async runHandlers(
    { envelope, payload, handlers }: IncomingMessage,
    unitOfWork: UnitOfWork,
  ): Promise<void> {
    const context = new MessageContext(envelope.id, envelope.type, envelope.headers, unitOfWork);
    for (const handler of handlers) {
      // Each handler gets its own copy, so one cannot change what the next one sees.
      const copy = handlers.length === 1 ? payload : structuredClone(payload);
      await handler.invoke(toMessageInstance(handler.messageClass, copy), context);
      // What runs after the database ended the transaction can't be part of it: stop.
      if (unitOfWork.rolledBackBy) throw new TransactionRolledBackError(unitOfWork.rolledBackBy);
    }
  }
}
