import { performance } from 'perf_hooks';
import type { BenchEnv } from '../support/bench-env';
import { BenchQueues, sleep, timeoutFor } from '../support/bench-queues';
import { DispatchTimings } from '../support/dispatch-timings';
import { Meter, type RunResult, type SystemKind } from '../support/meter';
import {
  figure,
  passFail,
  percentile,
  type PrintedTable,
  type Scenario,
  type ScenarioContext,
} from '../support/report';
import { startSystem, throughputRun } from '../support/throughput-run';

const PREFIX = 'bench_lat_';
const CONCURRENCY = 16;
/** Messages committed in the first second are left out of the figures. */
const WARM_UP_MS = 1000;
const TARGET_P50_MS = 5;
const TARGET_P99_MS = 50;

export interface LatencyRun {
  system: SystemKind;
  rate: number;
  messages: number;
  achievedRate: number;
  /** Commit to Redis confirming the follow-up's add (fault hooks / the naive worker's own code). */
  commitToRedis: Percentiles;
  /** Commit (Date.now) to the follow-up job's `timestamp` (set by BullMQ before it sends the add). */
  commitToJobTimestamp: Percentiles;
  /** Input job fed to follow-up job timestamp: queue wait and handling included. */
  fedToFollowup: Percentiles;
  cost: RunResult;
}

export interface Percentiles {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Scenario 2: messages fed at a fixed rate (half the maximum throughput), and for each follow-up the
 * time from its transaction's commit until Redis holds its job.
 */
export const latencyScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const runs: LatencyRun[] = [];
  let rate: { rate: number; source: string };
  try {
    rate = await feedRate(context);
    context.log(`  feeding ${rate.rate} msgs/s (${rate.source})`);
    for (const kind of ['naive', 'consistent'] as const) {
      await env.reset(PREFIX);
      const run = await latencyRun(env, kind, rate.rate, options.latencySeconds);
      context.log(
        `  ${kind}: commit -> job in Redis p50 ${figure(run.commitToRedis.p50)} ms, ` +
          `p99 ${figure(run.commitToRedis.p99)} ms`,
      );
      runs.push(run);
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
  const consistent = runs.find((run) => run.system === 'consistent');
  const targets = consistent
    ? [
        {
          target: `dispatch latency p50 < ${TARGET_P50_MS} ms (commit -> job in Redis)`,
          measured: `${figure(consistent.commitToRedis.p50)} ms`,
          pass: consistent.commitToRedis.p50 < TARGET_P50_MS,
        },
        {
          target: `dispatch latency p99 < ${TARGET_P99_MS} ms (commit -> job in Redis)`,
          measured: `${figure(consistent.commitToRedis.p99)} ms`,
          pass: consistent.commitToRedis.p99 < TARGET_P99_MS,
        },
      ]
    : [];
  return {
    name: 'latency',
    tables: [latencyTable(runs, rate.rate, options.latencySeconds)],
    targets,
    data: { rate, seconds: options.latencySeconds, concurrency: CONCURRENCY, runs },
  };
};

/** --rate, else half the consistent throughput at concurrency 16 (measured now if not yet). */
async function feedRate(context: ScenarioContext): Promise<{ rate: number; source: string }> {
  if (context.options.latencyRate) return { rate: context.options.latencyRate, source: '--rate' };
  let max = context.consistentPerSecondAt16;
  let source = 'half the consistent throughput at concurrency 16';
  if (max === undefined) {
    await context.env.reset(PREFIX);
    const messages = Math.min(3000, context.options.messages);
    const run = await throughputRun(context.env, 'consistent', {
      prefix: PREFIX,
      concurrency: CONCURRENCY,
      messages,
      label: 'calibration',
    });
    max = run.perSecond;
    source += `, calibrated with ${messages} messages`;
  }
  return { rate: Math.max(10, Math.round(max / 2)), source };
}

async function latencyRun(
  env: BenchEnv,
  kind: SystemKind,
  rate: number,
  seconds: number,
): Promise<LatencyRun> {
  const timings = new DispatchTimings();
  const queues = new BenchQueues(env, PREFIX);
  await env.settle();
  const system = await startSystem(kind, { prefix: PREFIX, concurrency: CONCURRENCY, timings });
  try {
    const meter = await Meter.start(env);
    const started = performance.now();
    const fedAt = await feedAtRate(queues, rate, seconds * 1000);
    const feedMs = performance.now() - started;
    await queues.waitUntilDone(fedAt.size, timeoutFor(fedAt.size));
    const cost = await meter.stop(kind, `${kind} latency`, fedAt.size, meter.elapsedMs());
    const warm = (id: string) => (timings.committedAt.get(id) ?? 0) - started >= WARM_UP_MS;
    const followups = await queues.sink.getWaiting(0, -1);
    const afterWarmUp = followups.filter((job) => job.id !== undefined && warm(job.id));
    return {
      system: kind,
      rate,
      messages: fedAt.size,
      achievedRate: (fedAt.size / feedMs) * 1000,
      commitToRedis: percentiles(
        [...timings.dispatchedAt.keys()]
          .filter(warm)
          .map((id) => (timings.dispatchedAt.get(id) ?? 0) - (timings.committedAt.get(id) ?? 0)),
      ),
      commitToJobTimestamp: percentiles(
        afterWarmUp.map((job) => job.timestamp - (timings.committedAtEpochMs.get(job.id!) ?? 0)),
      ),
      fedToFollowup: percentiles(
        afterWarmUp.map(
          (job) => job.timestamp - (fedAt.get(job.data.headers.causationId ?? '') ?? NaN),
        ),
      ),
      cost,
    };
  } finally {
    await system.close();
    await queues.close();
  }
}

/** Adds Work jobs at `rate` per second for `durationMs`; returns when each input was fed. */
async function feedAtRate(
  queues: BenchQueues,
  rate: number,
  durationMs: number,
): Promise<Map<string, number>> {
  const fedAt = new Map<string, number>();
  const started = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) return fedAt;
    const due = Math.floor((rate * elapsed) / 1000);
    if (due > sent) {
      const now = Date.now();
      for (const id of await queues.feed(due - sent, sent)) fedAt.set(id, now);
      sent = due;
    }
    await sleep(2);
  }
}

