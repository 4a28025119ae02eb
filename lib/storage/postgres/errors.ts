import { driverErrorOf, SOCKET_ERROR_CODES } from '../driver-error';
import type { DatabaseErrors } from '../storage-dialect.interface';

/** SQLSTATEs the library acts on. */
const SqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlock: '40P01',
  lockNotAvailable: '55P03',
} as const;

/** Nothing was changed, and the same work may succeed now. */
const TRANSIENT: ReadonlySet<string> = new Set([
  SqlState.deadlock,
  SqlState.serializationFailure,
  SqlState.lockNotAvailable,
]);

/** Connection exceptions (class 08) and the server going away (57P01–57P03). */
const CONNECTION_LOST = /^(08...|57P0[123])$/;
/** What pg says of a socket that closed under a client, without a code. */
const CONNECTION_LOST_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error)/;

const sqlStateOf = (error: unknown): string | undefined => {
  const code = driverErrorOf(error)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

export const postgresErrors: DatabaseErrors = {
  isDuplicateKey: (error) => sqlStateOf(error) === SqlState.uniqueViolation,
  duplicateOutboxId(error) {
    if (sqlStateOf(error) !== SqlState.uniqueViolation) return undefined;
    return /^Key \(message_id\)=\((.*)\) already exists\.$/.exec(
      driverErrorOf(error)?.detail ?? '',
    )?.[1];
  },
  isTransient: (error) => TRANSIENT.has(sqlStateOf(error) ?? ''),
  // Any error the server answers aborts the innermost transaction or savepoint: until it is
  // rolled back, every statement fails, and a COMMIT rolls back without an error.
  abortOf(error) {
    const state = sqlStateOf(error);
    if (!state || CONNECTION_LOST.test(state)) return undefined;
    const message = String(driverErrorOf(error)?.message ?? '')
      .split('\n')[0]
      .slice(0, 200);
    return { reason: `${state} ${message}`, level: 'savepoint' };
  },
  afterAbort: 'PostgreSQL refused every statement after it',
  isConnectionError(error) {
    const driverError = driverErrorOf(error);
    const code = driverError?.code;
    if (typeof code === 'string') return SOCKET_ERROR_CODES.has(code) || CONNECTION_LOST.test(code);
    return CONNECTION_LOST_MESSAGES.test(String(driverError?.message ?? ''));
  },
};
