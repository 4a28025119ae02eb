import { businessKey } from './chain.keys';
import type { OutboxCalls } from './outbox-calls';
import { startProcess, type ProcessStarter, type StartOutcome } from './producer.app';

/**
 * Starts `count` business processes through A's @Outbox(), spread evenly over `spreadMs`, a few at
 * a time. Resolves with the outcome of each key; each @Outbox() attempt is recorded in `calls`.
 */
export async function driveProcesses(
  starter: ProcessStarter,
  count: number,
  spreadMs: number,
  calls: OutboxCalls,
): Promise<Map<string, StartOutcome>> {
  const outcomes = new Map<string, StartOutcome>();
  const began = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const due = began + (spreadMs * index) / count;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const key = businessKey(index);
      outcomes.set(key, await startProcess(starter, key, calls));
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return outcomes;
}
