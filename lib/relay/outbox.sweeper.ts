import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { MessagingMetrics } from '../metrics/messaging.metrics';
import { OutboxStore } from '../outbox/outbox.store';
import { MessageDispatcher } from '../transport/message.dispatcher';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';

/**
 * Finds committed messages left undispatched (crash after commit, Redis outage) and dispatches them.
 * Every instance sweeps; `FOR UPDATE SKIP LOCKED` gives each batch to one instance only.
 */
@Injectable()
export class OutboxSweeper {
  private readonly logger = new Logger('ConsistentMessaging');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly store: OutboxStore,
    private readonly dispatcher: MessageDispatcher,
    private readonly metrics: MessagingMetrics,
    private readonly transactions: AmbientTransactions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.options.relay.sweepIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One claim-dispatch-mark transaction; returns how many messages it dispatched. */
  async sweepOnce(): Promise<number> {
    const { sweepBatchSize, sweepDelayMs } = this.options.relay;
    const queryRunner = this.transactions.createOwnQueryRunner();
    try {
      await queryRunner.startTransaction();
      const messages = await this.store.claimPending(queryRunner, sweepBatchSize, sweepDelayMs);
      if (messages.length > 0) {
        await this.dispatcher.dispatch(messages);
        await this.store.markDispatched(
          messages.map((message) => message.id),
          queryRunner,
        );
      }
      await queryRunner.commitTransaction();
      this.metrics.increment('dispatched', messages.length);
      return messages.length;
    } catch (error) {
      if (queryRunner.isTransactionActive)
        await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await queryRunner.release();
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
  }

  /** Drains a backlog batch after batch, then waits for the next interval. */
  private async tick(): Promise<void> {
    let next = this.options.relay.sweepIntervalMs;
    try {
      const swept = await this.sweepOnce();
      if (swept > 0) this.logger.log(`Swept ${swept} undispatched message(s)`);
      if (swept === this.options.relay.sweepBatchSize) next = 0;
    } catch (error) {
      this.logger.warn(`Outbox sweep failed, will retry: ${(error as Error).message}`);
    }
    this.schedule(next);
  }
}