function percentiles(values: number[]): Percentiles {
  const clean = values.filter((value) => Number.isFinite(value));
  return {
    samples: clean.length,
    p50: percentile(clean, 50),
    p95: percentile(clean, 95),
    p99: percentile(clean, 99),
    max: percentile(clean, 100),
  };
}

function latencyTable(runs: LatencyRun[], rate: number, seconds: number): PrintedTable {
  const naive = runs.find((run) => run.system === 'naive');
  const consistent = runs.find((run) => run.system === 'consistent');
  const row = (
    name: string,
    pick: (run: LatencyRun) => number | undefined,
    target = '',
  ): string[] => [
    name,
    figure(naive && pick(naive)),
    figure(consistent && pick(consistent)),
    target,
  ];
  const p50 = consistent?.commitToRedis.p50 ?? NaN;
  const p99 = consistent?.commitToRedis.p99 ?? NaN;
  return {
    title: `Dispatch latency, ms: ${rate} msgs/s fed for ${seconds} s, concurrency ${CONCURRENCY}, first second left out`,
    columns: ['', 'naive', 'consistent', 'target'],
    rows: [
      row(
        'commit -> job in Redis, p50',
        (run) => run.commitToRedis.p50,
        target(p50, TARGET_P50_MS),
      ),
      row('  p95', (run) => run.commitToRedis.p95),
      row('  p99', (run) => run.commitToRedis.p99, target(p99, TARGET_P99_MS)),
      row('  max', (run) => run.commitToRedis.max),
      row('commit -> job.timestamp, p50', (run) => run.commitToJobTimestamp.p50),
      row('  p99', (run) => run.commitToJobTimestamp.p99),
      row('fed -> follow-up job.timestamp, p50', (run) => run.fedToFollowup.p50),
      row('  p99', (run) => run.fedToFollowup.p99),
      row('messages measured', (run) => run.commitToRedis.samples),
      row('rate achieved, msgs/s', (run) => run.achievedRate),
    ],
  };
}

function target(value: number, limit: number): string {
  return `< ${limit} ${passFail(value < limit)}`;
}
