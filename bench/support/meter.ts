import { performance } from 'perf_hooks';
import type { BenchEnv } from './bench-env';
import { clientCounts, subtractCounts, total, type ClientCounts } from './client-counters';
import { subtractServerCounts, type ServerCounts } from './server-counters';

export type SystemKind = 'naive' | 'consistent';

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
}

export interface PerMessage {
  /** SQL statements this process sent. */
  sqlStatements: number;
  /** `Questions` on the server (includes other clients of the server, if any). */
  serverQuestions: number;
  /** Redis commands this process sent (a Lua script call is one). */
  redisCommands: number;
  /** Socket writes to Redis (pipelines count once). */
  redisWrites: number;
  /** Commands Redis executed, those inside Lua scripts included (server-wide). */
  redisServerCalls: number;
  /** CPU ms per message of this Node process, MariaDB and Redis. */
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
    return {
      system,
      label,
      messages,
      elapsedMs,
      perSecond: (messages / elapsedMs) * 1000,
      client,
      server,
      perMessage: perMessage(client, server, messages),
    };
  }
}

function perMessage(client: ClientCounts, server: ServerCounts, messages: number): PerMessage {
  const per = (value: number | undefined) => (value ?? 0) / messages;
  return {
    sqlStatements: per(total(client.sql)),
    serverQuestions: per(server.mysql.Questions),
    redisCommands: per(total(client.redis)),
    redisWrites: per(client.redisWrites),
    redisServerCalls: per(server.redis.total),
    cpuMs: Object.fromEntries(Object.entries(server.cpuMs).map(([name, ms]) => [name, per(ms)])),
  };
}
