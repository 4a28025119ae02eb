import { CONSISTENT_HANDLER_METADATA } from '../consistent-messaging.constants';
import { decoratedMethod } from '../discovery/decorated-classes';
import type { MessageClass } from '../interfaces/message-class.interface';

export interface ConsistentHandlerMetadata {
  messageClass: MessageClass;
}

/**
 * Makes a provider method a consistent message handler of this endpoint for one message type. It is
 * called as `(message, context: MessageContext)` inside the transaction that records the message in
 * the inbox and writes what it publishes to the outbox; a duplicate of a handled message never
 * reaches it.
 */
export const ConsistentHandler = (messageClass: MessageClass): MethodDecorator =>
  decoratedMethod<ConsistentHandlerMetadata>(CONSISTENT_HANDLER_METADATA, { messageClass });
