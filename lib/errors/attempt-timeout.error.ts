/**
 * An attempt at a message took longer than `attemptTimeoutMs`. Its transaction is rolled back (its
 * connection closed), the message is retried with backoff, and whatever the handler still tries to
 * do in it fails with this error.
 */
export class AttemptTimeoutError extends Error {
  constructor(
    readonly messageId: string,
    readonly messageType: string,
    readonly handlers: string[],
    readonly timeoutMs: number,
  ) {
    super(
      `Message ${messageId} (${messageType}) was not done within attemptTimeoutMs (${timeoutMs} ms) in ` +
        `${handlers.join(', ')}: the attempt is rolled back, and retried while attempts are left. Make the handler ` +
        `faster, or raise attemptTimeoutMs.`,
    );
    this.name = 'AttemptTimeoutError';
  }
}
