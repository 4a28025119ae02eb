import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { randomUUID } from 'crypto';
import { performance } from 'perf_hooks';
import { ConsistentMessagingModule } from '../../lib';
import { queuePrefixOf, type BenchEnv } from '../support/bench-env';
import { sleep } from '../support/bench-queues';
import { dataSourceOptions } from '../support/naive-system';
import { figure, median, ratio, type PrintedTable, type Scenario } from '../support/report';
import { redis } from '../support/services';

const PREFIX = 'bench_dl_';
const ENDPOINT = 'dl';
const LETTERS = 20;
const LARGE_BYTES = 30 * 1024 * 1024;
const SMALL_BYTES = 1024;
const LIST_CALLS = 10;
const MAX_PAYLOAD_BYTES = 65536;
const TARGET_LIST_MS = 1000;
const TARGET_RESPONSE_BYTES = 1024 * 1024;
const TARGET_RSS_MB = 300;

interface ListMeasure {
  letters: string;
  /** Median time of one `GET dead-letters?limit=20`. */
  listMs: number;
  listBytes: number;
  detailMs: number;
  detailBytes: number;
  /** Highest RSS while the list and detail calls ran, over the RSS before them. */
  rssGrowthMb: number;
  /** Slowest `GET outbox/stats` answered while the lists ran: what other requests waited. */
  otherRequestMaxMs: number;
}

/**
 * Scenario: dead letters of 30 MB each, listed and read through the admin API (S3 of issue 12).
 * The baseline in the same run is the same endpoint with dead letters of 1 KB: a list that costs
 * the same for both does not read the messages. The messages are of a type nobody handles, so
 * each is dead-lettered at its first attempt.
 */
export const deadLettersScenario: Scenario = async (context) => {
  const { env } = context;
  const runs: ListMeasure[] = [];
  for (const [label, bytes] of [
    ['1 KB', SMALL_BYTES],
    ['30 MB', LARGE_BYTES],
  ] as const) {
    await env.dropPrefix(PREFIX);
    await env.createTables(PREFIX);
    try {
      const run = await measure(env, label, bytes);
      context.log(
        `  ${LETTERS} x ${label}: list ${figure(run.listMs)} ms, ${figure(run.listBytes)} bytes; ` +
          `detail ${figure(run.detailBytes)} bytes; RSS +${figure(run.rssGrowthMb)} MB`,
      );
      runs.push(run);
    } finally {
      await env.dropPrefix(PREFIX);
    }
  }
  const [small, large] = runs;
  return {
    name: 'dead-letters',
    tables: [table(runs)],
    targets: [
      {
        target: `${LETTERS} dead letters of 30 MB list in < ${TARGET_LIST_MS} ms`,
        measured: `${figure(large.listMs)} ms (${ratio(large.listMs / small.listMs)} x the 1 KB list)`,
        pass: large.listMs < TARGET_LIST_MS,
      },
      {
        target: 'list and detail responses <= 1 MB',
        measured: `${figure(Math.max(large.listBytes, large.detailBytes))} bytes`,
        pass: Math.max(large.listBytes, large.detailBytes) <= TARGET_RESPONSE_BYTES,
      },
      {
        target: `RSS growth while listing < ${TARGET_RSS_MB} MB`,
        measured: `${figure(large.rssGrowthMb)} MB`,
        pass: large.rssGrowthMb < TARGET_RSS_MB,
      },
    ],
    data: { letters: LETTERS, maxPayloadBytes: MAX_PAYLOAD_BYTES, runs },
  };
};

