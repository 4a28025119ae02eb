import { CpuLoad } from '../../test/support/cpu-load';
import type { Fault } from './fault.interface';

/**
 * 2 to 4 busy loops for 3 to 10 s: every process of the run gets the CPU in slices only, so
 * timers fire late, locks expire and transactions overlap in new ways. One load at a time.
 */
export const cpuOversubscription: Fault = async ({ random, cpuLoads, background }) => {
  if (cpuLoads.size > 0) return undefined;
  const processes = random.between(2, 4);
  const forMs = random.between(3000, 10000);
  const load = CpuLoad.start(processes);
  cpuLoads.add(load);
  background.push(
    // Unless the run already stopped it (it ended early).
    new Promise((resolve) => setTimeout(resolve, forMs)).then(() =>
      cpuLoads.delete(load) ? load.stop() : undefined,
    ),
  );
  return `${processes} busy loop(s) for ${forMs} ms`;
};
