import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { OutOfTurnError } from '../errors/out-of-turn.error';
import { TransactionRolledBackError } from '../errors/transaction-rolled-back.error';
import { FaultInjector } from '../faults/fault-injector';
import { InboxStore } from '../inbox/inbox.store';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { toMessageInstance } from '../messages/message-type';
import type { OutboxMessage } from '../outbox/outbox-message.interface';
import { OrderingGate, type Admission } from '../ordering/ordering.gate';
import { ParkedMessageReleaser } from '../ordering/parked-message.releaser';
import type { Releasable } from '../ordering/position.store';
import { OutboxStore } from '../outbox/outbox.store';
import { OutboxRelay } from '../relay/outbox.relay';
import type { UnitOfWork } from '../unit-of-work/unit-of-work';
import { UnitOfWorkRunner } from '../unit-of-work/unit-of-work.runner';
import type { IncomingMessage } from './incoming-message.interface';
import { MessageContext } from './message-context';

/** `parked`: a keyed message that came before its predecessor was handled waits for it. */
export type PipelineOutcome = 'handled' | 'duplicate' | 'parked';

/** What a batch committed: the messages to dispatch, and the parked messages whose turn came. */
export interface CommittedBatch {
  committed: OutboxMessage[];
  releases: Releasable[];
}

/**
 * The consistent pipeline for one incoming message:
 * 1. begin; a keyed message passes the ordering gate (or is parked, or dropped as a duplicate),
 *    and its key's position records it; any other is recorded (endpoint, message id) in the
 *    inbox: a duplicate stops here;
 * 2. run every handler of the type with the transactional EntityManager;
 * 3. write outgoing messages to the outbox; commit;
 * 4. dispatch them, and release the parked message that comes next; the caller acknowledges the
 *    job last.
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
    private readonly gate: OrderingGate,
    private readonly releaser: ParkedMessageReleaser,
  ) {}

  async handle(message: IncomingMessage): Promise<PipelineOutcome> {
    const { envelope } = message;
    const { result: admission, committed } = await this.runner.runNew(
      envelope,
      async (unitOfWork): Promise<Admission> => {
        const admitted = await this.gate.admit(unitOfWork.queryRunner, envelope);
        if (admitted.verdict !== 'handle') return admitted;
        const recorded =
          admitted.byKey ||
          (await this.inbox.tryRecord(
            unitOfWork.queryRunner,
            this.options.endpoint,
            envelope.id,
            envelope.type,
          ));
        if (!recorded) return { verdict: 'duplicate' };
        await this.runHandlers(message, unitOfWork);
        return admitted;
      },
      message.signal,
    );
    if (admission.verdict === 'parked') return 'parked';
    if (admission.verdict === 'duplicate') {
      await this.relay.dispatchCommitted(
        await this.outbox.findPendingCausedBy(envelope.id, this.options.endpoint),
        { incomingMessageId: envelope.id },
      );
      return 'duplicate';
    }
    await this.relay.dispatchCommitted(committed, { incomingMessageId: envelope.id });
    await this.releaser.release(admission.release ? [admission.release] : []);
    await this.faults.at('afterMarkBeforeAck', {
      messageIds: committed.map((message) => message.id),
      incomingMessageId: envelope.id,
    });
    return 'handled';
  }

  /**
   * Several messages in one transaction: one inbox insert, each message's handlers in turn, one
   * outbox insert, one commit. Rejects if anything fails, a duplicate or a keyed message out of its
   * turn included: nothing is committed then, and the caller handles the messages one by one.
   */
  async commitBatch(messages: IncomingMessage[]): Promise<CommittedBatch> {
    const { result: releases, committed } = await this.runner.runNew(
      null,
      async (unitOfWork) => {
        await this.inbox.recordAll(
          unitOfWork.queryRunner,
          this.options.endpoint,
          messages
            .map((message) => message.envelope)
            .filter((envelope) => !this.gate.orders(envelope)),
        );
        const releases: Releasable[] = [];
        for (const message of messages) {
          const admitted = await this.gate.admit(unitOfWork.queryRunner, message.envelope);
          if (admitted.verdict !== 'handle')
            throw new OutOfTurnError(message.envelope.id, admitted.verdict);
          if (admitted.release) releases.push(admitted.release);
          unitOfWork.beginMessage(message.envelope);
          await this.runHandlers(message, unitOfWork);
        }
        return releases;
      },
      AbortSignal.any(messages.map((message) => message.signal)),
    );
    return { committed, releases };
  }

  /** Dispatches what a batch committed; its jobs are acknowledged after this. */
  async dispatchBatch(
    { committed, releases }: CommittedBatch,
    messages: IncomingMessage[],
  ): Promise<void> {
    const incomingMessageIds = messages.map((message) => message.envelope.id);
    await this.relay.dispatchCommitted(committed, { incomingMessageIds });
    await this.releaser.release(releases);
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
