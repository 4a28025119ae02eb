import type { MessageEnvelope } from '../interfaces/message-envelope.interface';

/** A message this endpoint gave up on: bad input at once, or a handler that failed every attempt. */
export interface DeadLetter {
  /** BullMQ job id: the message id. */
  jobId: string;
  envelope: MessageEnvelope;
  error: string;
  stacktrace: string[];
  attemptsMade: number;
  failedAt: Date | null;
}
