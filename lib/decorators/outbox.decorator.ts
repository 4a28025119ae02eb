import { OUTBOX_METADATA } from '../consistent-messaging.constants';
import { outboxBoundaryOf } from '../unit-of-work/outbox-boundary';

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * Runs a controller or service method as a unit of work at the sync-async boundary: one transaction
 * plus an outbox. Messages published inside (MessagePublisher, domain events) are written in that
 * transaction and dispatched after it commits. Called inside another unit of work, it joins it.
 * The method becomes async.
 */
export function Outbox(): MethodDecorator {
  return (_target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AnyMethod;
    const methodName = String(propertyKey);
    const wrapped = async function (this: object, ...args: unknown[]): Promise<unknown> {
      return outboxBoundaryOf(this, methodName).run(() => original.apply(this, args));
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    // Keep metadata other decorators (@Post(), @HttpCode()…) put on the function before this one.
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    }
    Reflect.defineMetadata(OUTBOX_METADATA, true, wrapped);
    descriptor.value = wrapped as unknown as typeof descriptor.value;
    return descriptor;
  };
}
