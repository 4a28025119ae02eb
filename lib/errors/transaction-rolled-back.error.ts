export class TransactionRolledBackError extends Error {
  constructor({ reason, afterAbort }: { reason: string; afterAbort: string }) {
    super(
      `The database rolled back this unit of work's transaction (${reason}) and the code went on ` +
        `after catching the error: what it did before is undone, ${afterAbort}. The unit is not committed (no outbox rows, no inbox record): a handler's message ` +
        `is retried, an @Outbox() call fails with this error. Let database errors propagate out of ` +
        `handlers and @Outbox() methods, or run a statement that may fail in a nested ` +
        `transaction() and catch its error outside it.`,
    );
    this.name = 'TransactionRolledBackError';
  }
}
