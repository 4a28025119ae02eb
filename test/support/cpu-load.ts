import { spawn, type ChildProcess } from 'child_process';
import { cpus } from 'os';

/**
 * Busy loops in child processes, one more than there are cores, so that the test's own process
 * gets the CPU only in slices, as on a loaded machine. Stop it in afterAll; the children are also
 * killed if the test process exits first.
 */
export class CpuLoad {
  private readonly children: ChildProcess[] = [];
  private readonly killAll = () => this.children.forEach((child) => child.kill('SIGKILL'));

  static start(processes = cpus().length + 1): CpuLoad {
    const load = new CpuLoad();
    for (let i = 0; i < processes; i++) {
      load.children.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    }
    process.once('exit', load.killAll);
    return load;
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.killAll);
    const exits = this.children.map(
      (child) =>
        new Promise((resolve) =>
          child.exitCode !== null ? resolve(null) : child.once('exit', resolve),
        ),
    );
    this.killAll();
    await Promise.all(exits);
  }
}
