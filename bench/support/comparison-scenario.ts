import type { ScenarioName } from '../bench-options';
import { averageRuns, type RunResult, type SystemKind } from './meter';
import { figure, type Scenario, type ScenarioContext } from './report';
import { throughputRun, type ThroughputRunOptions } from './throughput-run';

/** One column of a comparison: a system and what differs from its defaults. */
export interface Variant extends Omit<ThroughputRunOptions, 'prefix' | 'concurrency' | 'messages'> {
  kind: SystemKind;
}

/** A table row: its name, then one cell per variant. */
export type RowOf = (name: string, cell: (run: RunResult) => string) => string[];

export interface Comparison {
  name: ScenarioName;
  /** The table title's first word: `Batching`. */
  heading: string;
  /** Table prefix of the scenario's tables. */
  prefix: string;
  variants: Variant[];
  /**
   * Untimed runs of this many messages of every variant before the timed rounds, for code paths the
   * bench's warm-up does not take: else the first timed run of a path pays for its compilation.
   */
  warmUpMessages?: number;
  /** Messages per run; the options' `shortRunMessages` otherwise. */
  messages?: (shortRunMessages: number) => number;
  /** The table's rows, from the mean run of each variant in the order of `variants`. */
  rows(means: RunResult[], row: RowOf): string[][];
}

export const COMPARISON_CONCURRENCY = 16;

/**
 * A scenario comparing variants at concurrency 16: each one run twice, the second round in reverse
 * order so that no variant always runs first or last; one table of the means.
 */
export function comparisonScenario(comparison: Comparison): Scenario {
  return async (context) => {
    const messages = messagesOf(context, comparison);
    const runs = await runTwice(context, comparison);
    const means = comparison.variants.map((variant) =>
      averageRuns(runs.filter((run) => run.label === variant.label)),
    );
    const row: RowOf = (name, cell) => [name, ...means.map(cell)];
    return {
      name: comparison.name,
      tables: [
        {
          title: `${comparison.heading}: ${figure(messages)} messages at concurrency ${COMPARISON_CONCURRENCY}, mean of two rounds (second in reverse order), per message unless said`,
          columns: ['', ...means.map((run) => run.label)],
          rows: comparison.rows(means, row),
        },
      ],
      targets: [],
      data: { messages, concurrency: COMPARISON_CONCURRENCY, runs },
    };
  };
}

async function runTwice(context: ScenarioContext, comparison: Comparison): Promise<RunResult[]> {
  const { env } = context;
  const { prefix, variants, warmUpMessages } = comparison;
  const run = async ({ kind, ...variant }: Variant, messages: number) => {
    await env.reset(prefix);
    return throughputRun(env, kind, {
      ...variant,
      prefix,
      concurrency: COMPARISON_CONCURRENCY,
      messages,
    });
  };
  await env.dropPrefix(prefix);
  await env.createTables(prefix);
  const runs: RunResult[] = [];
  try {
    // The bench's noise report leaves out runs labelled `warm-up`.
    if (warmUpMessages)
      for (const variant of variants) await run({ ...variant, label: 'warm-up' }, warmUpMessages);
    for (const variant of [...variants, ...[...variants].reverse()]) {
      const result = await run(variant, messagesOf(context, comparison));
      context.log(`  ${variant.label}: ${figure(result.perSecond)} msgs/s`);
      runs.push(result);
    }
  } finally {
    await env.dropPrefix(prefix);
  }
  return runs;
}

function messagesOf(context: ScenarioContext, comparison: Comparison): number {
  const { shortRunMessages } = context.options;
  return comparison.messages?.(shortRunMessages) ?? shortRunMessages;
}
