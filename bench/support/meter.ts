import { cpus } from 'os';
import { performance } from 'perf_hooks';
import type { BenchEnv } from './bench-env';
import { clientCounts, subtractCounts, total, type ClientCounts } from './client-counters';
import { measuredProcesses, subtractServerCounts, type ServerCounts } from './server-counters';

/** The naive worker; the library with its defaults; the library with `tunedOptions()`. */
export type SystemKind = 'naive' | 'consistent' | 'tuned';

/** One timed run of one system: how fast, and what it cost per message on each side. */
export interface RunResult {
  system: SystemKind;
  label: string;
  messages: number;
  elapsedMs: number;
  perSecond: number;
  /** Deltas over the run: what this process sent, and what the servers saw. */
  client: ClientCounts;
  server: ServerCounts;
  perMessage: PerMessage;
  /** Share of the machine's CPU capacity other processes used during the run: a noise gauge. */
  otherLoad: number;
  /** Share of the CPU capacity the hypervisor took away (steal): another noise gauge. */
  steal: number;
  /** Throughput runs: p99 of the time input jobs spent in their worker, lock waits included. */
  handlingP99Ms?: number;
}

/** Every run measured in this process, for the noise summary. */
export const measuredRuns: RunResult[] = [];

export interface PerMessage {
  /** SQL statements this process sent. */
  sqlStatements: number;
  /**
   * `Questions` on the server (includes other clients of the server, if any); undefined on a
   * database that doesn't count statements (PostgreSQL).
   */
  serverQuestions?: number;
  /** Redis commands this process sent (a Lua script call is one). */
  redisCommands: number;
  /** Socket writes to Redis (pipelines count once). */
  redisWrites: number;
  /** Commands Redis executed, those inside Lua scripts included (server-wide). */
  redisServerCalls: number;
  /** CPU ms per message of this Node process, the database server and Redis. */
  cpuMs: Record<string, number>;
}

/** Takes client and server counters at start and stop; the difference is the run's cost. */
export class Meter {
  private constructor(
    private readonly env: BenchEnv,
    private readonly client: ClientCounts,
    private readonly server: ServerCounts,
    private readonly startedAt: number,
  ) {}

  static async start(env: BenchEnv): Promise<Meter> {
    const server = await env.probe.snapshot();
    return new Meter(env, clientCounts(), server, performance.now());
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Stops the counters; `elapsedMs` is the timed part (it may end before the counters stop). */
  async stop(
    system: SystemKind,
    label: string,
    messages: number,
    elapsedMs: number,
  ): Promise<RunResult> {
    const client = subtractCounts(clientCounts(), this.client);
    const server = subtractServerCounts(await this.env.probe.snapshot(), this.server);
    const counted = this.elapsedMs();
    const { machine = NaN } = server.cpuMs;
    const measured = measuredProcesses().reduce((sum, name) => sum + (server.cpuMs[name] ?? 0), 0);
    const run: RunResult = {
      system,
      label,
      messages,
      elapsedMs,
      perSecond: (messages / elapsedMs) * 1000,
      client,
      server,
      perMessage: perMessage(client, server, messages),
      otherLoad: Math.max(0, machine - measured) / (counted * cpus().length),
      steal: (server.cpuMs.steal ?? 0) / (counted * cpus().length),
    };
    measuredRuns.push(run);
    return run;
  }
}

function perMessage(client: ClientCounts, server: ServerCounts, messages: number): PerMessage {
  const per = (value: number | undefined) => (value ?? 0) / messages;
  return {
    sqlStatements: per(total(client.sql)),
    serverQuestions:
      server.database.Questions === undefined ? undefined : per(server.database.Questions),
    redisCommands: per(total(client.redis)),
    redisWrites: per(client.redisWrites),
    redisServerCalls: per(server.redis.total),
    cpuMs: Object.fromEntries(Object.entries(server.cpuMs).map(([name, ms]) => [name, per(ms)])),
  };
}

/** The mean of several runs of one system and setting (same message count): rates and costs. */
export function averageRuns(runs: RunResult[]): RunResult {
  const mean = (pick: (run: RunResult) => number) =>
    runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const meanRecord = (pick: (run: RunResult) => Record<string, number>) => {
    const keys = new Set(runs.flatMap((run) => Object.keys(pick(run))));
    return Object.fromEntries([...keys].map((key) => [key, mean((run) => pick(run)[key] ?? 0)]));
  };
  const [first] = runs;
  return {
    ...first,
    elapsedMs: mean((run) => run.elapsedMs),
    perSecond: mean((run) => run.perSecond),
    client: {
      sql: meanRecord((run) => run.client.sql),
      redis: meanRecord((run) => run.client.redis),
      redisWrites: mean((run) => run.client.redisWrites),
    },
    server: {
      database: meanRecord((run) => run.server.database),
      redis: meanRecord((run) => run.server.redis),
      cpuMs: meanRecord((run) => run.server.cpuMs),
    },
    perMessage: {
      sqlStatements: mean((run) => run.perMessage.sqlStatements),
      serverQuestions:
        first.perMessage.serverQuestions === undefined
          ? undefined
          : mean((run) => run.perMessage.serverQuestions ?? 0),
      redisCommands: mean((run) => run.perMessage.redisCommands),
      redisWrites: mean((run) => run.perMessage.redisWrites),
      redisServerCalls: mean((run) => run.perMessage.redisServerCalls),
      cpuMs: meanRecord((run) => run.perMessage.cpuMs),
    },
    otherLoad: mean((run) => run.otherLoad),
    steal: mean((run) => run.steal),
    handlingP99Ms:
      first.handlingP99Ms === undefined ? undefined : mean((run) => run.handlingP99Ms ?? NaN),
  };
}
