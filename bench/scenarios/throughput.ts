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

const KINDS: SystemKind[] = ['naive', 'consistent', 'tuned'];

export interface ThroughputPoint {
  concurrency: number;
  /** Median msgs/s of each system. */
  perSecond: Record<SystemKind, number>;
  /** Consistent (library defaults) over naive, and tuned over naive. */
  ratio: number;
  tunedRatio: number;
  runs: RunResult[];
}

/**
 * Scenario 1: M messages pre-loaded into the paused input queue, then timed until all are handled,
 * for the naive worker, the library with its defaults and the library tuned (`batchSize: 8`) in turn, at each concurrency; the median of the rounds counts.
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
        for (const kind of rotated(KINDS, index + round)) {
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
  context.consistentPerSecondAt16 = atTarget?.perSecond.consistent;
  const targets: TargetCheck[] = atTarget
    ? [
        {
          target: `throughput tuned/naive at concurrency ${TARGET_CONCURRENCY} >= ${TARGET_RATIO}`,
          measured: ratio(atTarget.tunedRatio),
          pass: atTarget.tunedRatio >= TARGET_RATIO,
        },
        {
          target: `throughput consistent (defaults)/naive at concurrency ${TARGET_CONCURRENCY} >= ${TARGET_RATIO}`,
          measured: ratio(atTarget.ratio),
          pass: atTarget.ratio >= TARGET_RATIO,
        },
      ]
    : [];
  return {
    name: 'throughput',
    tables: [throughputTable(points, options.messages, options.rounds), costTable(points)],
    targets,
    data: { messages: options.messages, rounds: options.rounds, points },
  };
};

/** The systems in turn, starting at a different one each turn, so that none always runs first. */
function rotated(kinds: SystemKind[], turn: number): SystemKind[] {
  const start = turn % kinds.length;
  return [...kinds.slice(start), ...kinds.slice(0, start)];
}

function pointOf(concurrency: number, runs: RunResult[]): ThroughputPoint {
  const of = (kind: SystemKind) =>
    median(runs.filter((run) => run.system === kind).map((run) => run.perSecond));
  const perSecond = { naive: of('naive'), consistent: of('consistent'), tuned: of('tuned') };
  return {
    concurrency,
    perSecond,
    ratio: perSecond.consistent / perSecond.naive,
    tunedRatio: perSecond.tuned / perSecond.naive,
    runs,
  };
}

function throughputTable(
  points: ThroughputPoint[],
  messages: number,
  rounds: number,
): PrintedTable {
  const target = (point: ThroughputPoint, value: number) =>
    point.concurrency === TARGET_CONCURRENCY
      ? `${ratio(value)} (>= ${TARGET_RATIO} ${passFail(value >= TARGET_RATIO)})`
      : ratio(value);
  return {
    title:
      `Throughput: ${figure(messages)} messages pre-loaded, msgs/s, median of ${rounds}; tuned = ` +
      'batchSize 8 (CPU ratio: naive/other CPU ms per message, all processes)',
    columns: [
      'concurrency',
      'naive',
      'consistent',
      'ratio',
      'CPU ratio',
      'tuned',
      'ratio',
      'CPU ratio',
    ],
    rows: points.map((point) => [
      String(point.concurrency),
      figure(point.perSecond.naive),
      figure(point.perSecond.consistent),
      target(point, point.ratio),
      ratio(cpuRatio(point, 'consistent')),
      figure(point.perSecond.tuned),
      target(point, point.tunedRatio),
      ratio(cpuRatio(point, 'tuned')),
    ]),
  };
}

/** What one message costs, per system and concurrency (the median-throughput run of each). */
export function costTable(points: ThroughputPoint[]): PrintedTable {
  const runs = points.flatMap((point) => KINDS.map((kind) => medianRun(point.runs, kind)));
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
      // Only where the server counts statements (not PostgreSQL): left out rather than shown as 0.
      ...(runs.some((run) => run.perMessage.serverQuestions !== undefined)
        ? [row('MariaDB Questions (server)', (run) => figure(run.perMessage.serverQuestions))]
        : []),
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
 * Naive CPU per message over the other system's (Node, the database and Redis together): the throughput
 * ratio to expect when the machine's cores are the limit, less sensitive to other load.
 */
function cpuRatio(point: ThroughputPoint, kind: SystemKind): number {
  return totalCpuMs(medianRun(point.runs, 'naive')) / totalCpuMs(medianRun(point.runs, kind));
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
