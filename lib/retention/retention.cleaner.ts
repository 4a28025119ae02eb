import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { DeadLetterStore } from '../storage/dead-letter.store';
import { RetentionLock } from './retention.lock';
import { RetentionStore } from './retention.store';

/** What one cleanup run did. `skipped` when another instance held the lock. */
export interface RetentionRun {
  skipped: boolean;
  outboxDeleted: number;
  inboxDeleted: number;
  deadLettersDeleted: number;
  /** Senders' and receivers' state of ordering keys idle too long (see `retention.orderingKeysMs`). */
  orderingKeysDeleted: number;
  batches: number;
}

type Deleted = 'outboxDeleted' | 'inboxDeleted' | 'deadLettersDeleted' | 'orderingKeysDeleted';

/** Longest a run holds the lock; it stops after half of it and continues at the next interval. */
const LEASE_MS = 60000;

/**
 * Deletes dispatched outbox rows older than `retention.outboxMs`, inbox records older than
 * `retention.inboxMs`, this endpoint's dead letters older than `retention.deadLettersMs` and the
 * state of ordering keys idle longer than `retention.orderingKeysMs` (receivers': twice that), in
 * batches of `retention.batchSize`, one instance of the endpoint at a time. Each batch is its own
 * short autocommit statement, so the pipeline's inserts never wait long.
 */
@Injectable()
export class RetentionCleaner {
  private readonly logger = new Logger('ConsistentMessaging');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  private shuttingDown = false;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly store: RetentionStore,
    private readonly deadLetters: DeadLetterStore,
    private readonly lock: RetentionLock,
  ) {}

  start(): void {
    if (!this.options.retention.enabled) return;
    this.stopped = false;
    this.shuttingDown = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.shuttingDown = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One run: takes the lock or skips, then deletes batch after batch until nothing old is left. */
  async runOnce(): Promise<RetentionRun> {
    const run: RetentionRun = {
      skipped: false,
      outboxDeleted: 0,
      inboxDeleted: 0,
      deadLettersDeleted: 0,
      orderingKeysDeleted: 0,
      batches: 0,
    };
    const token = await this.lock.acquire(LEASE_MS);
    if (!token) return { ...run, skipped: true };
    const { outboxMs, inboxMs, deadLettersMs, orderingKeysMs, batchSize } = this.options.retention;
    const deletes: [Deleted, () => Promise<number>][] = [
      ['outboxDeleted', () => this.store.deleteDispatchedOutbox(outboxMs, batchSize)],
      ['inboxDeleted', () => this.store.deleteProcessedInbox(inboxMs, batchSize)],
      [
        'deadLettersDeleted',
        () => this.deadLetters.deleteOlderThan(this.options.endpoint, deadLettersMs, batchSize),
      ],
      ['orderingKeysDeleted', () => this.store.deleteIdleSequences(orderingKeysMs, batchSize)],
      // A receiver keeps its place longer than any sender the same option applies to.
      ['orderingKeysDeleted', () => this.store.deleteIdlePositions(2 * orderingKeysMs, batchSize)],
    ];
    const deadline = Date.now() + LEASE_MS / 2;
    try {
      let left = deletes;
      while (left.length > 0 && Date.now() < deadline && !this.shuttingDown) {
        const next: typeof deletes = [];
        for (const [counter, deleteBatch] of left) {
          const deleted = await deleteBatch();
          run[counter] += deleted;
          run.batches++;
          if (deleted === batchSize) next.push([counter, deleteBatch]);
        }
        left = next;
      }
    } finally {
      await this.lock.release(token).catch(() => undefined);
    }
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, this.options.retention.intervalMs);
  }

  private async tick(): Promise<void> {
    try {
      const run = await this.runOnce();
      const { outboxDeleted, inboxDeleted, deadLettersDeleted, orderingKeysDeleted } = run;
      if (outboxDeleted + inboxDeleted + deadLettersDeleted + orderingKeysDeleted > 0) {
        this.logger.log(
          `Retention: deleted ${outboxDeleted} outbox row(s), ${inboxDeleted} inbox record(s), ${deadLettersDeleted} dead letter(s), ${orderingKeysDeleted} ordering key state(s)`,
        );
      }
    } catch (error) {
      this.logger.warn(`Retention cleanup failed, will retry: ${(error as Error).message}`);
    }
    this.schedule();
  }
}
