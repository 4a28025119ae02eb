/** The test kit was given a message its endpoint has no handler for. */
export class UnhandledTestMessageError extends Error {
  constructor(endpoint: string, type: string, handled: string[]) {
    super(
      `Endpoint "${endpoint}" has no handler for "${type}" (it handles ${handled.join(', ') || 'nothing'}): ` +
        `is the handler's class among the providers of the testing module?`,
    );
    this.name = 'UnhandledTestMessageError';
  }
}
