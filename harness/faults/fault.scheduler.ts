import type { Fault, FaultTarget } from './fault.interface';
import { duplicateJob } from './duplicate-job.fault';
import { killWorker } from './kill-worker.fault';
import { lockExpiry } from './lock-expiry.fault';
import { lockWait } from './lock-wait.fault';
import { mysqlKill } from './mysql-kill.fault';
import { redisClientKill } from './redis-client-kill.fault';
import { redisOutage } from './redis-outage.fault';
import { redispatch } from './redispatch.fault';

export const faults = {
  'kill -9 worker': killWorker,
  'duplicate job': duplicateJob,
  'outbox re-dispatch': redispatch,
  'Redis CLIENT KILL': redisClientKill,
  'Redis outage': redisOutage,
  'MySQL KILL': mysqlKill,
  'lock expiry': lockExpiry,
  'MySQL lock wait timeout': lockWait,
} satisfies Record<string, Fault>;

export type FaultKind = keyof typeof faults;

/** Relative frequency of each kind. */
const weights: Record<FaultKind, number> = {
  'kill -9 worker': 5,
  'duplicate job': 3,
  'outbox re-dispatch': 3,
  'Redis CLIENT KILL': 1,
  'Redis outage': 0.5,
  'MySQL KILL': 3,
  'lock expiry': 3,
  'MySQL lock wait timeout': 1.5,
};

export interface FaultTally {
  injected: Record<string, number>;
  /** Faults that found nothing to act on at their moment. */
  idle: number;
  /** Faults whose injection itself failed (e.g. Redis was away). */
  errors: string[];
}

/**
 * Injects faults at seeded random moments (every 0.2 to 1.2 s) until `untilMs`. The kinds and the
 * waits follow from the seed; what each fault hits depends on timing as well.
 */
export async function injectFaults(
  target: FaultTarget,
  untilMs: number,
  log: (line: string) => void,
): Promise<FaultTally> {
  const tally: FaultTally = { injected: {}, idle: 0, errors: [] };
  const started = Date.now();
  while (Date.now() < untilMs) {
    await new Promise((resolve) => setTimeout(resolve, target.random.between(200, 1200)));
    const kind = target.random.weighted(weights);
    try {
      const did = await withTimeout(faults[kind](target), 15000);
      if (did === undefined) {
        tally.idle++;
        continue;
      }
      tally.injected[kind] = (tally.injected[kind] ?? 0) + 1;
      log(`+${((Date.now() - started) / 1000).toFixed(1)}s ${kind}: ${did}`);
    } catch (error) {
      tally.errors.push(`${kind}: ${(error as Error).message}`);
    }
  }
  return tally;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
