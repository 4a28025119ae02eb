import { deterministicMessageId } from '../messages/deterministic-id';

/** The business key of an @Outbox() call, and the method it belongs to. */
export interface Submission {
  /** `ClassName.methodName`: keys of different methods never collide. */
  scope: string;
  key: string;
}

/** Inbox record id of a submission. */
export function submissionRecordId(submission: Submission): string {
  return deterministicMessageId('submission', submission.scope, submission.key);
}

/** Id of the n-th message published in a keyed unit of work: the same on every repeat. */
export function submissionMessageId(submission: Submission, index: number): string {
  return deterministicMessageId('message', submission.scope, submission.key, String(index));
}
