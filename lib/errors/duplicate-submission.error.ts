import { ConflictException } from '@nestjs/common';

/**
 * An @Outbox() unit of work with a business key that was already committed: nothing was changed or
 * sent again. It is an HTTP 409 unless you catch it (e.g. to return the first result).
 */
export class DuplicateSubmissionError extends ConflictException {
  constructor(
    readonly key: string,
    /** Id of the first message the first submission published (ids in a keyed unit are derived from the key). */
    readonly firstMessageId: string,
  ) {
    super({
      statusCode: 409,
      error: 'Conflict',
      message: `Already submitted: the request with key "${key}" was processed before; nothing was done again.`,
      key,
      firstMessageId,
    });
    this.name = 'DuplicateSubmissionError';
  }
}
