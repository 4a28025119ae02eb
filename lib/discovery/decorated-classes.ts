import type { Type } from '@nestjs/common';

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
