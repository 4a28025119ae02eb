import { performance } from 'perf_hooks';
import { InboxStore } from '../../lib/inbox/inbox.store';
import { OutboxStore } from '../../lib/outbox/outbox.store';
import { messagingTableNames } from '../../lib/storage/messaging-table-names';
import { dialectOf } from '../../lib/storage/storage-dialects';
import type { BenchDatabase } from '../support/bench-database';
import { queuePrefixOf, type BenchEnv } from '../support/bench-env';
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
import { throughputRun } from '../support/throughput-run';

/** Two table sets side by side: one stays empty, one holds the old rows. */
const EMPTY = 'bench_ts_e_';
const BIG = 'bench_ts_b_';
const CONCURRENCY = 16;
const ROUNDS = 2;
const TARGET_RATIO = 1.5;
const STATEMENT_SAMPLES = 200;

type Setting = 'naive' | 'empty' | 'big';

interface SettingRun {
  setting: Setting;
  run: RunResult;
}

/**
 * Scenario 4: the cost of a message with empty messaging tables and with a million old rows in
 * each (dispatched outbox rows, inbox records of the same endpoint). Both table sets exist at once
 * and runs alternate between them (naive, empty, big; then the reverse), so that the machine's own
 * drift over time hits both alike; the naive runs show that drift. Also times the inbox insert,
 * the outbox insert and the sweeper's claim alone on each set.
 */
export const tableSizeScenario: Scenario = async (context) => {
  const { env, options } = context;
  for (const prefix of [EMPTY, BIG]) {
    await env.dropPrefix(prefix);
    await env.createTables(prefix);
  }
  const runs: SettingRun[] = [];
  let loadSeconds = 0;
  const statementsMs: Partial<Record<Setting, Record<string, number>>> = {};
  let claimPlan: unknown;
  try {
    loadSeconds = await loadOldRows(env, options.tableRows);
    const flushSeconds = (await env.settleWrites()) / 1000;
    context.log(
      `  loaded ${figure(options.tableRows)} old rows per table in ${loadSeconds.toFixed(1)} s ` +
        `(then ${flushSeconds.toFixed(1)} s for ${env.database.label} to write them back)`,
    );
    const oldMaxId = await maxOutboxId(env, BIG);
    const order: Setting[] = ['naive', 'empty', 'big'];
    for (let round = 0; round < ROUNDS; round++) {
      for (const setting of round % 2 === 0 ? order : [...order].reverse()) {
        const prefix = setting === 'big' ? BIG : EMPTY;
        await (setting === 'big' ? resetNewRows(env, BIG, oldMaxId) : env.reset(EMPTY));
        const label = setting === 'naive' ? 'naive' : `consistent ${setting}`;
        const run = await throughputRun(env, setting === 'naive' ? 'naive' : 'consistent', {
          prefix,
          concurrency: CONCURRENCY,
          messages: options.shortRunMessages,
          label,
        });
        context.log(`  ${label}: ${figure(run.perSecond)} msgs/s`);
        runs.push({ setting, run });
      }
    }
    await resetNewRows(env, BIG, oldMaxId);
    statementsMs.empty = await statementTimings(env, EMPTY);
    statementsMs.big = await statementTimings(env, BIG);
    claimPlan = await explainClaim(env);
  } finally {
    await env.dropPrefix(EMPTY);
    await env.dropPrefix(BIG);
  }
  const costRatio = msPerMessage(runs, 'big') / msPerMessage(runs, 'empty');
  return {
    name: 'table-size',
    tables: [
      tableSizeTable(env.database, runs, statementsMs, options.tableRows, options.shortRunMessages),
    ],
    targets: [
      {
        target: `per-message cost with ${figure(options.tableRows)} old rows / empty tables < ${TARGET_RATIO}`,
        measured: ratio(costRatio),
        pass: costRatio < TARGET_RATIO,
      },
    ],
    data: {
      oldRows: options.tableRows,
      messages: options.shortRunMessages,
      loadSeconds,
      runs,
      statementsMs,
      claimPlan,
    },
  };
};

/** Old dispatched outbox rows and old inbox records in the BIG set; returns seconds taken. */
async function loadOldRows(env: BenchEnv, rows: number): Promise<number> {
  const started = performance.now();
  const bulk = env.database.bulkRows(env.admin, BIG);
  await bulk.outbox(rows, { dispatched: true, salt: 'old' });
  await bulk.inbox(rows, 'old');
  await env.admin.query(env.database.analyzeSql([`${BIG}outbox`, `${BIG}inbox`]));
  return (performance.now() - started) / 1000;
}

