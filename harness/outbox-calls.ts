/** One attempt of A's @Outbox() method, on the harness's clock. */
export interface OutboxCall {
  startMs: number;
  endMs: number;
  /** Why it failed, if it did (other than the intended failure or a repeat). */
  error?: string;
  deadlock: boolean;
}

/**
 * A deadlock: MySQL's ER_LOCK_DEADLOCK as mysql2 reports it (errno, code), PostgreSQL's SQLSTATE
 * 40P01 as pg does (code), or the message, also when wrapped (TypeORM's driverError, a cause).
 */
export function isDeadlock(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & { errno?: unknown; code?: unknown; driverError?: unknown };
  if (fields.errno === 1213 || fields.code === 'ER_LOCK_DEADLOCK' || fields.code === '40P01')
    return true;
  if (/deadlock/i.test(error.message)) return true;
  return isDeadlock(fields.driverError) || isDeadlock(error.cause);
}

/** Every attempt A made: how long each took and how it failed. */
export class OutboxCalls {
  readonly calls: OutboxCall[] = [];

  record(startMs: number, error?: unknown): void {
    const failed = error === undefined ? {} : { error: String(error).slice(0, 300) };
    this.calls.push({ startMs, endMs: Date.now(), ...failed, deadlock: isDeadlock(error) });
  }

  /** Longest attempt in ms. */
  worstMs(): number {
    return this.calls.reduce((worst, call) => Math.max(worst, call.endMs - call.startMs), 0);
  }
}
