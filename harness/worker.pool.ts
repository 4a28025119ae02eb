import { join } from 'path';
import { spawnTsNode, type NodeProcess } from '../test/support/child-process';
import { toChildEnv, type HarnessConnections } from './harness.config';

const script = join(__dirname, 'chain-endpoint.ts');

/** One worker slot: a role and the process currently filling it (none while restarting). */
export interface WorkerSlot {
  readonly label: string;
  readonly role: 'b' | 'c';
  process: NodeProcess | undefined;
  pids: number[];
  /** Exits the harness did not cause. */
  unexpectedExits: string[];
}

/** The B and C worker processes: started, killed with SIGKILL, restarted. */
export class WorkerPool {
  readonly slots: WorkerSlot[] = [];
  private closing = false;

  constructor(
    private readonly connections: HarnessConnections,
    private readonly log: (line: string) => void,
  ) {}

  async start(bWorkers: number, cWorkers: number): Promise<void> {
    const roles = [
      ...Array.from({ length: bWorkers }, () => 'b' as const),
      ...Array.from({ length: cWorkers }, () => 'c' as const),
    ];
    const count: Record<string, number> = {};
    for (const role of roles) {
      count[role] = (count[role] ?? 0) + 1;
      this.slots.push({
        label: `${role.toUpperCase()}#${count[role]}`,
        role,
        process: undefined,
        pids: [],
        unexpectedExits: [],
      });
    }
    await Promise.all(this.slots.map((slot) => this.fill(slot)));
  }

  /** Starts a process in the slot, retrying while it fails to start (say, Redis is away). */
  async fill(slot: WorkerSlot): Promise<void> {
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        const child = await spawnTsNode(script, {
          label: slot.label,
          args: [slot.role],
          env: toChildEnv(this.connections),
          readyTimeoutMs: 30000,
        });
        slot.process = child;
        slot.pids.push(child.pid);
        void child.exited.then((exit) => {
          if (slot.process !== child || this.closing) return;
          slot.process = undefined;
          const why = `${slot.label} pid ${child.pid} exited by itself (${exit.code ?? exit.signal})`;
          slot.unexpectedExits.push(why);
          this.log(`${why}; restarting. Output:\n${child.output().slice(-2000)}`);
          void this.fill(slot);
        });
        return;
      } catch (error) {
        this.log(
          `${slot.label} failed to start (attempt ${attempt}): ${String(error).slice(0, 300)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** SIGKILL; the slot stays empty until `fill`. Returns the killed pid, if any. */
  async kill(slot: WorkerSlot): Promise<number | undefined> {
    const child = slot.process;
    if (!child) return undefined;
    slot.process = undefined;
    await child.kill();
    this.dumpOutput(slot, child);
    return child.pid;
  }

  /** Resolves once every slot has a running process. */
  async allRunning(): Promise<void> {
    while (this.slots.some((slot) => !slot.process))
      await new Promise((resolve) => setTimeout(resolve, 200));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.process?.kill();
        if (slot.process) this.dumpOutput(slot, slot.process);
      }),
    );
  }

  /** With HARNESS_LOGS set, what a process printed (its warnings: failed attempts) goes to stderr. */
  private dumpOutput(slot: WorkerSlot, child: NodeProcess): void {
    if (process.env.HARNESS_LOGS)
      process.stderr.write(`--- ${slot.label} ${child.pid}\n${child.output()}`);
  }
}
