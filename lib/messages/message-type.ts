import { MESSAGE_NAME_METADATA } from '../consistent-messaging.constants';
import { NotAMessageError } from '../errors/not-a-message.error';
import type { MessageClass } from '../interfaces/message-class.interface';

/** The wire name of a message class: `@Message(name)` or the class name. */
export function messageTypeOf(messageClass: MessageClass): string {
  const named: unknown = Reflect.getMetadata(MESSAGE_NAME_METADATA, messageClass);
  return typeof named === 'string' ? named : messageClass.name;
}

/** The wire name of a message instance; rejects values that are not instances of a message class. */
export function messageTypeOfInstance(message: unknown): string {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new NotAMessageError(message);
  }
  const ctor = message.constructor as MessageClass | undefined;
  if (!ctor || ctor === Object) throw new NotAMessageError(message);
  return messageTypeOf(ctor);
}

/** Rebuilds a received payload as an instance of its class without running the constructor. */
export function toMessageInstance<T extends object>(
  messageClass: MessageClass<T>,
  payload: object,
): T {
  return Object.assign(Object.create(messageClass.prototype) as T, payload);
}
