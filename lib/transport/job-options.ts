import type { JobsOptions } from 'bullmq';
import type {
  ResolvedMessagingOptions,
  RetryOptions,
} from '../interfaces/consistent-messaging-options.interface';

/** The options of a message's job: its id is the message id, its retries the receiver's policy. */
export function jobOptionsOf(
  messageId: string,
  policy: Required<RetryOptions>,
  options: Pick<ResolvedMessagingOptions, 'keepCompletedJobs' | 'keepFailedJobs'>,
): JobsOptions {
  return {
    jobId: messageId,
    attempts: policy.attempts,
    backoff: policy.backoff,
    removeOnComplete: options.keepCompletedJobs,
    removeOnFail: options.keepFailedJobs,
  };
}
