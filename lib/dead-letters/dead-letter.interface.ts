import type { MessageEnvelope } from '../interfaces/message-envelope.interface';

/** A message this endpoint gave up on: bad input at once, or a handler that failed every attempt. */
export interface DeadLetter {
  /** BullMQ job id: the message id. */
  jobId: string;
  /** The message; `{}` when the job's stored data is not JSON (see `rawData`). */
  envelope: MessageEnvelope;
  /** The job's data as stored, only when it is not JSON (written into Redis by something else). */
  rawData?: string;
  error: string;
  stacktrace: string[];
  attemptsMade: number;
  failedAt: Date | null;
}
