import { MESSAGE_NAME_METADATA } from '../consistent-messaging.constants';
import { NotAMessageError } from '../errors/not-a-message.error';
import type { MessageClass } from '../interfaces/message-class.interface';

/** The wire name of a message class: `@Message(name)` or the class name. */
export function messageTypeOf(messageClass: MessageClass): string {
  const named: unknown = Reflect.getMetadata(MESSAGE_NAME_METADATA, messageClass);
  return typeof named === 'string' ? named : messageClass.name;
}

/**
 * The class of a message instance; rejects values that are not instances of a message class.
 * The class is the one whose prototype the instance has, never a `constructor` the instance (or a
 * body copied into it) carries as a property of its own.
 */
export function messageClassOfInstance(message: unknown): MessageClass {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new NotAMessageError(message);
  }
  const prototype: unknown = Object.getPrototypeOf(message);
  const ctor: unknown =
    prototype === null
      ? undefined
      : Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value;
  if (typeof ctor !== 'function' || ctor === Object || ctor.prototype !== prototype)
    throw new NotAMessageError(message);
  return ctor as MessageClass;
}

/** The wire name of a message instance (see `messageClassOfInstance`). */
export function messageTypeOfInstance(message: unknown): string {
  return messageTypeOf(messageClassOfInstance(message));
}

/**
 * Rebuilds a received payload as an instance of its class without running the constructor. Each
 * field becomes a plain property: no setter runs, so a `__proto__` key could not swap the
 * prototype (the parser refuses such keys anyway, see `reservedKeyProblem`).
 */
export function toMessageInstance<T extends object>(
  messageClass: MessageClass<T>,
  payload: object,
): T {
  const instance = Object.create(messageClass.prototype) as T;
  for (const [key, value] of Object.entries(payload))
    Object.defineProperty(instance, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return instance;
}
