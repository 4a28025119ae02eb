import { businessKey } from '../chain.keys';
import type { Fault } from './fault.interface';

/**
 * Holds row and gap locks on B's or C's table, for the next 5 to 15 keys A is about to start, for
 * 2.5 to 4 s: their inserts wait past the handlers' 2 s lock wait timeout, fail and are retried.
 */
export const lockWait: Fault = async ({ random, mysql, prefix }) => {
  const [{ last }] = await mysql.query<{ last: string | null }>(
    `SELECT MAX(\`key\`) AS last FROM \`${prefix}a_change\``,
  );
  if (!last) return undefined;
  const from = Number(last.slice(2)) + 1;
  const to = from + random.between(5, 15);
  const table = random.pick(['b_step', 'c_step']);
  const holdMs = random.between(2500, 4000);
  await mysql.holdRangeLock(`${prefix}${table}`, businessKey(from), businessKey(to), holdMs);
  return `${table} keys ${from}..${to} locked for ${holdMs} ms`;
};
