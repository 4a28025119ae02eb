/**
 * The database could not be reached, or the connection was lost, before the unit of work committed:
 * nothing of it was written. Safe to retry; a controller maps it to 503, e.g. with an exception
 * filter (README, "When the database is down"). The driver's error is `cause`.
 */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `The database did not answer, nothing was written: ${(cause as Error | undefined)?.message ?? String(cause)}`,
      { cause },
    );
    this.name = 'DatabaseUnavailableError';
  }
}
