import type { BenchEnv } from './bench-env';
import { BenchQueues, sleep, timeoutFor } from './bench-queues';
import { startConsistent, tunedOptions, type ConsistentOptions } from './consistent-system';
import { Meter, type RunResult, type SystemKind } from './meter';
import { startNaive, type System } from './naive-system';

export interface ThroughputRunOptions {
  prefix: string;
  concurrency: number;
  messages: number;
  label: string;
  /** Relay options of the consistent endpoint (library defaults otherwise). */
  relay?: ConsistentOptions['relay'];
  /** Consistent endpoint's `batchSize` (library default otherwise). */
  batchSize?: number;
  /** How the consistent endpoint's handler reaches the database (`context.manager` otherwise). */
  handler?: ConsistentOptions['handler'];
  /** Input messages carry this many ordering keys (none otherwise); their follow-ups keep them. */
  keys?: number;
}

/**
 * Pre-loads `messages` Work jobs into the paused input queue, starts the system, resumes the queue
 * and times until every follow-up is in the sink queue and every input job is done. The caller
 * resets the tables and queues before.
 */
export async function throughputRun(
  env: BenchEnv,
  kind: SystemKind,
  options: ThroughputRunOptions,
): Promise<RunResult> {
  const queues = new BenchQueues(env, options.prefix);
  await queues.work.pause();
  await queues.feed(options.messages, 0, options.keys);
  await env.settle();
  const system = await startSystem(kind, options);
  try {
    const meter = await Meter.start(env);
    await queues.work.resume();
    await queues.waitUntilDone(options.messages, timeoutFor(options.messages));
    const elapsedMs = meter.elapsedMs();
    // Let batched marks (20 ms) land inside the counted window.
    await sleep(50);
    const failed = await queues.workFailed();
    if (failed > 0) throw new Error(`${options.label}: ${failed} input job(s) failed`);
    const result = await meter.stop(kind, options.label, options.messages, elapsedMs);
    return { ...result, handlingP99Ms: await queues.handlingP99Ms() };
  } finally {
    await system.close();
    await queues.close();
  }
}

export function startSystem(kind: SystemKind, options: ConsistentOptions): Promise<System> {
  if (kind === 'naive') return startNaive(options);
  if (kind === 'tuned')
    return startConsistent({ ...options, ...tunedOptions(options.concurrency) });
  return startConsistent(options);
}
