import type { Fault } from './fault.interface';

/**
 * `CLIENT PAUSE <3 to 8 s> ALL`: Redis stays connected but answers nobody (a stall, a slow fork).
 * The fault waits the pause out, since every later Redis command of the harness would anyway.
 */
export const redisPause: Fault = async ({ random, redis, record }) => {
  const pauseMs = random.between(3000, 8000);
  // Taken before the command: the recorded end is at or before the real one.
  const fromMs = Date.now();
  await redis.call('CLIENT', 'PAUSE', String(pauseMs), 'ALL');
  record.pauses.push({ fromMs, untilMs: fromMs + pauseMs });
  await new Promise((resolve) => setTimeout(resolve, fromMs + pauseMs - Date.now()));
  return `CLIENT PAUSE ${pauseMs} ms ALL`;
};
