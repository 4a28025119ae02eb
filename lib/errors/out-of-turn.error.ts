/**
 * A keyed message in a batched transaction is not next in its key's order (or was handled
 * already): the batch rolls back, and each of its messages is handled alone, where an early one
 * is parked.
 */
export class OutOfTurnError extends Error {
  constructor(messageId: string, verdict: 'duplicate' | 'parked') {
    super(
      `Message ${messageId} is ${verdict === 'parked' ? 'ahead of its ordering key' : 'handled already'}: a batch can't take it`,
    );
    this.name = 'OutOfTurnError';
  }
}
