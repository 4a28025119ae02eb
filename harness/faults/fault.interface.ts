import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { MessageEnvelope } from '../../lib';
import type { MysqlAdmin } from '../mysql.admin';
import type { RedisServerProcess } from '../../test/support/redis-server';
import type { SeededRandom } from '../seeded.random';
import type { WorkerPool } from '../worker.pool';

/** What a fault can reach: the processes, the servers and the queues of the run. */
export interface FaultTarget {
  random: SeededRandom;
  pool: WorkerPool;
  mysql: MysqlAdmin;
  redisServer: RedisServerProcess;
  /** The harness's admin connection to the run's Redis. */
  redis: Redis;
  queues: Record<'b' | 'c', Queue<MessageEnvelope>>;
  prefix: string;
  /** Work that outlives the fault call (restarts), awaited before quiescence. */
  background: Promise<unknown>[];
}

/** One kind of fault: injects it once and says what it did (undefined: nothing to do just now). */
export type Fault = (target: FaultTarget) => Promise<string | undefined>;
