import type { Fault } from './fault.interface';

/** `CLIENT KILL` of every connection to the run's Redis but the harness's admin one. */
export const redisClientKill: Fault = async ({ redis }) => {
  const killed = await redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  return `CLIENT KILL: ${String(killed)} connection(s)`;
};
