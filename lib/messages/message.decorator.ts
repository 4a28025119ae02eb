import {
  MESSAGE_NAME_METADATA,
  MESSAGE_ORDERING_KEY_METADATA,
} from '../consistent-messaging.constants';
import type { MessageClass } from '../interfaces/message-class.interface';

/** The ordering key a message class declares: the name of a field, or a function of the message. */
export interface MessageOptions<T> {
  /**
   * Every message of this class is recorded with this ordering key, unless `publish` or `send`
   * gives one (see README, "Ordering per key"). A field holding a string or a number, or a
   * function returning a string.
   */
  orderingKey: (keyof T & string) | ((message: T) => string);
}

/** A class decorator that accepts only classes whose instances are `T`. */
export type MessageDecorator<T extends object> = (target: MessageClass<T>) => void;

/**
 * Names a message class's type on the wire. Without it the class name is used; give a name when two
 * services define the class separately or when the class may be renamed. `options.orderingKey`
 * declares the class's ordering key; the compiler checks that the field exists.
 */
export function Message(typeName: string): ClassDecorator;
export function Message<K extends string>(
  typeName: string,
  options: { orderingKey: K },
): MessageDecorator<{ readonly [P in K]: string | number }>;
export function Message<T extends object>(
  typeName: string,
  options: { orderingKey: (message: T) => string },
): MessageDecorator<T>;
export function Message(
  typeName: string,
  options?: MessageOptions<Record<string, unknown>>,
): (target: object) => void {
  return (target) => {
    Reflect.defineMetadata(MESSAGE_NAME_METADATA, typeName, target);
    if (options?.orderingKey !== undefined)
      Reflect.defineMetadata(MESSAGE_ORDERING_KEY_METADATA, options.orderingKey, target);
  };
}
