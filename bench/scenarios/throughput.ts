import type { RunResult, SystemKind } from '../support/meter';
import {
  cpuRows,
  figure,
  totalCpuMs,
  median,
  passFail,
  ratio,
  type PrintedTable,
  type Scenario,
  type TargetCheck,
} from '../support/report';
import { throughputRun } from '../support/throughput-run';

const PREFIX = 'bench_tp_';
const TARGET_RATIO = 0.8;
const TARGET_CONCURRENCY = 16;

export interface ThroughputPoint {
  concurrency: number;
  naive: number;
  consistent: number;
  ratio: number;
  runs: RunResult[];
}

/**
 * Scenario 1: M messages pre-loaded into the paused input queue, then timed until all are handled,
 * for the naive worker and the consistent endpoint in turn, at each concurrency.
 */
export const throughputScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const points: ThroughputPoint[] = [];
  try {
    for (const [index, concurrency] of options.concurrencies.entries()) {
      const runs: RunResult[] = [];
      for (let round = 0; round < options.rounds; round++) {
        for (const kind of alternating(index + round)) {
          await env.reset(PREFIX);
          const label = `${kind} c${concurrency}`;
          const run = await throughputRun(env, kind, {
            prefix: PREFIX,
            concurrency,
            messages: options.messages,
            label,
          });
          context.log(`  ${label}: ${figure(run.perSecond)} msgs/s`);
          runs.push(run);
        }
      }
      points.push(pointOf(concurrency, runs));
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
  const atTarget = points.find((point) => point.concurrency === TARGET_CONCURRENCY);
  context.consistentPerSecondAt16 = atTarget?.consistent;
  const targets: TargetCheck[] = atTarget
    ? [
        {
          target: `throughput consistent/naive at concurrency ${TARGET_CONCURRENCY} >= ${TARGET_RATIO}`,
          measured: ratio(atTarget.ratio),
          pass: atTarget.ratio >= TARGET_RATIO,
        },
      ]
    : [];
  return {
    name: 'throughput',
    tables: [throughputTable(points, options.messages), costTable(points)],
    targets,
    data: { messages: options.messages, rounds: options.rounds, points },
  };
};

/** Naive first on even turns, consistent first on odd ones, so neither always runs warm. */
export function alternating(turn: number): SystemKind[] {
  return turn % 2 === 0 ? ['naive', 'consistent'] : ['consistent', 'naive'];
}

function pointOf(concurrency: number, runs: RunResult[]): ThroughputPoint {
  const of = (kind: SystemKind) =>
    median(runs.filter((run) => run.system === kind).map((run) => run.perSecond));
  const naive = of('naive');
  const consistent = of('consistent');
  return { concurrency, naive, consistent, ratio: consistent / naive, runs };
}

function throughputTable(points: ThroughputPoint[], messages: number): PrintedTable {
  return {
    title: `Throughput: ${figure(messages)} messages pre-loaded, msgs/s (CPU ratio: naive/consistent CPU ms per message, all processes)`,
    columns: ['concurrency', 'naive', 'consistent', 'ratio', 'target', 'CPU ratio'],
    rows: points.map((point) => [
      String(point.concurrency),
      figure(point.naive),
      figure(point.consistent),
      ratio(point.ratio),
      point.concurrency === TARGET_CONCURRENCY
        ? `>= ${TARGET_RATIO} ${passFail(point.ratio >= TARGET_RATIO)}`
        : '',
      ratio(cpuRatio(point)),
    ]),
  };
}

/** What one message costs, per system and concurrency (the median-throughput run of each). */
export function costTable(points: ThroughputPoint[]): PrintedTable {
  const runs = points.flatMap((point) =>
    (['naive', 'consistent'] as const).map((kind) => medianRun(point.runs, kind)),
  );
  const sqlKinds = keysOf(runs, (run) => run.client.sql, SQL_ORDER);
  const redisKinds = keysOf(runs, (run) => run.client.redis, []);
  const per = (run: RunResult, value: number | undefined) => figure((value ?? 0) / run.messages);
  const row = (name: string, cell: (run: RunResult) => string) => [name, ...runs.map(cell)];
  return {
    title:
      'Cost per message (sent = counted in this process; server = global counters, other clients included)',
    columns: ['', ...runs.map((run) => run.label)],
    rows: [
      row('SQL statements sent', (run) => figure(run.perMessage.sqlStatements)),
      ...sqlKinds.map((kind) => row(`  ${kind}`, (run) => per(run, run.client.sql[kind]))),
      row('MariaDB Questions (server)', (run) => figure(run.perMessage.serverQuestions)),
      row('Redis commands sent', (run) => figure(run.perMessage.redisCommands)),
      ...redisKinds.map((kind) =>
        row(`  ${kind.replace(/:\d+\.\d+\.\d+$/, '')}`, (run) => per(run, run.client.redis[kind])),
      ),
      row('Redis socket writes', (run) => figure(run.perMessage.redisWrites)),
      row('Redis commands run (server, in scripts too)', (run) =>
        figure(run.perMessage.redisServerCalls),
      ),
      ...cpuRows(runs),
    ],
  };
}

/**
 * Naive CPU per message over consistent CPU per message (Node, MariaDB and Redis together): the
 * throughput ratio to expect when the machine's cores are the limit, less sensitive to other load.
 */
function cpuRatio(point: ThroughputPoint): number {
  return (
    totalCpuMs(medianRun(point.runs, 'naive')) / totalCpuMs(medianRun(point.runs, 'consistent'))
  );
}

function medianRun(runs: RunResult[], kind: SystemKind): RunResult {
  const mine = runs.filter((run) => run.system === kind).sort((a, b) => a.perSecond - b.perSecond);
  return mine[Math.floor((mine.length - 1) / 2)];
}

const SQL_ORDER = [
  'START',
  'INSERT inbox',
  'INSERT row',
  'INSERT outbox',
  'COMMIT',
  'UPDATE outbox',
  'SELECT outbox',
];

/** Keys that matter (0.005 per message or more in some run): those in `order` first, then by size. */
function keysOf(
  runs: RunResult[],
  counts: (run: RunResult) => Record<string, number>,
  order: string[],
): string[] {
  const largest = new Map<string, number>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(counts(run))) {
      const perMessage = value / run.messages;
      if (perMessage >= 0.005) largest.set(key, Math.max(largest.get(key) ?? 0, perMessage));
    }
  }
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  return [...largest.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1])
    .map(([key]) => key);
}
