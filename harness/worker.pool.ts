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
  /** Old-version processes beside the slots (a rolling deploy). */
  private readonly oldVersions = new Set<NodeProcess>();
  private oldVersionsStarting = 0;
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
    this.dumpOutput(child);
    return child.pid;
  }

  /** Old versions running or starting. */
  get oldVersionCount(): number {
    return this.oldVersions.size + this.oldVersionsStarting;
  }

  /**
   * Starts an old version of `role` (HARNESS_OLD_VERSION: no handler for the chain's type) beside
   * the slots. It gives up before a fault's 15 s timeout, so none is left running untracked.
   */
  async startOldVersion(role: 'b' | 'c'): Promise<NodeProcess> {
    this.oldVersionsStarting++;
    try {
      const child = await spawnTsNode(script, {
        label: `${role.toUpperCase()}-old`,
        args: [role],
        env: { ...toChildEnv(this.connections), HARNESS_OLD_VERSION: '1' },
        readyTimeoutMs: 12000,
      });
      this.oldVersions.add(child);
      if (this.closing) await this.stopOldVersion(child);
      return child;
    } finally {
      this.oldVersionsStarting--;
    }
  }

  /** SIGKILL, as a deploy that replaces the instance without a graceful stop. */
  async stopOldVersion(child: NodeProcess): Promise<void> {
    this.oldVersions.delete(child);
    await child.kill();
    this.dumpOutput(child);
  }

  /** Resolves once every slot has a running process. */
  async allRunning(): Promise<void> {
    while (this.slots.some((slot) => !slot.process))
      await new Promise((resolve) => setTimeout(resolve, 200));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([
      ...this.slots.map(async (slot) => {
        await slot.process?.kill();
        if (slot.process) this.dumpOutput(slot.process);
      }),
      ...[...this.oldVersions].map((child) => this.stopOldVersion(child)),
    ]);
  }

  /** With HARNESS_LOGS set, what a process printed (its warnings: failed attempts) goes to stderr. */
  private dumpOutput(child: NodeProcess): void {
    if (process.env.HARNESS_LOGS)
      process.stderr.write(`--- ${child.label} ${child.pid}\n${child.output()}`);
  }
}
