import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { OutboxStore } from '../outbox/outbox.store';
import { inOwnTransaction } from '../storage/own-transaction';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';

/**
 * Marks dispatched messages in batches: one UPDATE for many messages instead of one per message,
 * in a READ COMMITTED transaction of its own (see `inOwnTransaction`). A mark that is lost (crash,
 * DB error) only means the sweeper sends the message again, and receivers drop the copy.
 */
@Injectable()
export class DispatchMarker {
  private readonly logger = new Logger('ConsistentMessaging');
  private batch: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly store: OutboxStore,
    private readonly transactions: AmbientTransactions,
  ) {}

  mark(messageIds: string[]): void {
    this.batch.push(...messageIds);
    if (this.batch.length >= this.options.relay.markBatchSize) this.flushBatch();
    else this.timer ??= setTimeout(() => this.flushBatch(), this.options.relay.markIntervalMs);
  }

  /** Writes every pending mark; used at shutdown. */
  async flush(): Promise<void> {
    this.flushBatch();
    await Promise.all(this.inFlight);
  }

  private flushBatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const ids = this.batch;
    this.batch = [];
    const write = inOwnTransaction(this.transactions, (queryRunner) =>
      this.store.markDispatched(ids, queryRunner),
    )
      .catch((error: Error) =>
        this.logger.warn(`Marking ${ids.length} message(s) dispatched failed: ${error.message}`),
      )
      .finally(() => this.inFlight.delete(write));
    this.inFlight.add(write);
  }
}
