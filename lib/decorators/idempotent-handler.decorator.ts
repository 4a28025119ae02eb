import { IDEMPOTENT_HANDLER_METADATA } from '../consistent-messaging.constants';
import { decoratedMethod } from '../discovery/decorated-classes';
import type { MessageClass } from '../interfaces/message-class.interface';

export interface IdempotentHandlerMetadata {
  messageClass: MessageClass;
}

/**
 * Makes a provider method an output-layer handler: merely idempotent, for effects outside the
 * database (a payment API, a file store). It runs without a transaction or an outbox, is retried
 * with backoff, receives `context.idempotencyKey` (the message id, stable across retries and
 * duplicates) to pass to the external system, and may not publish or send.
 */
export const IdempotentHandler = (messageClass: MessageClass): MethodDecorator =>
  decoratedMethod<IdempotentHandlerMetadata>(IDEMPOTENT_HANDLER_METADATA, { messageClass });
