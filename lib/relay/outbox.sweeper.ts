import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { thrownText } from '../errors/thrown-text';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { MessagingMetrics } from '../metrics/messaging.metrics';
import { ParkedMessageReleaser } from '../ordering/parked-message.releaser';
import { OutboxStore } from '../outbox/outbox.store';
import { inOwnTransaction } from '../storage/own-transaction';
import { MessageDispatcher, type DispatchResult } from '../transport/message.dispatcher';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';

/** Longest wait between two tries of a held event. */
const HELD_MAX_DELAY_MS = 60000;

/** What one sweep did with the rows it claimed. */
export interface SweepResult {
  claimed: number;
  dispatched: number;
  /** Flagged as undeliverable: skipped from now on. */
  flagged: number;
}

/**
 * Finds committed messages left undispatched (crash after commit, Redis outage) and dispatches them,
 * and parked messages whose release was lost the same ways.
 * Every instance sweeps; `FOR UPDATE SKIP LOCKED` gives each batch to one instance only. Rows are
 * dispatched one by one: a row that can never be dispatched is flagged and skipped, one that fails
 * now stays pending, and neither holds up the rows behind it.
 */
@Injectable()
export class OutboxSweeper {
  private readonly logger = new Logger('ConsistentMessaging');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Where the next claim continues: a pass goes through every pending row before it starts over. */
  private afterRow = '0';
  /** Held events (see DispatchResult.held) and when to try each again: backing off, up to a minute. */
  private readonly held = new Map<string, { retryAt: number; delayMs: number }>();

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly store: OutboxStore,
    private readonly dispatcher: MessageDispatcher,
    private readonly metrics: MessagingMetrics,
    private readonly transactions: AmbientTransactions,
    private readonly releaser: ParkedMessageReleaser,
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

  /** One claim-dispatch-mark transaction. */
  async sweepOnce(): Promise<SweepResult> {
    const result = await inOwnTransaction(this.transactions, (queryRunner) =>
      this.sweepIn(queryRunner),
    );
    this.metrics.increment('dispatched', result.dispatched);
    this.metrics.increment('undeliverable', result.flagged);
    return result;
  }

  private async sweepIn(queryRunner: QueryRunner): Promise<SweepResult> {
    const { sweepBatchSize, sweepDelayMs } = this.options.relay;
    const { messages, unreadable, lastRow } = await this.store.claimPending(
      queryRunner,
      sweepBatchSize,
      sweepDelayMs,
      this.afterRow,
    );
    const claimed = messages.length + unreadable.length;
    // Rows left pending (held, failed) are claimed again next pass, not before the rows behind them.
    this.afterRow = claimed === sweepBatchSize ? lastRow : '0';
    const now = Date.now();
    const due = messages.filter((message) => (this.held.get(message.id)?.retryAt ?? 0) <= now);
    const dispatch = await this.dispatcher.dispatch(due, queryRunner);
    this.backOffHeld(dispatch);
    await this.store.markDispatched(dispatch.dispatched, queryRunner);
    const flagged = [...unreadable, ...dispatch.undeliverable];
    await this.store.flagUndeliverable(flagged, queryRunner);
    for (const { id, problem } of flagged)
      this.logger.error(
        `Outbox message ${id} can never be dispatched, flagged and skipped: ${problem}`,
      );
    const left = [
      ...dispatch.held.map((held) => held.message),
      ...dispatch.failed.map(({ error }) => error.message),
    ];
    if (left.length > 0)
      this.logger.warn(`Sweep left ${left.length} message(s) pending, will retry: ${left[0]}`);
    return {
      claimed,
      dispatched: dispatch.dispatched.length,
      flagged: flagged.length,
    };
  }

  private backOffHeld({ dispatched, held, undeliverable }: DispatchResult): void {
    for (const id of [...dispatched, ...undeliverable.map((row) => row.id)]) this.held.delete(id);
    for (const { messageId } of held) {
      const delayMs = Math.min(HELD_MAX_DELAY_MS, (this.held.get(messageId)?.delayMs ?? 500) * 2);
      this.held.set(messageId, { retryAt: Date.now() + delayMs, delayMs });
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
      const { claimed, dispatched } = await this.sweepOnce();
      if (dispatched > 0) this.logger.log(`Swept ${dispatched} undispatched message(s)`);
      if (claimed === this.options.relay.sweepBatchSize) next = 0;
    } catch (error) {
      this.logger.warn(`Outbox sweep failed, will retry: ${thrownText(error)}`);
    }
    try {
      const released = await this.releaser.releaseDue();
      if (released > 0)
        this.logger.log(`Released ${released} parked message(s) whose turn had come`);
    } catch (error) {
      this.logger.warn(`Releasing parked messages failed, will retry: ${thrownText(error)}`);
    }
    this.schedule(next);
  }
}
