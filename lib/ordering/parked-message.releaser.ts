import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { thrownText } from '../errors/thrown-text';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { inOwnTransaction } from '../storage/own-transaction';
import { jobOptionsOf } from '../transport/job-options';
import { QueueRegistry } from '../transport/queue.registry';
import { AmbientTransactions } from '../unit-of-work/ambient-transactions';
import { PositionStore, type Releasable } from './position.store';

/**
 * Puts parked messages back in this endpoint's queue once their turn has come: right after the
 * predecessor's unit commits, and through `releaseDue` for a release that a crash or a Redis
 * outage lost. A released job's id is the message id with the key's position it was released at,
 * so a release repeated at the same position is one job; the gate drops any other copy.
 */
@Injectable()
export class ParkedMessageReleaser {
  private readonly logger = new Logger('ConsistentMessaging');

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly queues: QueueRegistry,
    private readonly positions: PositionStore,
    private readonly transactions: AmbientTransactions,
  ) {}

  /** Never throws: what is not released now is released by `releaseDue`. */
  async release(releasables: Releasable[]): Promise<void> {
    if (releasables.length === 0) return;
    await Promise.all(releasables.map((releasable) => this.add(releasable))).catch(
      (error: unknown) =>
        this.logger.warn(
          `Releasing ${releasables.length} parked message(s) failed, left for the sweeper: ${thrownText(error)}`,
        ),
    );
  }

  /** Releases parked messages whose turn came more than `relay.sweepDelayMs` ago; returns how many. */
  async releaseDue(): Promise<number> {
    const { sweepDelayMs, sweepBatchSize } = this.options.relay;
    const due = await inOwnTransaction(this.transactions, (queryRunner) =>
      this.positions.releasable(queryRunner, this.options.endpoint, sweepDelayMs, sweepBatchSize),
    );
    await Promise.all(due.map((releasable) => this.add(releasable)));
    return due.length;
  }

  /**
   * At the head of the queue (`lifo`): behind a backlog, the key's later messages would come first
   * and park too, one after another, until the released one came out of the queue.
   */
  private async add({ envelope, releasedAt }: Releasable): Promise<void> {
    const jobId = `${envelope.id}.r${releasedAt}`;
    await this.queues.queueOf(this.options.endpoint).add(envelope.type, envelope, {
      ...jobOptionsOf(jobId, this.options.retry, this.options),
      lifo: true,
    });
  }
}
