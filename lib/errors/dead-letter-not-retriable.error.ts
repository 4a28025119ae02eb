/**
 * A dead letter that can't be put back: its stored data is not a message (not JSON), or was larger
 * than the database could keep, and BullMQ no longer holds the job.
 */
export class DeadLetterNotRetriableError extends Error {
  constructor(
    readonly messageId: string,
    why: string,
  ) {
    super(`Dead letter ${messageId} can't be retried: ${why}`);
    this.name = 'DeadLetterNotRetriableError';
  }
}
