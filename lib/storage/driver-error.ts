import { QueryFailedError } from 'typeorm';

/** What the drivers' errors carry that the dialects read. */
export interface DriverError {
  /** mysql2: the server's error number. */
  errno?: number;
  /** mysql2: a name such as `ER_DUP_ENTRY` or a socket code; pg: the SQLSTATE or a socket code. */
  code?: unknown;
  message?: string;
  /** pg: the text after the message (`Key (message_id)=(…) already exists.`). */
  detail?: string;
  /** pg: the constraint a violation names. */
  constraint?: string;
}

/** The driver's own error of a failed statement: TypeORM wraps it in a QueryFailedError. */
export function driverErrorOf(error: unknown): DriverError | undefined {
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  return typeof driverError === 'object' && driverError !== null
    ? (driverError as DriverError)
    : undefined;
}

/** Socket codes both drivers report when the server could not be reached or the connection was lost. */
export const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
]);
