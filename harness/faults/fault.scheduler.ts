import type { Fault, FaultTarget } from './fault.interface';
import { badOutboxRow } from './bad-outbox-row.fault';
import { cpuOversubscription } from './cpu-oversubscription.fault';
import { duplicateJob } from './duplicate-job.fault';
import { garbageJob } from './garbage-job.fault';
import { killWorker } from './kill-worker.fault';
import { lockExpiry } from './lock-expiry.fault';
import { lockWait } from './lock-wait.fault';
import { mysqlKill } from './mysql-kill.fault';
import { oldInstance } from './old-instance.fault';
import { redisClientKill } from './redis-client-kill.fault';
import { redisDataLoss } from './redis-data-loss.fault';
import { redisOutage } from './redis-outage.fault';
import { redisPause } from './redis-pause.fault';
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
  'Redis data loss': redisDataLoss,
  'Redis CLIENT PAUSE': redisPause,
  'bad-id outbox row': badOutboxRow,
  'garbage job': garbageJob,
  'old and new instance': oldInstance,
  'CPU oversubscription': cpuOversubscription,
} satisfies Record<string, Fault>;

export type FaultKind = keyof typeof faults;

/**
 * Relative frequency of each kind. About 370 faults fire in a 10-minute run (one every 1.6 s): these
 * weights give each kind about 20 or more, so that each fires at least 10 times (lock expiry is
 * idle two times in three, when no job runs long, so it is chosen more often).
 */
const weights: Record<FaultKind, number> = {
  'kill -9 worker': 5,
  'duplicate job': 3,
  'outbox re-dispatch': 3,
  'Redis CLIENT KILL': 1.5,
  'Redis outage': 3,
  'MySQL KILL': 3,
  'lock expiry': 7,
  'MySQL lock wait timeout': 1.5,
  'Redis data loss': 2.5,
  'Redis CLIENT PAUSE': 2.5,
  'bad-id outbox row': 2.5,
  'garbage job': 2.5,
  'old and new instance': 3,
  'CPU oversubscription': 3,
};

/** The weights of `kinds` only (all kinds when undefined); throws on a name that is no kind. */
export function faultWeights(kinds?: string[]): Partial<Record<FaultKind, number>> {
  if (!kinds) return weights;
  const unknown = kinds.filter((kind) => !(kind in weights));
  if (unknown.length > 0 || kinds.length === 0)
    throw new Error(
      `--faults: no kind "${unknown.join('", "')}"; kinds: ${Object.keys(weights).join(', ')}`,
    );
  return Object.fromEntries(kinds.map((kind) => [kind, weights[kind as FaultKind]]));
}

export interface FaultTally {
  injected: Record<string, number>;
  /** Faults that found nothing to act on at their moment. */
  idle: number;
  /** Faults whose injection itself failed (e.g. Redis was away). */
  errors: string[];
}

/**
 * Injects faults at seeded random moments (every 0.2 to 1.2 s) until `untilMs`, of `kinds` only if
 * given. The kinds and the waits follow from the seed; what each fault hits depends on timing too.
 */
export async function injectFaults(
  target: FaultTarget,
  untilMs: number,
  log: (line: string) => void,
  kinds?: string[],
): Promise<FaultTally> {
  const chosen = faultWeights(kinds) as Record<FaultKind, number>;
  const tally: FaultTally = { injected: {}, idle: 0, errors: [] };
  const started = Date.now();
  target.record.phaseStartMs = started;
  while (Date.now() < untilMs) {
    await new Promise((resolve) => setTimeout(resolve, target.random.between(200, 1200)));
    const kind = target.random.weighted(chosen);
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
