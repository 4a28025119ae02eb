import type { Fault } from './fault.interface';

/** `KILL` of 1 to 3 MySQL connections of the run's user, mid-transaction when there is one. */
export const mysqlKill: Fault = async ({ random, mysql }) => {
  const { killed, midTransaction } = await mysql.killConnections(random.between(1, 3), (items) =>
    random.pick(items),
  );
  if (killed === 0) return undefined;
  return `KILL ${killed} MySQL connection(s), ${midTransaction} mid-transaction`;
};
