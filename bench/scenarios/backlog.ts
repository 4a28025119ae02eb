import { performance } from 'perf_hooks';
import type { BenchEnv } from '../support/bench-env';
import { BenchQueues, sleep, timeoutFor } from '../support/bench-queues';
import { startConsistent } from '../support/consistent-system';
import { Meter, type RunResult, type SystemKind } from '../support/meter';
import { NaiveRelay } from '../support/naive-relay';
import { figure, passFail, ratio, type Scenario } from '../support/report';
import { measuredProcesses } from '../support/server-counters';

const PREFIX = 'bench_bl_';
const TARGET_ROWS_PER_SECOND = 5000;
/** The sweeper's settings in this scenario: library defaults but a short delay and interval. */
const RELAY = { sweepDelayMs: 100, sweepIntervalMs: 100 };

/**
 * Scenario 3: committed, undispatched outbox rows (as after a Redis outage) loaded with SQL, then
 * drained by the library's sweeper, and by a hand-written relay for comparison.
 */
export const backlogScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const runs: (RunResult & { loadSeconds: number })[] = [];
  try {
    for (const kind of ['naive', 'consistent'] as const) {
      await env.reset(PREFIX);
      const loadStarted = performance.now();
      await env.database.bulkRows(env.admin, PREFIX).outbox(options.backlogRows, {
        dispatched: false,
        salt: `${kind}-${Date.now()}`,
      });
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const run = await drain(env, kind, options.backlogRows);
      context.log(
        `  ${kind}: loaded ${figure(options.backlogRows)} rows in ${loadSeconds.toFixed(1)} s, ` +
          `drained at ${figure(run.perSecond)} rows/s`,
      );
      runs.push({ ...run, loadSeconds });
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
  const naive = runs.find((run) => run.system === 'naive');
  const consistent = runs.find((run) => run.system === 'consistent');
  const drained = consistent?.perSecond ?? 0;
  return {
    name: 'backlog',
    tables: [
      {
        title: `Backlog drain: ${figure(options.backlogRows)} committed undispatched rows (naive = hand-written relay: SELECT 500, addBulk, UPDATE)`,
        columns: ['', 'naive relay', 'sweeper', 'ratio', 'target'],
        rows: [
          [
            'rows/s',
            figure(naive?.perSecond),
            figure(consistent?.perSecond),
            ratio(drained / (naive?.perSecond ?? NaN)),
            `>= ${figure(TARGET_ROWS_PER_SECOND)} ${passFail(drained >= TARGET_ROWS_PER_SECOND)}`,
          ],
          ...perThousand(naive, consistent),
        ],
      },
    ],
    targets: consistent
      ? [
          {
            target: `backlog drain >= ${figure(TARGET_ROWS_PER_SECOND)} rows/s`,
            measured: `${figure(drained)} rows/s`,
            pass: drained >= TARGET_ROWS_PER_SECOND,
          },
        ]
      : [],
    data: { rows: options.backlogRows, relay: RELAY, runs },
  };
};

/** What 1,000 rows cost each relay. */
function perThousand(naive: RunResult | undefined, consistent: RunResult | undefined): string[][] {
  const row = (name: string, pick: (run: RunResult) => number | undefined) => [
    `${name} per 1,000 rows`,
    ...[naive, consistent].map((run) => (run ? figure((pick(run) ?? NaN) * 1000) : '-')),
    '',
    '',
  ];
  return [
    row('SQL statements', (run) => run.perMessage.sqlStatements),
    row('Redis commands', (run) => run.perMessage.redisCommands),
    row('Redis socket writes', (run) => run.perMessage.redisWrites),
    ...measuredProcesses().map((name) =>
      row(`CPU ms ${name}`, (run) => run.perMessage.cpuMs[name]),
    ),
  ];
}

/** Times one drain from the moment the relay is ready until no row is pending. */
async function drain(env: BenchEnv, kind: SystemKind, rows: number): Promise<RunResult> {
  const queues = new BenchQueues(env, PREFIX);
  await env.settle();
  try {
    if (kind === 'naive') {
      const relay = new NaiveRelay(env.database, PREFIX);
      await relay.open();
      try {
        const meter = await Meter.start(env);
        const dispatched = await relay.drain();
        if (dispatched !== rows) throw new Error(`naive relay dispatched ${dispatched}/${rows}`);
        return await meter.stop(kind, 'naive relay', rows, meter.elapsedMs());
      } finally {
        await relay.close();
      }
    }
    // A producer-only endpoint: its sweeper starts 100 ms after the app is up.
    const system = await startConsistent({
      prefix: PREFIX,
      concurrency: 1,
      consume: false,
      relay: RELAY,
    });
    try {
      const meter = await Meter.start(env);
      await queues.waitUntilDone(rows, timeoutFor(rows));
      await waitUntilNonePending(env, timeoutFor(rows));
      return await meter.stop(kind, 'sweeper', rows, meter.elapsedMs());
    } finally {
      await system.close();
    }
  } finally {
    await queues.close();
  }
}

async function waitUntilNonePending(env: BenchEnv, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ pending }]: { pending: string }[] = await env.admin.query(
      `SELECT COUNT(*) AS pending FROM ${env.database.quote(`${PREFIX}outbox`)}
       WHERE dispatched_at IS NULL`,
    );
    if (Number(pending) === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} outbox rows still pending`);
    await sleep(25);
  }
}
