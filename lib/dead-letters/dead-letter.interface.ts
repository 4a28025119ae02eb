import type { MessageEnvelope, MessageHeaders } from '../interfaces/message-envelope.interface';

/** A dead letter as lists show it: no envelope, so a page stays small whatever the messages weigh. */
export interface DeadLetterSummary {
  /** Row id in the dead-letter table: pass the last one as `before` for the next page. */
  id: number;
  /** BullMQ job id: the message id. */
  jobId: string;
  type: string;
  /** The first line of the last attempt's error, at most 200 characters. */
  error: string;
  attemptsMade: number;
  failedAt: Date;
  /** Size of the stored message (the job's data) in bytes. */
  size: number;
}

/** A message this endpoint gave up on: bad input at once, or a handler that failed every attempt. */
export interface DeadLetter extends Omit<DeadLetterSummary, 'error'> {
  /** The message; null when its stored data is not JSON (see `rawData`) or was cut (`truncated`). */
  envelope: MessageEnvelope | null;
  /** The job's data as stored, only when it is not JSON (written into Redis by something else). */
  rawData?: string;
  /** The message's headers, also when the envelope is too large to return. */
  headers: MessageHeaders | null;
  /**
   * The envelope is larger than the bytes asked for (the admin's `maxPayloadBytes`), or was larger
   * than the database could store: `preview` holds its start and `envelope` is null.
   */
  truncated: boolean;
  preview?: string;
  /** The last attempt's error message. */
  error: string;
  /** The last attempt's stack trace, when there was one. */
  stack: string | null;
}
