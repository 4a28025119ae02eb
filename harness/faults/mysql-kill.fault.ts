import type { Fault } from './fault.interface';

/**
 * Kills 1 to 3 database connections of the run's user, mid-transaction when there is one: `KILL`
 * on MySQL, `pg_terminate_backend` on PostgreSQL.
 */
export const mysqlKill: Fault = async ({ random, db }) => {
  const { killed, midTransaction } = await db.killConnections(random.between(1, 3), (items) =>
    random.pick(items),
  );
  if (killed === 0) return undefined;
  return `killed ${killed} database connection(s), ${midTransaction} mid-transaction`;
};
