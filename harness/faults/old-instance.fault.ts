import type { Fault } from './fault.interface';

/** At most this many old instances at a time. */
const MAX_OLD = 2;

/**
 * A rolling deploy: an old version of B or C, which has no handler for the chain's message type,
 * runs beside the new ones for 5 to 15 s and is then killed. What it picks up must wait for a new
 * instance, and its startup must not unsubscribe the endpoint from the type.
 */
export const oldInstance: Fault = async ({ random, pool, background }) => {
  if (pool.oldVersionCount >= MAX_OLD) return undefined;
  const role = random.pick(['b', 'c'] as const);
  const lifetimeMs = random.between(5000, 15000);
  const child = await pool.startOldVersion(role);
  background.push(
    new Promise((resolve) => setTimeout(resolve, lifetimeMs)).then(() =>
      pool.stopOldVersion(child),
    ),
  );
  return `old version of ${role} pid ${child.pid} beside the new ones for ${lifetimeMs} ms`;
};
