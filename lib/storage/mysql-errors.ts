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
