import type { INestApplicationContext, LogLevel } from '@nestjs/common';

/** Nest log levels of the endpoint processes; the main job keeps their output. */
export const logLevels: LogLevel[] = ['log', 'warn', 'error'];

export interface StartedProcess {
  /** Closed in reverse order on SIGTERM. */
  apps: INestApplicationContext[];
  /** Printed on the ready line, e.g. the HTTP base URL. */
  info: Record<string, string>;
}

/**
 * Runs one OS process of the sample: starts its applications, prints `ready {…}` for the main job,
 * and on SIGTERM, SIGINT or the parent going away closes them (in-flight messages finish) and
 * exits 0. Signal handlers of our own rather than enableShutdownHooks(): Nest's re-raise the
 * signal, so the exit code would not say whether closing went well.
 */
export function runEndpointProcess(name: string, start: () => Promise<StartedProcess>): void {
  const starting = start();
  let closing = false;
  const shutdown = (reason: string): void => {
    if (closing) return;
    closing = true;
    console.log(`${name}: closing on ${reason}`);
    starting
      .then(async ({ apps }) => {
        for (const app of [...apps].reverse()) await app.close();
      })
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`${name}: close failed`, error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (process.send) process.once('disconnect', () => shutdown('parent gone'));

  starting.then(
    ({ info }) => {
      if (!closing) console.log(`ready ${JSON.stringify({ name, pid: process.pid, ...info })}`);
    },
    (error: unknown) => {
      console.error(`${name}: failed to start`, error);
      process.exit(1);
    },
  );
}
