import { spawn } from 'child_process';
import { join } from 'path';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One endpoint process of the sample, started by the main job. */
export interface EndpointChild {
  readonly name: string;
  /** What the process printed on its ready line (`url` for those serving HTTP). */
  readonly info: Record<string, string>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  isRunning(): boolean;
  readonly exited: Promise<Exit>;
  /** SIGTERM (the process closes its applications), then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<Exit>;
  /** SIGKILL if still running. */
  kill(): Promise<void>;
}

const root = join(__dirname, '../..');

/** Nest colors its logs; keep them only where ours go to a terminal. */
const colors: Record<string, string> = process.stdout.isTTY ? {} : { NO_COLOR: '1' };

/**
 * Runs `sample-app/<name>/main.ts` with ts-node and resolves once it prints its `ready {…}` line;
 * kills it and rejects if it exits or stays silent first. The IPC channel lets the child notice
 * when this process dies. `echo` copies its output, prefixed with its name, to ours.
 */
export function spawnEndpointChild(
  name: string,
  env: Record<string, string>,
  echo: boolean,
  readyTimeoutMs = 30_000,
): Promise<EndpointChild> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join('sample-app', name, 'main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...colors, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (echo) process.stdout.write(prefixLines(name, chunk.toString()));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  return new Promise<EndpointChild>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} ${why}; its output:\n${output}`));
    };
    const timer = setTimeout(
      () => fail(`was not ready within ${readyTimeoutMs} ms`),
      readyTimeoutMs,
    );
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    void exited.then(({ code, signal }) => fail(`exited before ready (${code ?? signal})`));
    child.stdout?.on('data', () => {
      const lines = output.split('\n').slice(0, -1); // complete lines only
      const line = lines.find((text) => text.startsWith('ready '));
      if (settled || !line) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        name,
        info: JSON.parse(line.slice('ready '.length)) as Record<string, string>,
        output: () => output,
        isRunning: running,
        exited,
        async stop(timeoutMs = 10_000) {
          if (running()) child.kill('SIGTERM');
          const timeout = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          try {
            return await exited;
          } finally {
            clearTimeout(timeout);
          }
        },
        async kill() {
          if (running()) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

function prefixLines(name: string, text: string): string {
  return text.replace(/^(?=.)/gm, `[${name}] `);
}
