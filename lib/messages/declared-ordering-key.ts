import { MESSAGE_ORDERING_KEY_METADATA } from '../consistent-messaging.constants';
import type { MessageClass } from '../interfaces/message-class.interface';
import type { MessageOptions } from './message.decorator';

type Declared = MessageOptions<Record<string, unknown>>['orderingKey'];

/**
 * The ordering key `message`'s class declares (`@Message(name, { orderingKey })`), a number as its
 * decimal string, with where it came from for error messages; undefined when it declares none.
 */
export function declaredOrderingKeyOf(
  messageClass: MessageClass,
  message: object,
): { key: unknown; from: string } | undefined {
  const declared = Reflect.getMetadata(MESSAGE_ORDERING_KEY_METADATA, messageClass) as
    Declared | undefined;
  if (declared === undefined) return undefined;
  const fields = message as Record<string, unknown>;
  const key = typeof declared === 'function' ? declared(fields) : fields[declared];
  const from =
    typeof declared === 'function'
      ? `${messageClass.name}'s orderingKey function`
      : `${messageClass.name}.${declared}`;
  return { key: typeof key === 'number' && Number.isFinite(key) ? String(key) : key, from };
}
