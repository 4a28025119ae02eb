import type { Fault } from './fault.interface';

/** Stops the run's (private, AOF-persisted) Redis for 1 to 4 s, then starts it again. */
export const redisOutage: Fault = async ({ random, redisServer }) => {
  const downMs = random.between(1000, 4000);
  await redisServer.stop();
  await new Promise((resolve) => setTimeout(resolve, downMs));
  await redisServer.start();
  return `Redis stopped for ${downMs} ms`;
};
