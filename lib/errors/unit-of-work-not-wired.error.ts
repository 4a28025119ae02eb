export class UnitOfWorkNotWiredError extends Error {
  constructor(className: string, methodName: string) {
    super(
      `${className}.${methodName} is decorated with @Outbox() but its instance was not created by a Nest ` +
        `application that imports ConsistentMessagingModule (was it constructed with "new", or is it request-scoped?).`,
    );
    this.name = 'UnitOfWorkNotWiredError';
  }
}
