export class NoActiveUnitOfWorkError extends Error {
  /** `handlersNotAmbient`: the endpoint runs with `ambientUnitOfWork: false`. */
  constructor(action: string, handlersNotAmbient = false) {
    super(
      `Cannot ${action} outside a unit of work. Publish from a @ConsistentHandler() method, or from a ` +
        `method decorated with @Outbox(), so the message is written to the outbox in the same transaction.` +
        (handlersNotAmbient
          ? ' This endpoint sets ambientUnitOfWork: false, so inside a @ConsistentHandler() use its ' +
            'MessageContext (context.publish(), context.send(), context.manager).'
          : ''),
    );
    this.name = 'NoActiveUnitOfWorkError';
  }
}
