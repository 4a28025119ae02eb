import type { BenchEnv } from './bench-env';
import { throughputRun } from './throughput-run';

const PREFIX = 'bench_warm_';

/**
 * Runs both systems once, untimed, so that the first timed run doesn't pay for JIT compilation,
 * module loading and Lua script loading alone.
 */
export async function warmUp(env: BenchEnv, messages: number): Promise<void> {
  await env.dropPrefix(PREFIX);
  await env.createTables(PREFIX);
  try {
    for (const kind of ['naive', 'consistent'] as const) {
      await env.reset(PREFIX);
      await throughputRun(env, kind, {
        prefix: PREFIX,
        concurrency: 16,
        messages,
        label: 'warm-up',
      });
    }
  } finally {
    await env.dropPrefix(PREFIX);
  }
}
