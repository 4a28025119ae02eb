import type { RelayOptions } from '../../lib';
import { averageRuns, type RunResult, type SystemKind } from '../support/meter';
import { cpuRows, figure, ratio, type PrintedTable, type Scenario } from '../support/report';
import { throughputRun } from '../support/throughput-run';

const PREFIX = 'bench_bat_';
const CONCURRENCY = 16;

interface Variant {
  label: string;
  kind: SystemKind;
  relay?: RelayOptions;
  batchSize?: number;
}

const VARIANTS: Variant[] = [
  { label: 'naive', kind: 'naive' },
  { label: 'consistent', kind: 'consistent' },
  { label: 'markBatchSize 1', kind: 'consistent', relay: { markBatchSize: 1 } },
  { label: 'batchSize 4', kind: 'consistent', batchSize: 4 },
  { label: 'batchSize 8', kind: 'consistent', batchSize: 8 },
  { label: 'batchSize 16', kind: 'consistent', batchSize: 16 },
  { label: 'tuned', kind: 'tuned' },
];

/**
 * What each kind of batching buys, at concurrency 16: the library with its defaults, then with one
 * dispatched-mark UPDATE per message (`markBatchSize: 1`), with shared transactions (`batchSize`),
 * and tuned (`batchSize: 8`); the naive worker for reference.
 */
export const batchingScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const runs: RunResult[] = [];
  try {
    // Two rounds, the second in reverse order, so that no variant always runs first or last.
    for (const variant of [...VARIANTS, ...[...VARIANTS].reverse()]) {
      await env.reset(PREFIX);
      const run = await throughputRun(env, variant.kind, {
        prefix: PREFIX,
        concurrency: CONCURRENCY,
        messages: options.shortRunMessages,
        label: variant.label,
        relay: variant.relay,
        batchSize: variant.batchSize,
      });
      context.log(`  ${variant.label}: ${figure(run.perSecond)} msgs/s`);
      runs.push(run);
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
  return {
    name: 'batching',
    tables: [
      batchingTable(
        VARIANTS.map((variant) => averageRuns(runs.filter((run) => run.label === variant.label))),
        options.shortRunMessages,
      ),
    ],
    targets: [],
    data: { messages: options.shortRunMessages, concurrency: CONCURRENCY, runs },
  };
};

function batchingTable(runs: RunResult[], messages: number): PrintedTable {
  const naive = runs.find((run) => run.system === 'naive');
  const row = (name: string, cell: (run: RunResult) => string) => [name, ...runs.map(cell)];
  const per = (run: RunResult, value: number | undefined) => figure((value ?? 0) / run.messages);
  return {
    title: `Batching: ${figure(messages)} messages at concurrency ${CONCURRENCY}, mean of two rounds (second in reverse order), per message unless said`,
    columns: ['', ...runs.map((run) => run.label)],
    rows: [
      row('msgs/s', (run) => figure(run.perSecond)),
      row('  / naive', (run) => ratio(run.perSecond / (naive?.perSecond ?? NaN))),
      row('SQL statements sent', (run) => figure(run.perMessage.sqlStatements)),
      row('  UPDATE outbox (marks)', (run) => per(run, run.client.sql['UPDATE outbox'])),
      row('Redis commands sent', (run) => figure(run.perMessage.redisCommands)),
      row('Redis socket writes', (run) => figure(run.perMessage.redisWrites)),
      ...cpuRows(runs),
    ],
  };
}
