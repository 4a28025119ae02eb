import { spawnSync } from 'child_process';
import { join } from 'path';

describe('sample-app main job', () => {
  // 10 carts: cart-5 is submitted twice in a row, cart-10 twice at once.
  it('runs the order process over three processes, each step exactly once', () => {
    const root = join(__dirname, '..');
    const run = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'sample-app/main.ts', '--orders', '10'],
      { cwd: root, encoding: 'utf8', timeout: 55_000 },
    );
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.stdout).toContain(
      'repeated submits: 2, 2 answered 409 with the first OrderPlaced id',
    );
    expect(run.stdout).toContain('OK: all 10 orders completed exactly once at every step');
    expect(run.status).toBe(0);
  });
});
