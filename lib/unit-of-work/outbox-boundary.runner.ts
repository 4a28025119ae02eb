import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import { DuplicateSubmissionError } from '../errors/duplicate-submission.error';
import { InboxStore } from '../inbox/inbox.store';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { OutboxRelay } from '../relay/outbox.relay';
import { bindOutboxBoundary, type OutboxBoundary } from './outbox-boundary';
import { type Submission, submissionMessageId, submissionRecordId } from './submission';
import { UnitOfWorkRunner } from './unit-of-work.runner';

/**
 * Runs an @Outbox() method as a unit of work, or in the one open on its path, and dispatches what
 * it committed (a unit it joined is dispatched by its owner). With a business key,
 * the key is recorded in the inbox in the same transaction: a repeat (even a concurrent one, which
 * waits on the row lock) is refused with DuplicateSubmissionError and changes nothing.
 */
@Injectable()
export class OutboxBoundaryRunner implements OutboxBoundary {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly runner: UnitOfWorkRunner,
    private readonly inbox: InboxStore,
    private readonly relay: OutboxRelay,
  ) {}

  /** Links an instance with @Outbox() methods to this runner (at startup, by the explorer). */
  attach(instance: object): void {
    bindOutboxBoundary(instance, this);
  }

  async run<T>(work: () => Promise<T> | T, submission?: Submission): Promise<T> {
    const { result, committed } = await this.runner.joinOrRun(async (unitOfWork) => {
      if (submission) {
        const recordId = submissionRecordId(submission);
        const isNew = await this.inbox.tryRecord(
          unitOfWork.queryRunner,
          this.options.endpoint,
          recordId,
          submission.scope,
        );
        if (!isNew)
          throw new DuplicateSubmissionError(submission.key, submissionMessageId(submission, 0));
        unitOfWork.deriveIdsFrom(submission);
      }
      return work();
    });
    await this.relay.dispatchCommitted(committed);
    return result;
  }
}
