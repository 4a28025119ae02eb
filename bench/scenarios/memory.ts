import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import type { BenchEnv } from '../support/bench-env';
import { BenchQueues, sleep, timeoutFor } from '../support/bench-queues';
import { Meter, type RunResult, type SystemKind } from '../support/meter';
import { figure, median, passFail, type PrintedTable, type Scenario } from '../support/report';
import { startSystem } from '../support/throughput-run';

const PREFIX = 'bench_mem_';
const CONCURRENCY = 16;
const CHUNKS = 10;
const TARGET_GROWTH = 0.1;

interface MemorySample {
  messages: number;
  rssMb: number;
  heapUsedMb: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  externalMb: number;
}

interface MemoryRun {
  system: SystemKind;
  /** Before the system started, right after it started, then each time a tenth is through. */
  beforeStart: MemorySample;
  started: MemorySample;
  samples: MemorySample[];
  /**
   * RSS growth after warm-up: median of the last three tenths over median of the first three.
   * Medians, because RSS after a full GC still moves by tens of MB from sample to sample (memory
   * the allocator keeps) while the heap stays flat.
   */
  growth: number;
  cost: RunResult;
}

/**
 * Scenario 5: RSS while messages go through each pipeline. All messages are pre-loaded (so the
 * bench's own feeding allocates nothing during the run); a sample is taken after a full GC each
 * time another tenth is through; the first tenths are the warm-up.
 */
export const memoryScenario: Scenario = async (context) => {
  const { env, options } = context;
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  const runs: MemoryRun[] = [];
  try {
    for (const kind of ['naive', 'consistent'] as const) {
      await env.reset(PREFIX);
      const run = await memoryRun(env, kind, options.memoryMessages);
      context.log(
        `  ${kind}: RSS ${run.samples.map((one) => figure(one.rssMb)).join(' ')} MB, ` +
          `growth ${percent(run.growth)}`,
      );
      runs.push(run);
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
  const consistent = runs.find((run) => run.system === 'consistent');
  return {
    name: 'memory',
    tables: [memoryTable(runs, options.memoryMessages)],
    targets: consistent
      ? [
          {
            target: `RSS growth after warm-up < ${TARGET_GROWTH * 100}% (${figure(options.memoryMessages)} messages, medians)`,
            measured: percent(consistent.growth),
            pass: consistent.growth < TARGET_GROWTH,
          },
        ]
      : [],
    data: { messages: options.memoryMessages, concurrency: CONCURRENCY, runs },
  };
};

async function memoryRun(env: BenchEnv, kind: SystemKind, messages: number): Promise<MemoryRun> {
  const queues = new BenchQueues(env, PREFIX);
  await queues.work.pause();
  await queues.feed(messages);
  await env.settle();
  const beforeStart = sample(0);
  const system = await startSystem(kind, { prefix: PREFIX, concurrency: CONCURRENCY });
  try {
    const started = sample(0);
    const meter = await Meter.start(env);
    await queues.work.resume();
    const samples = await sampleWhileRunning(queues, messages);
    const cost = await meter.stop(kind, `${kind} memory`, messages, meter.elapsedMs());
    const rss = samples.map((one) => one.rssMb);
    const warm = median(rss.slice(0, 3));
    const growth = (median(rss.slice(-3)) - warm) / warm;
    return { system: kind, beforeStart, started, samples, growth, cost };
  } finally {
    await system.close();
    await queues.close();
  }
}

/** A sample each time another tenth of the messages is through, until all are. */
async function sampleWhileRunning(queues: BenchQueues, messages: number): Promise<MemorySample[]> {
  const samples: MemorySample[] = [];
  const deadline = Date.now() + timeoutFor(messages);
  for (let tenth = 1; tenth <= CHUNKS; tenth++) {
    const due = Math.ceil((messages * tenth) / CHUNKS);
    for (;;) {
      const done = await queues.sinkCount();
      if (done >= due && (tenth < CHUNKS || (await queues.workPending()) === 0)) {
        samples.push(sample(done));
        break;
      }
      if (Date.now() > deadline) throw new Error(`memory run timed out at ${done}/${messages}`);
      await sleep(50);
    }
  }
  return samples;
}

const gc = exposeGc();

function sample(messages: number): MemorySample {
  gc();
  const usage = process.memoryUsage();
  return {
    messages,
    rssMb: usage.rss / 1e6,
    heapUsedMb: usage.heapUsed / 1e6,
    externalMb: usage.external / 1e6,
  };
}

/** The V8 gc() function without starting node with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function memoryTable(runs: MemoryRun[], messages: number): PrintedTable {
  const naive = runs.find((run) => run.system === 'naive');
  const consistent = runs.find((run) => run.system === 'consistent');
  const cells = (one: MemorySample | undefined) => [
    figure(one?.rssMb),
    figure(one?.heapUsedMb),
    figure(one?.externalMb),
  ];
  const row = (name: string, pick: (run: MemoryRun) => MemorySample | undefined) => [
    name,
    ...cells(naive && pick(naive)),
    ...cells(consistent && pick(consistent)),
  ];
  const growth = (run: MemoryRun | undefined) => (run ? percent(run.growth) : '-');
  return {
    title: `Memory: ${figure(messages)} messages at concurrency ${CONCURRENCY}, MB after a full GC (one process runs the whole bench)`,
    columns: ['', 'naive RSS', 'heap', 'external', 'consistent RSS', 'heap', 'external'],
    rows: [
      row('before the system starts', (run) => run.beforeStart),
      row('started', (run) => run.started),
      ...Array.from({ length: CHUNKS }, (_, i) =>
        row(`${(i + 1) * 10}% through`, (run) => run.samples[i]),
      ),
      [
        'RSS growth (median of last 3 / first 3)',
        growth(naive),
        '',
        '',
        consistent
          ? `${growth(consistent)} (< ${TARGET_GROWTH * 100}% ${passFail(consistent.growth < TARGET_GROWTH)})`
          : '-',
        '',
        '',
      ],
    ],
  };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
