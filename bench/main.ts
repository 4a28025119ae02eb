import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'fs';
import { cpus, loadavg, totalmem } from 'os';
import { dirname } from 'path';
import { performance } from 'perf_hooks';
import { ensureServices } from '../test/support/ensure-services';
import { parseOptions, type BenchOptions, type ScenarioName } from './bench-options';
import { backlogScenario } from './scenarios/backlog';
import { batchingScenario } from './scenarios/batching';
import { deadLettersScenario } from './scenarios/dead-letters';
import { joiningScenario } from './scenarios/joining';
import { latencyScenario } from './scenarios/latency';
import { memoryScenario } from './scenarios/memory';
import { orderingScenario } from './scenarios/ordering';
import { tableSizeScenario } from './scenarios/table-size';
import { throughputScenario } from './scenarios/throughput';
import { useDatabase } from './support/bench-database';
import { BenchEnv } from './support/bench-env';
import { installRedisCounter } from './support/client-counters';
import { measuredRuns, type RunResult } from './support/meter';
import { useRandomIds } from './support/messages';
import { RunLock } from './support/run-lock';
import { warmUp } from './support/warm-up';
import {
  formatTable,
  passFail,
  type PrintedTable,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from './support/report';

const SCENARIO_RUNNERS: Record<ScenarioName, Scenario> = {
  throughput: throughputScenario,
  latency: latencyScenario,
  backlog: backlogScenario,
  'table-size': tableSizeScenario,
  memory: memoryScenario,
  batching: batchingScenario,
  ordering: orderingScenario,
  joining: joiningScenario,
  'dead-letters': deadLettersScenario,
};

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  if (options.db === 'postgres') ensureServices('postgres');
  installRedisCounter();
  useRandomIds(options.randomIds);
  useDatabase(options.db);
  const env = new BenchEnv();
  await env.open();
  const lock = new RunLock(env.redis);
  await lock.acquire();
  const startedAt = new Date();
  const started = performance.now();
  const results: ScenarioResult[] = [];
  try {
    await env.dropEverything();
    const machine = await describeMachine(env);
    const database = env.database.label;
    console.log(
      `bench: ${options.quick ? 'quick' : 'full'} run of ${options.scenarios.join(', ')} ` +
        `on ${database} (both systems)`,
    );
    console.log(`machine: ${JSON.stringify(machine)}`);
    const warmUpStarted = performance.now();
    await warmUp(env, options.quick ? 500 : 2000);
    console.log(`warm-up: ${((performance.now() - warmUpStarted) / 1000).toFixed(1)} s`);
    const context: ScenarioContext = { env, options, log: (line) => console.log(line) };
    for (const name of options.scenarios) {
      console.log(`\n[${name}]`);
      const scenarioStarted = performance.now();
      const result = await SCENARIO_RUNNERS[name](context);
      const seconds = (performance.now() - scenarioStarted) / 1000;
      results.push({ ...result, seconds });
      console.log(`  done in ${seconds.toFixed(1)} s`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${report(results, seconds, database)}`);
    writeResults(options, {
      database: options.db,
      startedAt: startedAt.toISOString(),
      seconds,
      options,
      machine,
      loadAverageAtEnd: loadavg(),
      noise: measuredRuns.map((run) => ({
        run: run.label,
        otherLoad: run.otherLoad,
        steal: run.steal,
      })),
      targets: results.flatMap((result) =>
        result.targets.map((target) => ({ scenario: result.name, ...target })),
      ),
      scenarios: Object.fromEntries(
        results.map((result) => [
          result.name,
          { seconds: result.seconds, tables: result.tables, ...result.data },
        ]),
      ),
    });
  } finally {
    await env.dropEverything();
    await lock.release();
    await env.close();
  }
}

function report(results: ScenarioResult[], seconds: number, database: string): string {
  const tables = results.flatMap((result) => result.tables);
  const targets: PrintedTable = {
    title: 'Targets',
    columns: ['target', 'measured', 'result'],
    rows: results.flatMap((result) =>
      result.targets.map((target) => [target.target, target.measured, passFail(target.pass)]),
    ),
  };
  const times = results.map((result) => `${result.name} ${result.seconds.toFixed(0)} s`).join(', ');
  return [
    ...tables.map(formatTable),
    formatTable(targets),
    noiseReport(),
    `Database: ${database}. Run time: ${seconds.toFixed(0)} s (${times})`,
  ].join('\n\n');
}

/** Which timed runs shared the machine with other processes' load (other people's tests...). */
function noiseReport(): string {
  const timed = measuredRuns.filter((run) => run.label !== 'warm-up');
  const noisy = timed.filter((run) => run.otherLoad + run.steal > NOISY);
  const worst = (pick: (run: RunResult) => number) => percent(Math.max(0, ...timed.map(pick)));
  const summary =
    `Other load: other processes used at most ${worst((run) => run.otherLoad)} of the CPU ` +
    `during timed runs, the hypervisor (steal) at most ${worst((run) => run.steal)}.`;
  if (noisy.length === 0) return summary;
  return (
    `${summary}\nWARNING: more than ${percent(NOISY)} during ` +
    `${noisy.map((run) => `${run.label} (${percent(run.otherLoad + run.steal)})`).join(', ')}; ` +
    'those figures are unreliable, rerun when the machine is quiet.'
  );
}

const NOISY = 0.1;

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

async function describeMachine(env: BenchEnv): Promise<Record<string, unknown>> {
  const database = await env.database.describe(env.admin);
  const redisInfo = await env.redis.info('server');
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 1e9),
    node: process.version,
    database: env.database.name,
    ...database,
    redis: /redis_version:(\S+)/.exec(redisInfo)?.[1],
    loadAverage: loadavg(),
  };
}

function writeResults(options: BenchOptions, results: Record<string, unknown>): void {
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(options.output, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nResults written to ${options.output}`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
