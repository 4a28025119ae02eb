import type { MessageHeaders } from '../interfaces/message-envelope.interface';

/** Second argument of an @IdempotentHandler() method. */
export class IdempotentContext {
  constructor(
    readonly messageId: string,
    readonly messageType: string,
    readonly headers: Readonly<MessageHeaders>,
  ) {}

  /** Pass this to the external system so it can drop repeats: the message id, the same on every retry. */
  get idempotencyKey(): string {
    return this.messageId;
  }
}
