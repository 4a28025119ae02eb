import { Queue } from 'bullmq';
import { randomBytes } from 'crypto';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../lib';
import type { CpuLoad } from '../test/support/cpu-load';
import { OrderGroup } from './chain.entities';
import { allGroups } from './chain.keys';
import type { FaultTarget } from './faults/fault.interface';
import { FaultRecord } from './faults/fault.record';
import { faultWeights, injectFaults, type FaultTally } from './faults/fault.scheduler';
import { queuePrefixOf, rootConnection, type HarnessConnections } from './harness.config';
import type { HarnessOptions } from './harness.options';
import { checkInvariants, type InvariantResult } from './invariants.check';
import type { DatabaseAdmin } from './database.admin';
import { MysqlAdmin } from './mysql.admin';
import { OutboxCalls } from './outbox-calls';
import { PostgresAdmin } from './postgres.admin';
import { driveProcesses } from './process.driver';
import { ProcessStarter, startProducer, type StartOutcome } from './producer.app';
import { freePort, RedisServerProcess } from '../test/support/redis-server';
import { collectStats, type QueueStats } from './run.stats';
import { SeededRandom } from './seeded.random';
import { WorkerPool } from './worker.pool';
import { waitForQuiescence } from './quiescence.wait';

export interface HarnessReport {
  seed: number;
  db: HarnessOptions['db'];
  prefix: string;
  processes: { label: string; pids: number[]; unexpectedExits: string[] }[];
  businessProcesses: Record<StartOutcome, number>;
  faults: FaultTally;
  endpoints: Record<string, QueueStats>;
  /** A's @Outbox() attempts. */
  outboxCalls: { attempts: number; failed: number; deadlocks: number; worstMs: number };
  /** Servers, tables and processes up. */
  setupS: number;
  /** Driving and injecting faults. */
  faultPhaseS: number;
  quiescenceS: number;
  totalS: number;
  invariants: InvariantResult[];
  ok: boolean;
}

/** One run: set up, drive and inject faults, wait for quiescence, check, tear down. */
export async function runHarness(
  options: HarnessOptions,
  log: (line: string) => void,
): Promise<HarnessReport> {
  const began = Date.now();
  faultWeights(options.faultKinds); // a misspelt kind fails before anything starts
  const prefix = `h${randomBytes(3).toString('hex')}_`;
  const root = rootConnection(options.db);
  const db: DatabaseAdmin =
    options.db === 'postgres' ? new PostgresAdmin(root) : new MysqlAdmin(root);
  const redisServer = new RedisServerProcess(await freePort(), { persistent: true });
  await Promise.all([db.open(), redisServer.start()]);
  const connections: HarnessConnections = {
    prefix,
    db: db.connection,
    redis: { host: '127.0.0.1', port: redisServer.port },
  };
  const redis = new Redis({ ...connections.redis, maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const queues = {
    b: openQueue('b', connections),
    c: openQueue('c', connections),
  };
  const pool = new WorkerPool(connections, log);
  const cpuLoads = new Set<CpuLoad>();
  const record = new FaultRecord();
  const calls = new OutboxCalls();
  let producer: Awaited<ReturnType<typeof startProducer>> | undefined;
  try {
    producer = await startProducer(connections);
    await producer
      .get(DataSource)
      .getRepository(OrderGroup)
      .insert(allGroups().map((name) => ({ name, version: 0 })));
    if (options.noOrderingGate) process.env.HARNESS_NO_ORDERING_GATE = '1';
    await pool.start(options.bWorkers, options.cWorkers);
    log(`run ${prefix}: ${pool.slots.map((slot) => `${slot.label} ${slot.pids[0]}`).join(', ')}`);

    const target: FaultTarget = {
      random: new SeededRandom(options.seed),
      pool,
      db,
      dataSource: producer.get(DataSource),
      redisServer,
      redis,
      queues,
      prefix,
      startedAt: began,
      record,
      cpuLoads,
      background: [],
    };
    const setupEnd = Date.now();
    const faultsUntil = Date.now() + options.durationS * 1000;
    const [outcomes, tally] = await Promise.all([
      driveProcesses(
        producer.get(ProcessStarter),
        options.processes,
        options.durationS * 700,
        calls,
      ),
      injectFaults(
        target,
        faultsUntil,
        options.verbose ? log : () => undefined,
        options.faultKinds,
      ),
    ]);
    const faultPhaseEnd = Date.now();
    await redisServer.start();
    await Promise.all(target.background);
    await pool.allRunning();
    const busy = await waitForQuiescence(
      db,
      prefix,
      Object.values(queues),
      options.quiescenceTimeoutS * 1000,
    );
    const quiet = Date.now();
    const invariants = await checkInvariants({
      db,
      prefix,
      outcomes,
      quiescence: busy,
      record,
      calls,
    });
    const businessProcesses: Record<StartOutcome, number> = {
      started: 0,
      'rolled back': 0,
      repeat: 0,
      'gave up': 0,
    };
    for (const outcome of outcomes.values()) businessProcesses[outcome]++;
    return {
      seed: options.seed,
      db: options.db,
      prefix,
      processes: [
        { label: 'A (harness)', pids: [process.pid], unexpectedExits: [] },
        ...pool.slots.map(({ label, pids, unexpectedExits }) => ({
          label,
          pids,
          unexpectedExits,
        })),
      ],
      businessProcesses,
      faults: tally,
      endpoints: await collectStats(db, prefix, Object.values(queues)),
      outboxCalls: {
        attempts: calls.calls.length,
        failed: calls.calls.filter((call) => call.error !== undefined).length,
        deadlocks: calls.calls.filter((call) => call.deadlock).length,
        worstMs: calls.worstMs(),
      },
      setupS: (setupEnd - began) / 1000,
      faultPhaseS: (faultPhaseEnd - setupEnd) / 1000,
      quiescenceS: (quiet - faultPhaseEnd) / 1000,
      totalS: (Date.now() - began) / 1000,
      invariants,
      ok: invariants.every((invariant) => invariant.ok),
    };
  } finally {
    // Busy loops first: they would slow down the rest of the teardown.
    const loads = [...cpuLoads];
    cpuLoads.clear();
    await Promise.all(loads.map((load) => load.stop()));
    await pool.close();
    await producer?.close().catch(() => undefined);
    await Promise.all(Object.values(queues).map((queue) => queue.close().catch(() => undefined)));
    redis.disconnect();
    if (!process.env.HARNESS_KEEP) await db.dropTables(prefix).catch(() => undefined);
    await db.close().catch(() => undefined);
    await redisServer.destroy();
  }
}

function openQueue(name: 'b' | 'c', connections: HarnessConnections): Queue<MessageEnvelope> {
  const queue = new Queue<MessageEnvelope>(name, {
    connection: { ...connections.redis, maxRetriesPerRequest: null },
    prefix: queuePrefixOf(connections.prefix),
  });
  queue.on('error', () => undefined);
  return queue;
}
