import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';

/** The entry of an endpoint as its own Node process (see that file for its configuration). */
export const endpointProcessScript = join(__dirname, '../fixtures/process/endpoint-process.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  /** Name used in error messages, e.g. `billing#1`. */
  readonly label: string;
  readonly pid: number;
  /** What the process printed so far (stdout and stderr, interleaved), for failure messages. */
  output(): string;
  /** Resolves with how the process ended. */
  readonly exited: Promise<Exit>;
  /** SIGTERM, then waits for the exit; SIGKILL and rejects if it takes longer than `timeoutMs`. */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL if still running; resolves when it is gone. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  label: string;
  /** Arguments after the script. */
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** How long to wait for the `ready` line. Default 20000 ms. */
  readyTimeoutMs?: number;
}

/**
 * Runs a TypeScript entry with `node -r ts-node/register/transpile-only` (decorators and their
 * metadata as configured in tsconfig.json) and resolves once it prints a line starting with `ready`.
 * Rejects, after killing it, if it exits or stays silent before that. An IPC channel is opened so the
 * child notices (`disconnect`) when this process dies.
 */
export function spawnTsNode(script: string, options: SpawnOptions): Promise<NodeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', script, ...(options.args ?? [])],
    {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const handle: NodeProcess = {
    label: options.label,
    get pid() {
      return child.pid ?? -1;
    },
    output: () => output,
    exited,
    async stop(timeoutMs = 10000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${options.label} did not exit within ${timeoutMs} ms of SIGTERM`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };

  return new Promise<NodeProcess>((resolve, reject) => {
    let ready = false;
    let pending = '';
    const fail = (why: string) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.label} ${why}; its output:\n${output}`));
    };
    const timeoutMs = options.readyTimeoutMs ?? 20000;
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (!ready && lines.some((line) => line.startsWith('ready'))) {
        ready = true;
        clearTimeout(timer);
        resolve(handle);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    void exited.then(({ code, signal }) => fail(`exited before ready (${code ?? signal})`));
  });
}
