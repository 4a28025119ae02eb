import { UnitOfWorkNotWiredError } from '../errors/unit-of-work-not-wired.error';
import type { Submission } from './submission';

/** Runs a method's body as a unit of work and dispatches what it committed. */
export interface OutboxBoundary {
  run<T>(work: () => Promise<T> | T, submission?: Submission): Promise<T>;
}

const boundaries = new WeakMap<object, OutboxBoundary>();

/** Called at startup for every instance with @Outbox() methods, linking it to its application. */
export function bindOutboxBoundary(instance: object, boundary: OutboxBoundary): void {
  boundaries.set(instance, boundary);
}

export function outboxBoundaryOf(instance: object, methodName: string): OutboxBoundary {
  const boundary = boundaries.get(instance);
  if (!boundary) throw new UnitOfWorkNotWiredError(instance.constructor.name, methodName);
  return boundary;
}
