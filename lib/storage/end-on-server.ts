import type { QueryRunner } from 'typeorm';
import { settlesWithin } from '../relay/settles-within';

/** How long ending a connection on the server may take before its socket is closed anyway. */
const END_WAIT_MS = 5000;

/** A driver's connection, which says when it closed. */
export interface ClosingConnection {
  once(event: 'end', listener: () => void): void;
}

/**
 * Runs `statement` on `own` (released once done), which ends `connection` on the server, and
 * returns once the client saw it close, so that the pool has dropped it before the caller releases
 * it and its statement's caller got an error. `destroy` (closing the socket) is the last resort,
 * when the statement fails or the close takes longer than 5 s.
 */
export async function endOnServer(
  connection: ClosingConnection,
  own: QueryRunner,
  statement: { sql: string; parameters?: unknown[] },
  destroy: () => void,
): Promise<void> {
  const closed = new Promise<boolean>((resolve) => connection.once('end', () => resolve(true)));
  const ended = own.query(statement.sql, statement.parameters).then(
    () => closed,
    () => false,
  );
  void ended.finally(() => own.release());
  if (!((await settlesWithin(ended, END_WAIT_MS)) && (await ended))) destroy();
}
