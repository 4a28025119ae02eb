/**
 * `publish()` or `send()` got something that could not be dispatched: a message id or destination
 * that the outbox columns or BullMQ can't take. Thrown at once, before anything is recorded.
 */
export class InvalidMessageError extends Error {
  constructor(reason: string) {
    super(`Cannot record this message: ${reason}.`);
    this.name = 'InvalidMessageError';
  }
}
