import { performance } from 'perf_hooks';
import { resolveMessagingOptions } from '../../lib/consistent-messaging.options';
import { InboxStore } from '../../lib/inbox/inbox.store';
import { OutboxStore } from '../../lib/outbox/outbox.store';
import type { BenchEnv } from '../support/bench-env';
import { BulkRows } from '../support/bulk-rows';
import { envelopeOf, Followup, newMessageId } from '../support/messages';
import type { RunResult } from '../support/meter';
import {
  figure,
  median,
  passFail,
  ratio,
  totalCpuMs,
  type PrintedTable,
  type Scenario,
} from '../support/report';
import { redis } from '../support/services';
import { throughputRun } from '../support/throughput-run';

const PREFIX = 'bench_ts_';
const CONCURRENCY = 16;
const TARGET_RATIO = 1.5;
const STATEMENT_SAMPLES = 200;

interface Phase {
  oldRows: number;
  runs: RunResult[];
  /** Median ms of the library's own statements, run alone on an idle connection. */
  statementsMs: Record<string, number>;
  claimPlan: unknown;
}

/**
 * Scenario 4: the cost of a message with empty messaging tables and with a million old rows in
 * each (dispatched outbox rows, inbox records of the same endpoint): scenario 1 at concurrency 16,
 * plus the sweeper's claim and the inbox insert timed alone.
 */
export const tableSizeScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const phases: Phase[] = [];
  let loadSeconds = 0;
  let flushSeconds = 0;
  try {
    phases.push(await phase(env, 0, options.shortRunMessages, context.log));
    const loadStarted = performance.now();
    const bulk = new BulkRows(env.admin, PREFIX);
    await bulk.outbox(options.tableRows, { dispatched: true, salt: 'old' });
    await bulk.inbox(options.tableRows, 'old');
    await env.admin.query(`ANALYZE TABLE \`${PREFIX}outbox\`, \`${PREFIX}inbox\``);
    loadSeconds = (performance.now() - loadStarted) / 1000;
    flushSeconds = (await env.settleFlushing()) / 1000;
    context.log(`  waited ${flushSeconds.toFixed(1)} s for InnoDB to flush the load`);
    context.log(
      `  loaded ${figure(options.tableRows)} old rows per table in ${loadSeconds.toFixed(1)} s`,
    );
    phases.push(await phase(env, options.tableRows, options.shortRunMessages, context.log));
  } finally {
    await env.dropPrefix(PREFIX);
  }
  const [empty, big] = phases;
  const costRatio = (kind: RunResult['system']) =>
    msPerMessage(big.runs, kind) / msPerMessage(empty.runs, kind);
  const consistentRatio = costRatio('consistent');
  return {
    name: 'table-size',
    tables: [tableSizeTable(phases, options.shortRunMessages, consistentRatio, costRatio('naive'))],
    targets: [
      {
        target: `per-message cost with ${figure(options.tableRows)} old rows / empty tables < ${TARGET_RATIO}`,
        measured: ratio(consistentRatio),
        pass: consistentRatio < TARGET_RATIO,
      },
    ],
    data: {
      oldRows: options.tableRows,
      messages: options.shortRunMessages,
      loadSeconds,
      flushSeconds,
      phases,
    },
  };
};

async function phase(
  env: BenchEnv,
  oldRows: number,
  messages: number,
  log: (line: string) => void,
): Promise<Phase> {
  const runs: RunResult[] = [];
  const newRowsAfter = await maxOutboxId(env);
  // Naive first in both phases, each run after the page cleaner caught up: the naive run is the
  // drift control of the machine itself, taken just before the consistent run.
  for (const kind of ['naive', 'consistent'] as const) {
    await resetNewRows(env, newRowsAfter);
    await env.settleFlushing();
    const label = `${kind} ${oldRows === 0 ? 'empty' : `${figure(oldRows)} old rows`}`;
    const run = await throughputRun(env, kind, {
      prefix: PREFIX,
      concurrency: CONCURRENCY,
      messages,
      label,
    });
    log(`  ${label}: ${figure(run.perSecond)} msgs/s`);
    runs.push(run);
  }
  await resetNewRows(env, newRowsAfter);
  return { oldRows, runs, ...(await statementTimings(env)) };
}

/** Removes what earlier runs added, keeping the old rows. */
async function resetNewRows(env: BenchEnv, outboxIdAbove: number): Promise<void> {
  if (outboxIdAbove === 0) return env.reset(PREFIX);
  await env.admin.query(`TRUNCATE TABLE \`${PREFIX}row\``);
  await env.admin.query(`DELETE FROM \`${PREFIX}outbox\` WHERE id > ?`, [outboxIdAbove]);
  await env.admin.query(
    `DELETE FROM \`${PREFIX}inbox\` WHERE processed_at > NOW(3) - INTERVAL 1 HOUR`,
  );
  await env.dropRedisKeys(`${PREFIX.replace(/_+$/, '')}:*`);
}