async function measure(env: BenchEnv, label: string, bytes: number): Promise<ListMeasure> {
  const app = await startAdminApp();
  const queue = new Queue(ENDPOINT, { connection: redis, prefix: queuePrefixOf(PREFIX) });
  try {
    const ids = await feed(queue, bytes);
    await untilDeadLettered(env, LETTERS);
    const base = `${await app.getUrl()}/messaging`.replace('[::1]', '127.0.0.1');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 20);
    const others = otherRequests(`${base}/outbox/stats`);
    const lists: { ms: number; bytes: number }[] = [];
    for (let i = 0; i < LIST_CALLS; i++)
      lists.push(await timedGet(`${base}/dead-letters?limit=${LETTERS}`));
    const detail = await timedGet(`${base}/dead-letters/${ids[0]}`);
    const otherRequestMaxMs = await others.stop();
    clearInterval(sampler);
    return {
      letters: `${LETTERS} x ${label}`,
      listMs: median(lists.map((one) => one.ms)),
      listBytes: Math.max(...lists.map((one) => one.bytes)),
      detailMs: detail.ms,
      detailBytes: detail.bytes,
      rssGrowthMb: (rssPeak - rssBefore) / 1024 / 1024,
      otherRequestMaxMs,
    };
  } finally {
    await queue.close();
    await app.close();
  }
}

async function startAdminApp(): Promise<INestApplication> {
  const app = await NestFactory.create(
    {
      module: class BenchDeadLettersModule {},
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions({ prefix: PREFIX, concurrency: 2 })),
        ConsistentMessagingModule.forRoot({
          endpoint: ENDPOINT,
          redis,
          tablePrefix: PREFIX,
          queuePrefix: queuePrefixOf(PREFIX),
          concurrency: 2,
          unknownTypeWaitMs: 0,
          retention: { enabled: false },
          admin: { enabled: true, allowUnguarded: true, maxPayloadBytes: MAX_PAYLOAD_BYTES },
        }),
      ],
    },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Adds the jobs, one at a time so that Redis holds one large payload in flight at most. */
async function feed(queue: Queue, bytes: number): Promise<string[]> {
  const ids: string[] = [];
  const blob = 'x'.repeat(bytes);
  for (let i = 0; i < LETTERS; i++) {
    const id = randomUUID();
    ids.push(id);
    await queue.add(
      'bench.NobodyHandlesThis',
      {
        id,
        type: 'bench.NobodyHandlesThis',
        payload: JSON.stringify({ n: i, blob }),
        headers: {
          correlationId: id,
          causationId: null,
          originEndpoint: 'bench',
          sentAt: new Date().toISOString(),
        },
      },
      { jobId: id, attempts: 1, removeOnFail: 1000 },
    );
  }
  return ids;
}

async function untilDeadLettered(env: BenchEnv, count: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const [{ n }] = (await env.admin.query(
      `SELECT COUNT(*) AS n FROM ${env.database.quote(`${PREFIX}dead_letters`)}`,
    )) as { n: string }[];
    if (Number(n) >= count) return;
    await sleep(200);
  }
  throw new Error(`bench: ${count} dead letters not written within 300 s`);
}

async function timedGet(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`bench: GET ${url} answered ${response.status}`);
  return { ms: performance.now() - started, bytes: body.byteLength };
}

/** Calls `url` one after another until stopped; resolves with the slowest answer in ms. */
function otherRequests(url: string): { stop(): Promise<number> } {
  let stopped = false;
  let slowest = 0;
  const loop = (async () => {
    while (!stopped) {
      slowest = Math.max(slowest, (await timedGet(url)).ms);
      await sleep(10);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return slowest;
    },
  };
}

function table(runs: ListMeasure[]): PrintedTable {
  return {
    title: `Dead letters through the admin API (${LETTERS} per run, detail cap ${figure(MAX_PAYLOAD_BYTES)} bytes)`,
    columns: [
      'dead letters',
      'list ms',
      'list bytes',
      'detail ms',
      'detail bytes',
      'RSS growth MB',
      'other request max ms',
    ],
    rows: runs.map((run) => [
      run.letters,
      figure(run.listMs),
      figure(run.listBytes),
      figure(run.detailMs),
      figure(run.detailBytes),
      figure(run.rssGrowthMb),
      figure(run.otherRequestMaxMs),
    ]),
  };
}
