import type { Fault } from './fault.interface';

/** `kill -9` of a random B or C worker process; it is restarted 0.3 to 2 s later. */
export const killWorker: Fault = async ({ random, pool, background }) => {
  const running = pool.slots.filter((slot) => slot.process);
  if (running.length === 0) return undefined;
  const slot = random.pick(running);
  const delayMs = random.between(300, 2000);
  const pid = await pool.kill(slot);
  background.push(
    new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => pool.fill(slot)),
  );
  return `SIGKILL ${slot.label} pid ${pid}, restart in ${delayMs} ms`;
};
