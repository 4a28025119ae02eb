import { OUTBOX_METADATA } from '../consistent-messaging.constants';
import { rememberDecoratedClass } from '../discovery/decorated-classes';
import { outboxBoundaryOf } from '../unit-of-work/outbox-boundary';
import type { Submission } from '../unit-of-work/submission';

type AnyMethod = (...args: unknown[]) => unknown;

export interface OutboxOptions {
  /**
   * Business key of the submission, from the method's arguments (a cart id, an `Idempotency-Key`
   * header taken with `@Headers()`). A second call with a key already committed changes nothing and
   * throws DuplicateSubmissionError (HTTP 409); the messages of a keyed call get ids derived from the
   * key. Return undefined or '' to skip the check for one call.
   */
  key?(...args: never[]): string | undefined | null;
}

/**
 * Runs a controller or service method as a unit of work at the sync-async boundary: one transaction
 * plus an outbox. Messages published inside (MessagePublisher, domain events) are written in that
 * transaction and dispatched after it commits. Called inside another unit of work, it joins it.
 * The method becomes async.
 */
export function Outbox(options: OutboxOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    rememberDecoratedClass(target);
    const original = descriptor.value as unknown as AnyMethod;
    const methodName = String(propertyKey);
    const scope = `${target.constructor.name}.${methodName}`;
    const keyOf = options.key as ((...args: unknown[]) => string | undefined | null) | undefined;
    const wrapped = async function (this: object, ...args: unknown[]): Promise<unknown> {
      const key = keyOf?.(...args);
      const submission: Submission | undefined = key ? { scope, key } : undefined;
      return outboxBoundaryOf(this, methodName).run(() => original.apply(this, args), submission);
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
