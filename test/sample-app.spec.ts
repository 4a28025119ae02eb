import { spawnSync } from 'child_process';
import { join } from 'path';

describe('sample-app main job', () => {
  it('places orders over HTTP and each is paid exactly once', () => {
    const root = join(__dirname, '..');
    const run = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'sample-app/main.ts', '--orders', '10'],
      { cwd: root, encoding: 'utf8', timeout: 90_000 },
    );
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.stdout).toContain('OK: all 10 orders paid exactly once');
    expect(run.status).toBe(0);
  });
});
