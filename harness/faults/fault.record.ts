/** A garbage job written into a queue, and when. */
export interface GarbageJob {
  queue: 'b' | 'c';
  id: string;
  atMs: number;
}

/** A garbage job younger than this when Redis lost its data may have gone before a worker saw it. */
const DEAD_LETTER_GRACE_MS = 20_000;

/**
 * What the faults did that the invariants need afterwards: which bad rows and garbage jobs exist,
 * when Redis lost its data, when it was paused.
 */
export class FaultRecord {
  /** When the fault phase began: the verbose log's `+N s` count from here. */
  phaseStartMs = Date.now();
  /** Times (ms) at which Redis lost its data. */
  readonly dataLosses: number[] = [];
  /** CLIENT PAUSE windows on the harness's clock. */
  readonly pauses: { fromMs: number; untilMs: number }[] = [];
  /** Message ids of the outbox rows no relay can dispatch. */
  readonly badRows = new Set<string>();
  readonly garbageJobs: GarbageJob[] = [];

  /** `ms` as the verbose log writes it, `+12.3s`. */
  offset(ms: number): string {
    return `+${((ms - this.phaseStartMs) / 1000).toFixed(1)}s`;
  }

  /** Lost with Redis's data before it had to be dead-lettered: no verdict possible. */
  lostYoung(job: GarbageJob): boolean {
    return this.dataLosses.some((at) => at >= job.atMs && at - job.atMs < DEAD_LETTER_GRACE_MS);
  }
}
