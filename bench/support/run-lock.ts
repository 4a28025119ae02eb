import { randomUUID } from 'crypto';
import { hostname } from 'os';
import type Redis from 'ioredis';

/** Outside the `bench_*` key space, so that cleanup never deletes it. */
const KEY = 'bench-lock';
const TTL_MS = 60_000;

/**
 * One bench run at a time against the same Redis (and, by convention, the same database): a second
 * run would drop the first one's tables at start, and both would measure each other. Waits for the
 * other run to end (its lock expires a minute after it dies).
 */
export class RunLock {
  private readonly token = `${hostname()}:${process.pid}:${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly redis: Redis) {}

  async acquire(maxWaitMs = 15 * 60_000): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    let told = false;
    while ((await this.redis.set(KEY, this.token, 'PX', TTL_MS, 'NX')) !== 'OK') {
      const holder = await this.redis.get(KEY);
      if (Date.now() > deadline) throw new Error(`another bench run (${holder}) is still running`);
      if (!told) console.log(`waiting for another bench run to finish (${holder})...`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    this.timer = setInterval(() => void this.redis.pexpire(KEY, TTL_MS), TTL_MS / 3);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if ((await this.redis.get(KEY)) === this.token) await this.redis.del(KEY);
  }
}
