/** Redis did not answer within `redisStartupTimeoutMs` of startup. */
export class RedisUnavailableError extends Error {
  constructor(address: string, waitedMs: number, lastError: string) {
    super(
      `Redis at ${address} did not answer within ${waitedMs} ms of startup` +
        `${lastError ? ` (last error: ${lastError})` : ''}: start it, fix the redis option, or raise redisStartupTimeoutMs`,
    );
    this.name = 'RedisUnavailableError';
  }
}
