import { comparisonScenario, type RowOf, type Variant } from '../support/comparison-scenario';
import type { RunResult } from '../support/meter';
import { cpuRows, figure, ratio } from '../support/report';

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
export const batchingScenario = comparisonScenario({
  name: 'batching',
  heading: 'Batching',
  prefix: 'bench_bat_',
  variants: VARIANTS,
  rows: batchingRows,
});

function batchingRows(runs: RunResult[], row: RowOf): string[][] {
  const naive = runs.find((run) => run.system === 'naive');
  const per = (run: RunResult, value: number | undefined) => figure((value ?? 0) / run.messages);
  return [
    row('msgs/s', (run) => figure(run.perSecond)),
    row('  / naive', (run) => ratio(run.perSecond / (naive?.perSecond ?? NaN))),
    row('SQL statements sent', (run) => figure(run.perMessage.sqlStatements)),
    row('  UPDATE outbox (marks)', (run) => per(run, run.client.sql['UPDATE outbox'])),
    row('Redis commands sent', (run) => figure(run.perMessage.redisCommands)),
    row('Redis socket writes', (run) => figure(run.perMessage.redisWrites)),
    ...cpuRows(runs),
  ];
}