async function maxOutboxId(env: BenchEnv): Promise<number> {
  const [{ id }]: { id: string | null }[] = await env.admin.query(
    `SELECT MAX(id) AS id FROM \`${PREFIX}outbox\``,
  );
  return Number(id ?? 0);
}

/**
 * Times the library's per-message statements alone (each in a transaction that is rolled back):
 * the inbox insert, the outbox insert, the sweeper's claim; and the claim's plan.
 */
async function statementTimings(env: BenchEnv): Promise<Pick<Phase, 'statementsMs' | 'claimPlan'>> {
  const options = resolveMessagingOptions({ endpoint: 'work', redis, tablePrefix: PREFIX });
  const inbox = new InboxStore(options);
  const outbox = new OutboxStore(env.admin, options);
  const samples: Record<string, number[]> = { 'inbox insert': [], 'outbox insert': [], claim: [] };
  const time = async (name: string, statement: () => Promise<unknown>) => {
    const started = performance.now();
    await statement();
    samples[name].push(performance.now() - started);
  };
  const runner = env.admin.createQueryRunner();
  try {
    for (let i = 0; i < STATEMENT_SAMPLES; i++) {
      await runner.startTransaction();
      await time('inbox insert', () =>
        inbox.tryRecord(runner, 'work', newMessageId(), 'bench.Work'),
      );
      const message = envelopeOf(new Followup(i, 1000), newMessageId());
      await time('outbox insert', () =>
        outbox.insert(runner, [{ ...message, destination: 'sink' }]),
      );
      await runner.rollbackTransaction();
      await runner.startTransaction();
      await time('claim', () => outbox.claimPending(runner, 500, 5000));
      await runner.rollbackTransaction();
    }
  } finally {
    await runner.release();
  }
  const claimPlan = await env.admin.query(
    `EXPLAIN SELECT id FROM \`${PREFIX}outbox\` WHERE dispatched_at IS NULL
     AND created_at <= NOW(3) - INTERVAL 5 SECOND ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
  );
  const statementsMs = Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, median(values)]),
  );
  return { statementsMs, claimPlan };
}

function msPerMessage(runs: RunResult[], kind: RunResult['system']): number {
  const run = runs.find((candidate) => candidate.system === kind);
  return run ? 1000 / run.perSecond : NaN;
}

/** CPU ms per message of Node, MariaDB and Redis together: less sensitive to other load. */
function cpuRow(empty: Phase | undefined, big: Phase | undefined): string[] {
  const cpu = (phase: Phase | undefined, kind: RunResult['system']) => {
    const run = phase?.runs.find((candidate) => candidate.system === kind);
    return run ? totalCpuMs(run) : NaN;
  };
  return [
    'CPU ms per message, all processes',
    figure(cpu(empty, 'naive'), 3),
    figure(cpu(empty, 'consistent'), 3),
    figure(cpu(big, 'naive'), 3),
    figure(cpu(big, 'consistent'), 3),
    `${ratio(cpu(big, 'consistent') / cpu(empty, 'consistent'))} (naive ${ratio(cpu(big, 'naive') / cpu(empty, 'naive'))})`,
    '',
  ];
}

function tableSizeTable(
  phases: Phase[],
  messages: number,
  consistentRatio: number,
  naiveRatio: number,
): PrintedTable {
  const [empty, big] = phases;
  const cell = (phase: Phase | undefined, kind: RunResult['system']) =>
    phase ? figure(msPerMessage(phase.runs, kind), 3) : '-';
  const statement = (name: string) => [
    `${name}, ms (alone, median)`,
    '',
    figure(empty?.statementsMs[name], 3),
    '',
    figure(big?.statementsMs[name], 3),
    ratio((big?.statementsMs[name] ?? NaN) / (empty?.statementsMs[name] ?? NaN)),
    '',
  ];
  return {
    title: `Table size: ${figure(messages)} messages at concurrency ${CONCURRENCY}, empty tables vs ${figure(big?.oldRows ?? 0)} old rows in outbox and inbox (naive has no such tables: drift control)`,
    columns: [
      'per message',
      'naive empty',
      'consistent empty',
      'naive big',
      'consistent big',
      'ratio',
      'target',
    ],
    rows: [
      [
        'wall ms per message',
        cell(empty, 'naive'),
        cell(empty, 'consistent'),
        cell(big, 'naive'),
        cell(big, 'consistent'),
        `${ratio(consistentRatio)} (naive ${ratio(naiveRatio)})`,
        `< ${TARGET_RATIO} ${passFail(consistentRatio < TARGET_RATIO)}`,
      ],
      cpuRow(empty, big),
      statement('inbox insert'),
      statement('outbox insert'),
      statement('claim'),
    ],
  };
}
