import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { DeadLetter, DeadLetterSummary } from '../dead-letters/dead-letter.interface';
import { DeadLetterNotRetriableError } from '../errors/dead-letter-not-retriable.error';
import { DeadLetterQueue } from '../dead-letters/dead-letter.queue';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';
import { BlockedKeys, type BlockedKey, type SkippedMessage } from '../ordering/blocked-keys';
import { readablePlaceAt, type OrderedPlace } from '../ordering/ordering-headers';
import { PositionStore } from '../ordering/position.store';
import { OutboxStore } from '../outbox/outbox.store';
import { shortText } from '../errors/thrown-text';
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
import { AdminErrorCode, adminError, notFound } from './admin-error';
import { causalOrder } from './conversation';

export interface OutboxPage {
  items: OutboxSummary[];
  /** Pass as `after` for the next page; null on the last page. */
  next: number | null;
}

export interface DeadLetterPage {
  total: number;
  items: DeadLetterSummary[];
  /** Pass as `before` for the next (older) page; null on the last page. */
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
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly outbox: AdminOutboxQuery,
    private readonly inbox: AdminInboxQuery,
    private readonly store: OutboxStore,
    private readonly dispatcher: MessageDispatcher,
    private readonly deadLetters: DeadLetterQueue,
    private readonly transactions: AmbientTransactions,
    private readonly blocked: BlockedKeys,
    private readonly positions: PositionStore,
  ) {}

  async listOutbox(filter: OutboxFilter): Promise<OutboxPage> {
    const items = await this.outbox.list(filter);
    const last = items[items.length - 1];
    return { items, next: items.length === filter.limit && last ? last.id : null };
  }

  async outboxMessage(messageId: string, maxBytes: number): Promise<OutboxDetail> {
    return found(
      await this.outbox.get(messageId, maxBytes),
      `No outbox message ${shortText(messageId)}`,
    );
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
    if (unknown.length > 0) throw notFound(`No outbox message ${unknown.join(', ')}`);
    const result = await this.dispatcher.dispatch(messages);
    await inOwnTransaction(this.transactions, (queryRunner) =>
      this.store.markDispatched(result.dispatched, queryRunner),
    );
    if (result.undeliverable.length > 0)
      throw adminError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        AdminErrorCode.undeliverable,
        `Can never be dispatched (flagged, skipped by the relay): ${result.undeliverable
          .map(({ id, problem }) => `${id}: ${problem}`)
          .join('; ')}`,
      );
    const notDispatched = [
      ...result.held.map((held) => ({ id: held.messageId, cause: held.message })),
      ...result.failed.map(({ id, error }) => ({ id, cause: error.message })),
    ];
    if (notDispatched.length > 0) {
      for (const { id, cause } of notDispatched)
        this.logger.warn(`Admin re-dispatch of ${id} left it pending: ${shortText(cause)}`);
      throw adminError(
        HttpStatus.SERVICE_UNAVAILABLE,
        AdminErrorCode.notDispatched,
        `Not dispatched, left pending for the sweeper (the cause is in the log): ${notDispatched
          .map(({ id }) => id)
          .join(', ')}`,
      );
    }
    const dispatched = new Set(result.dispatched);
    return { dispatched: messageIds.filter((id) => dispatched.has(id)) };
  }

  /**
   * Disaster recovery: this endpoint's outbox rows dispatched since `since` become pending again
   * and the sweepers dispatch them again (see `redispatchOutboxSince`), on a connection of the
   * library's own.
   */
  async redispatchSince(since: Date): Promise<{ pending: number }> {
    const pending = await markForRedispatch(
      this.transactions.dialect,
      () => this.transactions.createOwnQueryRunner(),
      {
        tablePrefix: this.options.tablePrefix,
        since,
        endpoint: this.options.endpoint,
      },
    );
    return { pending };
  }

  async inboxEntry(endpoint: string, messageId: string): Promise<InboxEntry> {
    return found(
      await this.inbox.get(endpoint, messageId),
      `Endpoint "${shortText(endpoint)}" has no inbox record of ${shortText(messageId)}`,
    );
  }

  inboxStats(endpoint: string): Promise<InboxStats> {
    return this.inbox.stats(endpoint);
  }

  async listDeadLetters(before: number, limit: number): Promise<DeadLetterPage> {
    const [total, items] = await Promise.all([
      this.deadLetters.count(),
      this.deadLetters.list({ before, limit }),
    ]);
    const last = items[items.length - 1];
    return { total, items, next: items.length === limit && last ? last.id : null };
  }

  async deadLetter(id: string, maxBytes: number): Promise<DeadLetter> {
    return found(await this.deadLetters.get(id, maxBytes), `No dead letter ${shortText(id)}`);
  }

  async retryDeadLetter(id: string): Promise<{ retried: string }> {
    try {
      if (!(await this.deadLetters.retry(id))) throw notFound(`No dead letter ${shortText(id)}`);
    } catch (error) {
      if (error instanceof DeadLetterNotRetriableError)
        throw adminError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          AdminErrorCode.notRetriable,
          error.message,
        );
      throw error;
    }
    return { retried: id };
  }

  retryAllDeadLetters(): Promise<{ retried: number; notRetriable: number }> {
    return this.deadLetters.retryAll();
  }

  async blockedKeys(limit: number): Promise<{ items: BlockedKey[] }> {
    return { items: await this.blocked.list(limit) };
  }

  async skipBlocked(originEndpoint: string, orderingKey: string): Promise<SkippedMessage> {
    const skipped = await this.blocked.skip(originEndpoint, orderingKey);
    if (!skipped)
      throw notFound(
        `Nothing of ordering key ${shortText(orderingKey)} from ${shortText(originEndpoint)} waits`,
      );
    return skipped;
  }

  async removeDeadLetter(id: string): Promise<{ removed: string }> {
    if (!(await this.deadLetters.remove(id))) throw notFound(`No dead letter ${shortText(id)}`);
    return { removed: id };
  }

  /**
   * Every outbox message of one correlation id in causal order, with the endpoints known to have
   * handled each: those whose replies it caused, plus its command destination and this endpoint
   * where they recorded handling it (a keyed message in its key's position, any other in the
   * inbox).
   */
  async conversation(correlationId: string): Promise<Conversation> {
    const rows = await this.outbox.byCorrelation(correlationId);
    if (rows.length === 0)
      throw notFound(`No messages with correlation id ${shortText(correlationId)}`);
    const ordered = causalOrder(rows.map((row) => row.summary));
    const headers = new Map(rows.map((row) => [row.summary.messageId, row.headers]));
    const pairs = ordered.flatMap((message) => [
      { endpoint: this.options.endpoint, messageId: message.messageId },
      ...(message.destination
        ? [{ endpoint: message.destination, messageId: message.messageId }]
        : []),
    ]);
    const processed = await this.handledAt(pairs, headers);
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

  /** The pairs whose endpoint recorded handling the message. */
  private async handledAt(
    pairs: HandlingPair[],
    headers: Map<string, MessageHeaders>,
  ): Promise<HandlingPair[]> {
    const keyed: { pair: HandlingPair; place: OrderedPlace }[] = [];
    const others: HandlingPair[] = [];
    for (const pair of pairs) {
      const place = readablePlaceAt(headers.get(pair.messageId), pair.endpoint);
      if (place) keyed.push({ pair, place });
      else others.push(pair);
    }
    const inInbox = await this.inbox.processed(others);
    const byKey =
      keyed.length === 0
        ? []
        : await inOwnTransaction(this.transactions, async (queryRunner) => {
            const handled: HandlingPair[] = [];
            for (const { pair, place } of keyed)
              if (
                (await this.positions.lastHandled(queryRunner, pair.endpoint, place)) >=
                place.sequence
              )
                handled.push(pair);
            return handled;
          });
    return [...inInbox, ...byKey];
  }
}

interface HandlingPair {
  endpoint: string;
  messageId: string;
}

function found<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw notFound(message);
  return value;
}
