import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import {
  ConsistentMessagePipeline,
  type IncomingMessage,
  type PipelineOutcome,
} from './consistent-message.pipeline';

interface Waiting {
  message: IncomingMessage;
  resolve: (outcome: PipelineOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups incoming messages into shared transactions (`batchSize` > 1) without waiting to fill them:
 * at most `concurrency / batchSize` batches run at once; a message that finds all of them busy waits
 * and leaves with the others that arrived meanwhile. Alone, a message goes at once and alone. A
 * batch that fails is handled again one message at a time, so that a bad message fails alone and a
 * duplicate is recognised as such: it failed before COMMIT and left nothing, or after, and each
 * message's inbox record makes the second run a duplicate that only re-dispatches.
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
    this.lanes =
      Number(process.env.LANES) || Math.max(1, Math.floor(options.concurrency / options.batchSize));
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

  private async run(batch: Waiting[], release: () => void): Promise<void> {
    if (batch.length > 1 && (await this.together(batch, release))) return;
    await Promise.all(
      batch.map(({ message, resolve, reject }) =>
        this.pipeline.handle(message).then(resolve, reject),
      ),
    );
  }

  /**
   * Handles the batch in one transaction; false if anything failed. The next batch may start as
   * soon as this one committed, while this one dispatches.
   */
  private async together(batch: Waiting[], release: () => void): Promise<boolean> {
    const messages = batch.map((waiting) => waiting.message);
    try {
      const committed = await this.pipeline.commitBatch(messages);
      release();
      await this.pipeline.dispatchBatch(committed, messages);
    } catch (error) {
      this.logger.debug(
        `Batch of ${batch.length} failed, handling its messages one by one: ${(error as Error).message}`,
      );
      return false;
    }
    for (const waiting of batch) waiting.resolve('handled');
    return true;
  }
}
