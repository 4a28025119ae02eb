import {
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { DeadLetter } from '../dead-letters/dead-letter.interface';
import { DeadLetterQueue } from '../dead-letters/dead-letter.queue';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { OutboxStore } from '../outbox/outbox.store';
import { inOwnTransaction } from '../storage/own-transaction';
import { markForRedispatch } from '../storage/outbox-redispatch';
import { MessageDispatcher } from '../transport/message.dispatcher';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import { AdminInboxQuery, type InboxEntry, type InboxStats } from './admin-inbox.query';
import { AdminOutboxQuery, CONVERSATION_LIMIT } from './admin-outbox.query';
import type {
  ConversationMessage,
  OutboxDetail,
  OutboxFilter,
  OutboxStats,
  OutboxSummary,
} from './admin-records.interface';
import { causalOrder } from './conversation';

export interface OutboxPage {
  items: OutboxSummary[];
  /** Pass as `after` for the next page; null on the last page. */
  next: number | null;
}

export interface Conversation {
  correlationId: string;
  messages: (ConversationMessage & { handledBy: string[] })[];
  truncated: boolean;
}

/** What the admin controller does, with 404s for unknown ids. */
@Injectable()
export class MessagingAdminService {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly outbox: AdminOutboxQuery,
    private readonly inbox: AdminInboxQuery,
    private readonly store: OutboxStore,
    private readonly dispatcher: MessageDispatcher,
    private readonly deadLetters: DeadLetterQueue,
    private readonly transactions: AmbientTransactions,
  ) {}

  async listOutbox(filter: OutboxFilter): Promise<OutboxPage> {
    const items = await this.outbox.list(filter);
    const last = items[items.length - 1];
    return { items, next: items.length === filter.limit && last ? last.id : null };
  }

  async outboxMessage(messageId: string): Promise<OutboxDetail> {
    return found(await this.outbox.get(messageId), `No outbox message ${messageId}`);
  }

  outboxStats(): Promise<OutboxStats> {
    return this.outbox.stats();
  }

  /**
   * Adds the jobs of these outbox messages again and marks pending ones dispatched. BullMQ ignores a
   * job id it still keeps (a completed job within `keepCompletedJobs`, a failed one: retry that dead
   * letter instead); receivers' inboxes drop copies they already handled.
   */
  async redispatch(messageIds: string[]): Promise<{ dispatched: string[] }> {
    const messages = await this.outbox.messages(messageIds);
    const known = new Set(messages.map((message) => message.id));
    const unknown = messageIds.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new NotFoundException(`No outbox message ${unknown.join(', ')}`);
    const result = await this.dispatcher.dispatch(messages);
    await inOwnTransaction(this.transactions, (queryRunner) =>
      this.store.markDispatched(result.dispatched, queryRunner),
    );
    if (result.undeliverable.length > 0)
      throw new UnprocessableEntityException(
        `Can never be dispatched (flagged, skipped by the relay): ${result.undeliverable
          .map(({ id, problem }) => `${id}: ${problem}`)
          .join('; ')}`,
      );
    const notDispatched = [
      ...result.held.map((held) => held.message),
      ...result.failed.map(({ id, error }) => `${id}: ${error.message}`),
    ];
    if (notDispatched.length > 0)
      throw new ServiceUnavailableException(
        `Not dispatched (left pending for the sweeper): ${notDispatched.join('; ')}`,
      );
    const dispatched = new Set(result.dispatched);
    return { dispatched: messageIds.filter((id) => dispatched.has(id)) };
  }

  /**
   * Disaster recovery: this endpoint's outbox rows dispatched since `since` become pending again
   * and the sweepers dispatch them again (see `redispatchOutboxSince`), on a connection of the
   * library's own.
   */
  async redispatchSince(since: Date): Promise<{ pending: number }> {
    const pending = await markForRedispatch(() => this.transactions.createOwnQueryRunner(), {
      tablePrefix: this.options.tablePrefix,
      since,
      endpoint: this.options.endpoint,
    });
    return { pending };
  }

  async inboxEntry(endpoint: string, messageId: string): Promise<InboxEntry> {
    return found(
      await this.inbox.get(endpoint, messageId),
      `Endpoint "${endpoint}" has no inbox record of ${messageId}`,
    );
  }

  inboxStats(endpoint: string): Promise<InboxStats> {
    return this.inbox.stats(endpoint);
  }

  async listDeadLetters(
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: DeadLetter[] }> {
    const [total, items] = await Promise.all([
      this.deadLetters.count(),
      this.deadLetters.list(offset, limit),
    ]);
    return { total, items };
  }

  async deadLetter(id: string): Promise<DeadLetter> {
    return found(await this.deadLetters.get(id), `No dead letter ${id}`);
  }

  async retryDeadLetter(id: string): Promise<{ retried: string }> {
    if (!(await this.deadLetters.retry(id))) throw new NotFoundException(`No dead letter ${id}`);
    return { retried: id };
  }

  async retryAllDeadLetters(): Promise<{ retried: number }> {
    const retried = await this.deadLetters.count();
    await this.deadLetters.retryAll();
    return { retried };
  }

  async removeDeadLetter(id: string): Promise<{ removed: string }> {
    if (!(await this.deadLetters.remove(id))) throw new NotFoundException(`No dead letter ${id}`);
    return { removed: id };
  }

  /**
   * Every outbox message of one correlation id in causal order, with the endpoints known to have
   * handled each: those whose replies it caused, plus inbox records of its command destination and
   * of this endpoint.
   */
  async conversation(correlationId: string): Promise<Conversation> {
    const rows = await this.outbox.byCorrelation(correlationId);
    if (rows.length === 0)
      throw new NotFoundException(`No messages with correlation id ${correlationId}`);
    const ordered = causalOrder(rows);
    const pairs = ordered.flatMap((message) => [
      { endpoint: this.options.endpoint, messageId: message.messageId },
      ...(message.destination
        ? [{ endpoint: message.destination, messageId: message.messageId }]
        : []),
    ]);
    const processed = await this.inbox.processed(pairs);
    const byId = new Map(ordered.map((message) => [message.messageId, message]));
    const messages = ordered.map((message) => {
      const handledBy = new Set(
        processed
          .filter((entry) => entry.messageId === message.messageId)
          .map((entry) => entry.endpoint),
      );
      for (const child of message.caused) handledBy.add(byId.get(child)?.originEndpoint ?? '');
      handledBy.delete('');
      return { ...message, handledBy: [...handledBy].sort() };
    });
    return { correlationId, messages, truncated: rows.length >= CONVERSATION_LIMIT };
  }
}

function found<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new NotFoundException(message);
  return value;
}
