/**
 * Two transactions were opened side by side inside one unit of work (`Promise.all` of
 * `@Transactional()` methods, say). They would share its one connection as interleaved savepoints,
 * and one's rollback would undo the other's work.
 */
export class ConcurrentTransactionsError extends Error {
  constructor() {
    super(
      'A transaction was opened inside a unit of work while another one opened beside it was still ' +
        'running. Inside a handler or an @Outbox() method they are savepoints on one connection: ' +
        'await them one after the other instead of in parallel (Promise.all).',
    );
    this.name = 'ConcurrentTransactionsError';
  }
}
