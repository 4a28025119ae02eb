import { businessKey } from '../chain.keys';
import type { Fault } from './fault.interface';

/**
 * Holds row and gap locks on B's or C's table, for the next 5 to 15 keys A is about to start, for
 * 2.5 to 4 s: their inserts wait past the handlers' 2 s lock wait timeout, fail and are retried.
 * (PostgreSQL has no gap locks: there it locks the whole table against inserts.)
 */
export const lockWait: Fault = async ({ random, db, prefix }) => {
  const [{ last }] = await db.query<{ last: string | null }>(
    `SELECT MAX(${db.name('key')}) AS last FROM ${db.name(`${prefix}a_change`)}`,
  );
  if (!last) return undefined;
  const from = Number(last.slice(2)) + 1;
  const to = from + random.between(5, 15);
  const table = random.pick(['b_step', 'c_step']);
  const holdMs = random.between(2500, 4000);
  const locked = await db.holdRangeLock(
    `${prefix}${table}`,
    businessKey(from),
    businessKey(to),
    holdMs,
  );
  return locked && `${table}: ${locked} locked for ${holdMs} ms`;
};
