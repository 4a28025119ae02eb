import { comparisonScenario, type RowOf, type Variant } from '../support/comparison-scenario';
import type { RunResult } from '../support/meter';
import { cpuRows, figure, ratio } from '../support/report';

const REPOSITORY = 'repository';
const REPOSITORY_READS = 'repository + 3 reads';
const CONTEXT_READS = 'context + 3 reads';

const VARIANTS: Variant[] = [
  { label: 'naive', kind: 'naive' },
  { label: 'consistent', kind: 'consistent' },
  { label: REPOSITORY, kind: 'consistent', handler: { via: 'repository' } },
  { label: REPOSITORY_READS, kind: 'consistent', handler: { via: 'repository', readBack: true } },
  { label: CONTEXT_READS, kind: 'consistent', handler: { via: 'context', readBack: true } },
];

/** Of the variants that join the unit, the one sending the same statements on `context.manager`. */
const SAME_ON_CONTEXT: Record<string, string> = {
  [REPOSITORY]: 'consistent',
  [REPOSITORY_READS]: CONTEXT_READS,
};

/**
 * What joining the handler's transaction costs, at concurrency 16: the handler writing its row
 * through an injected repository (the DataSource hands it the unit's query runner, the subscriber
 * checks each statement) against `context.manager`, with and without three reads of the row after
 * the insert; the naive worker for reference. Each variant runs once untimed first.
 */
export const joiningScenario = comparisonScenario({
  name: 'joining',
  heading: 'Joining',
  prefix: 'bench_join_',
  variants: VARIANTS,
  // The repository and read paths are new to the process: compiled before any timed run.
  warmUpMessages: 500,
  rows: joiningRows,
});

function joiningRows(runs: RunResult[], row: RowOf): string[][] {
  const byLabel = (label: string | undefined) => runs.find((run) => run.label === label);
  const consistent = byLabel('consistent');
  /** `value` of a joining run against its counterpart on `context.manager`; '-' for the others. */
  const against = (run: RunResult, value: (other: RunResult) => string) => {
    const other = byLabel(SAME_ON_CONTEXT[run.label]);
    return other ? value(other) : '-';
  };
  const nodeUs = (run: RunResult) => (run.perMessage.cpuMs.node ?? NaN) * 1000;
  /** Statements on the business table per message: those that join the unit in `repository`. */
  const onRows = (run: RunResult) =>
    ((run.client.sql['INSERT row'] ?? 0) + (run.client.sql['SELECT row'] ?? 0)) / run.messages;
  return [
    row('msgs/s', (run) => figure(run.perSecond)),
    row('  / consistent', (run) => ratio(run.perSecond / (consistent?.perSecond ?? NaN))),
    row('  / same on context.manager', (run) =>
      against(run, (other) => ratio(run.perSecond / other.perSecond)),
    ),
    row('SQL statements sent', (run) => figure(run.perMessage.sqlStatements)),
    row('  on the row table', (run) => figure(onRows(run))),
    row('  failed', (run) => figure((run.client.sql['(failed)'] ?? 0) / run.messages)),
    ...cpuRows(runs),
    row('node CPU µs over context.manager', (run) =>
      against(run, (other) => figure(nodeUs(run) - nodeUs(other))),
    ),
    row('  per statement on the row table', (run) =>
      against(run, (other) => figure((nodeUs(run) - nodeUs(other)) / onRows(run))),
    ),
  ];
}
