import { QueryFailedError } from 'typeorm';

/** MySQL / MariaDB error numbers the library acts on. */
export const MysqlErrno = {
  duplicateKey: 1062,
  lockWaitTimeout: 1205,
  lockTableFull: 1206,
  deadlock: 1213,
} as const;

/** The error number of a failed statement: TypeORM's QueryFailedError or the driver's own error. */
export function mysqlErrno(error: unknown): number | undefined {
  const driverError = error instanceof QueryFailedError ? error.driverError : error;
  return (driverError as { errno?: number } | null | undefined)?.errno;
}

/** Driver error codes that mean the server could not be reached or the connection was lost. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);

/** Whether a failure means the database was unreachable, rather than a statement failing. */
export function isConnectionError(error: unknown): boolean {
  const driverError = error instanceof QueryFailedError ? error.driverError : error;
  const code = (driverError as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
}
