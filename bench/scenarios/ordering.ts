import { comparisonScenario, type RowOf, type Variant } from '../support/comparison-scenario';
import type { RunResult } from '../support/meter';
import { cpuRows, figure, ratio } from '../support/report';

/** Issue 16's target: ordered traffic over 10,000 keys at this share of unordered throughput. */
const TARGET_RATIO = 0.8;

const VARIANTS: Variant[] = [
  { label: 'naive', kind: 'naive' },
  { label: 'unordered', kind: 'consistent' },
  { label: '10,000 keys', kind: 'consistent', keys: 10_000 },
  { label: '10 keys', kind: 'consistent', keys: 10 },
];

/**
 * Ordered traffic against unordered, at concurrency 16: input messages carry ordering keys (the
 * messages of a key numbered in feed order) and each handler sends its follow-up under the same
 * key, so both the receivers' gate and the senders' numbering are paid for. 10 keys let at most 10
 * messages run at once, one per key; 10,000 keys almost never make two wait on each other.
 */
export const orderingScenario = comparisonScenario({
  name: 'ordering',
  heading: 'Ordering',
  prefix: 'bench_ord_',
  variants: VARIANTS,
  // A full run gives each of 10,000 keys two messages: the second takes the path of a known key.
  messages: (shortRunMessages) => shortRunMessages * 4,
  warmUpMessages: 500,
  rows: orderingRows,
});

function orderingRows(runs: RunResult[], row: RowOf): string[][] {
  const unordered = runs.find((run) => run.label === 'unordered');
  const share = (run: RunResult) => run.perSecond / (unordered?.perSecond ?? NaN);
  return [
    row('msgs/s', (run) => figure(run.perSecond)),
    row('  / unordered', (run) =>
      run.label.endsWith('keys')
        ? `${ratio(share(run))}${run.label.startsWith('10,000') ? ` (target >= ${TARGET_RATIO})` : ''}`
        : ratio(share(run)),
    ),
    row('p99 ms in the worker', (run) => figure(run.handlingP99Ms, 1)),
    row('SQL statements sent', (run) => figure(run.perMessage.sqlStatements)),
    row('Redis commands sent', (run) => figure(run.perMessage.redisCommands)),
    ...cpuRows(runs),
  ];
}
