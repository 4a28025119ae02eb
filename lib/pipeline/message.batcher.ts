import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { thrownText } from '../errors/thrown-text';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import {
  ConsistentMessagePipeline,
  type CommittedBatch,
  type PipelineOutcome,
} from './consistent-message.pipeline';
import type { IncomingMessage } from './incoming-message.interface';

interface Waiting {
  message: IncomingMessage;
  resolve: (outcome: PipelineOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups incoming messages into shared transactions (`batchSize` > 1) without waiting to fill them:
 * at most `concurrency / batchSize` batches run at once; a message that finds all of them busy waits
 * and leaves with the others that arrived meanwhile. Alone, a message goes at once and alone.
 *
 * A batch that fails before its COMMIT left nothing behind: each of its messages is then handled
 * again in its own transaction, so that a bad message fails alone and a duplicate is recognised as
 * such. A failure after COMMIT fails every job of the batch, as it would fail the one job of a
 * single message: BullMQ redelivers them, and the inbox makes each a duplicate that re-dispatches.
 */
@Injectable()
export class MessageBatcher {
  private readonly logger = new Logger('ConsistentMessaging');
  private readonly lanes: number;
  private waiting: Waiting[] = [];
  private running = 0;

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly pipeline: ConsistentMessagePipeline,
  ) {
    this.lanes = Math.max(1, Math.floor(options.concurrency / options.batchSize));
  }

  handle(message: IncomingMessage): Promise<PipelineOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.running < this.lanes && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.batchSize);
      this.running++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.running--;
        this.startBatches();
      };
      void this.run(batch, release).finally(release);
    }
  }

  /** Settles every job of the batch, whatever happens. */
  private async run(batch: Waiting[], release: () => void): Promise<void> {
    const committed = batch.length > 1 ? await this.commitTogether(batch) : undefined;
    if (!committed) return this.oneByOne(batch);
    // The next batch may start while this one dispatches.
    release();
    const messages = batch.map((waiting) => waiting.message);
    try {
      await this.pipeline.dispatchBatch(committed, messages);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    for (const waiting of batch) waiting.resolve('handled');
  }

  /** The batch's messages to dispatch once committed; undefined if it rolled back. */
  private async commitTogether(batch: Waiting[]): Promise<CommittedBatch | undefined> {
    try {
      return await this.pipeline.commitBatch(batch.map((waiting) => waiting.message));
    } catch (error) {
      this.logger.warn(
        `A batch of ${batch.length} messages rolled back (${thrownText(error)}); handling each in its own transaction`,
      );
      return undefined;
    }
  }

  private async oneByOne(batch: Waiting[]): Promise<void> {
    await Promise.all(
      batch.map(({ message, resolve, reject }) =>
        this.pipeline.handle(message).then(resolve, reject),
      ),
    );
  }
}