/** Removes what earlier runs added to a table set, keeping the old rows. */
async function resetNewRows(env: BenchEnv, prefix: string, outboxIdAbove: number): Promise<void> {
  const { quote, parameter } = env.database;
  await env.admin.query(env.database.emptyTableSql(`${prefix}row`));
  await env.admin.query(`DELETE FROM ${quote(`${prefix}outbox`)} WHERE id > ${parameter(1)}`, [
    outboxIdAbove,
  ]);
  await env.admin.query(
    `DELETE FROM ${quote(`${prefix}inbox`)} WHERE processed_at > CURRENT_TIMESTAMP - INTERVAL '1' HOUR`,
  );
  await env.dropRedisKeys(`${queuePrefixOf(prefix)}:*`);
}

async function maxOutboxId(env: BenchEnv, prefix: string): Promise<number> {
  const [{ id }]: { id: string | null }[] = await env.admin.query(
    `SELECT MAX(id) AS id FROM ${env.database.quote(`${prefix}outbox`)}`,
  );
  return Number(id ?? 0);
}

/**
 * Times the library's per-message statements alone (each in a transaction that is rolled back):
 * the inbox insert, the outbox insert, the sweeper's claim.
 */
async function statementTimings(env: BenchEnv, prefix: string): Promise<Record<string, number>> {
  const { dialect, statements } = storageOf(env, prefix);
  const inbox = new InboxStore(statements, dialect);
  const outbox = new OutboxStore(env.admin, statements, dialect);
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
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, median(values)]),
  );
}

/** The sweeper's claim statement on the BIG set, as the database plans it. */
function explainClaim(env: BenchEnv): Promise<unknown> {
  const { statements } = storageOf(env, BIG);
  return env.admin.query(`EXPLAIN ${statements.outbox.claimPending}`, [5000, '0', 500]);
}

function storageOf(env: BenchEnv, prefix: string) {
  const dialect = dialectOf(env.admin);
  return { dialect, statements: dialect.statements(messagingTableNames(prefix)) };
}

/** Median over the runs of one setting of a per-message figure. */
function medianOf(
  runs: SettingRun[],
  setting: Setting,
  pick: (run: RunResult) => number | undefined,
): number {
  return median(runs.filter((one) => one.setting === setting).map((one) => pick(one.run) ?? NaN));
}

function msPerMessage(runs: SettingRun[], setting: Setting): number {
  return medianOf(runs, setting, (run) => 1000 / run.perSecond);
}

function tableSizeTable(
  database: BenchDatabase,
  runs: SettingRun[],
  statementsMs: Partial<Record<Setting, Record<string, number>>>,
  oldRows: number,
  messages: number,
): PrintedTable {
  const settings: Setting[] = ['naive', 'empty', 'big'];
  const row = (
    name: string,
    pick: (run: RunResult) => number | undefined,
    target = '',
  ): string[] => {
    const [naive, empty, big] = settings.map((setting) => medianOf(runs, setting, pick));
    return [name, figure(naive, 3), figure(empty, 3), figure(big, 3), ratio(big / empty), target];
  };
  const statement = (name: string) => {
    const [empty, big] = [statementsMs.empty?.[name], statementsMs.big?.[name]];
    return [
      `${name}, ms (alone)`,
      '',
      figure(empty, 3),
      figure(big, 3),
      ratio((big ?? NaN) / (empty ?? NaN)),
      '',
    ];
  };
  const wall = msPerMessage(runs, 'big') / msPerMessage(runs, 'empty');
  const reads = (run: RunResult) =>
    (run.server.database[database.bufferMisses.counter] ?? 0) / run.messages;
  return {
    title:
      `Table size: ${figure(messages)} messages at concurrency ${CONCURRENCY}, empty tables vs ` +
      `${figure(oldRows)} old rows in outbox and inbox; runs interleaved, medians of ${ROUNDS}`,
    columns: ['per message', 'naive', 'consistent empty', 'consistent big', 'big/empty', 'target'],
    rows: [
      row(
        'wall ms',
        (run) => 1000 / run.perSecond,
        `< ${TARGET_RATIO} ${passFail(wall < TARGET_RATIO)}`,
      ),
      row('CPU ms, all processes', totalCpuMs),
      row(
        `CPU ms, ${database.serverProcess}`,
        (run) => run.perMessage.cpuMs[database.serverProcess],
      ),
      row(database.bufferMisses.label, reads),
      statement('inbox insert'),
      statement('outbox insert'),
      statement('claim'),
    ],
  };
}
