import { SetMetadata, type Type } from '@nestjs/common';

/**
 * Every class with a method decorated by @ConsistentHandler(), @IdempotentHandler() or @Outbox(),
 * as the decorators ran: startup compares it with the providers it found, to name a class that was
 * decorated but never made a provider (its methods would silently never run).
 */
const decorated = new Set<Type>();

export function rememberDecoratedClass(target: object): void {
  decorated.add(target.constructor as Type);
}

export function decoratedClasses(): Type[] {
  return [...decorated];
}

/** A method decorator that sets `key` to `value` on the method and remembers its class. */
export function decoratedMethod<T>(key: string, value: T): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    rememberDecoratedClass(target);
    return SetMetadata<string, T>(key, value)(target, propertyKey, descriptor);
  };
}
