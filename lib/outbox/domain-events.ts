import type { PublishOptions } from '../interfaces/publish-options.interface';

const DOMAIN_EVENTS = Symbol('consistent-messaging:domain-events');

interface RaisedEvent {
  event: object;
  options?: PublishOptions;
}

type WithDomainEvents = { [DOMAIN_EVENTS]?: RaisedEvent[] };

/**
 * Raises a domain event from an entity. When the entity is inserted or updated in a unit of work,
 * the event is published to the outbox in the same transaction; it is never sent otherwise.
 */
export function raiseDomainEvent(entity: object, event: object, options?: PublishOptions): void {
  const holder = entity as WithDomainEvents;
  (holder[DOMAIN_EVENTS] ??= []).push({ event, options });
}

/** Removes and returns the events an entity raised. */
export function pullDomainEvents(entity: object): RaisedEvent[] {
  const holder = entity as WithDomainEvents;
  const events = holder[DOMAIN_EVENTS] ?? [];
  delete holder[DOMAIN_EVENTS];
  return events;
}
