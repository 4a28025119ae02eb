export class NoActiveUnitOfWorkError extends Error {
  constructor(action: string) {
    super(
      `Cannot ${action} outside a unit of work. Publish from a @ConsistentHandler() method, from a ` +
        `method decorated with @Outbox(), or inside a transaction of the messaging DataSource, so the ` +
        `message is written to the outbox in the same transaction.`,
    );
    this.name = 'NoActiveUnitOfWorkError';
  }
}
