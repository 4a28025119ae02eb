import { driverErrorOf, SOCKET_ERROR_CODES } from '../driver-error';
import type { DatabaseErrors } from '../storage-dialect.interface';

/** MySQL / MariaDB error numbers the library acts on. */
const Errno = {
  duplicateKey: 1062,
  lockWaitTimeout: 1205,
  lockTableFull: 1206,
  deadlock: 1213,
} as const;

/** Errors on which InnoDB rolls back the whole transaction, not only the statement. */
const TRANSACTION_ROLLED_BACK: Record<number, string> = {
  [Errno.deadlock]: 'deadlock',
  [Errno.lockTableFull]: 'lock table full',
};

const CONNECTION_ERROR_CODES = new Set([
  ...SOCKET_ERROR_CODES,
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
]);

const errnoOf = (error: unknown) => driverErrorOf(error)?.errno;

export const mysqlErrors: DatabaseErrors = {
  isDuplicateKey: (error) => errnoOf(error) === Errno.duplicateKey,
  duplicateOutboxId(error) {
    if (errnoOf(error) !== Errno.duplicateKey) return undefined;
    return /Duplicate entry '(.*)' for key '(?:[^']*\.)?ux_message_id'/.exec(
      String(driverErrorOf(error)?.message),
    )?.[1];
  },
  isTransient: (error) => {
    const errno = errnoOf(error);
    return errno === Errno.deadlock || errno === Errno.lockWaitTimeout;
  },
  abortOf(error) {
    const reason = TRANSACTION_ROLLED_BACK[errnoOf(error) ?? 0];
    return reason ? { reason, level: 'transaction' } : undefined;
  },
  afterAbort: 'what it did after ran outside any transaction',
  isConnectionError(error) {
    const code = driverErrorOf(error)?.code;
    return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
  },
};
