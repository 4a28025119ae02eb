import { bindOutboxBoundary } from '../unit-of-work/outbox-boundary';

/**
 * Lets the @Outbox() methods of an instance run in a unit test without ConsistentMessagingModule
 * (MessagePublisher and UnitOfWorkHost mocked): they run as plain methods, with no transaction.
 */
export function runOutboxMethodsDirectly(instance: object): void {
  bindOutboxBoundary(instance, { run: async (work) => work() });
}
