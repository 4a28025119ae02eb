import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { MessageEnvelope } from '../../lib';
import type { CpuLoad } from '../../test/support/cpu-load';
import type { DatabaseAdmin } from '../database.admin';
import type { RedisServerProcess } from '../../test/support/redis-server';
import type { SeededRandom } from '../seeded.random';
import type { WorkerPool } from '../worker.pool';
import type { FaultRecord } from './fault.record';

/** What a fault can reach: the processes, the servers and the queues of the run. */
export interface FaultTarget {
  random: SeededRandom;
  pool: WorkerPool;
  /** The harness's root connection to the run's database. */
  db: DatabaseAdmin;
  /** Endpoint A's DataSource (the producer in the harness process), for the library's own calls. */
  dataSource: DataSource;
  redisServer: RedisServerProcess;
  /** The harness's admin connection to the run's Redis. */
  redis: Redis;
  queues: Record<'b' | 'c', Queue<MessageEnvelope>>;
  prefix: string;
  /** When the run began (ms): nothing older can need re-dispatching. */
  startedAt: number;
  /** What the faults did, for the invariants. */
  record: FaultRecord;
  /** Busy loops running now; the run stops any left over when it ends, failed or not. */
  cpuLoads: Set<CpuLoad>;
  /** Work that outlives the fault call (restarts), awaited before quiescence. */
  background: Promise<unknown>[];
}

/** One kind of fault: injects it once and says what it did (undefined: nothing to do just now). */
export type Fault = (target: FaultTarget) => Promise<string | undefined>;
