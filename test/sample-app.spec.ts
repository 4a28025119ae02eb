import { spawnSync } from 'child_process';
import { join } from 'path';
import { DataSource } from 'typeorm';
import { db } from './support/services';
import { cleanUp, tablesLike, uniquePrefix } from './support/test-endpoint';

describe('sample-app main job', () => {
  // Its own tables and Redis keys, from the environment, as a user's settings would be.
  const prefix = uniquePrefix('sample');

  afterAll(() => cleanUp(prefix));

  // 10 carts: cart-5 is submitted twice in a row, cart-10 twice at once.
  it('runs the order process over three processes, each step exactly once', async () => {
    const root = join(__dirname, '..');
    const run = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'sample-app/main.ts', '--orders', '10'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 55_000,
        env: {
          ...process.env,
          // The test database: the sample's settings read DB_* or PG_* by it.
          DB_TYPE: db.type,
          SAMPLE_TABLE_PREFIX: prefix,
          SAMPLE_QUEUE_PREFIX: prefix.replace(/_+$/, ''),
        },
      },
    );
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.stdout).toContain(
      'repeated submits: 2, 2 answered 409 with the first OrderPlaced id',
    );
    // The table's columns are explained under it.
    expect(run.stdout).toMatch(/^ {2}submits: POST \/orders calls for the cart/m);
    expect(run.stdout).toContain('OK: all 10 orders completed exactly once at every step');
    expect(run.status).toBe(0);
    const admin = await new DataSource({ ...db }).initialize();
    try {
      const tables = await tablesLike(admin, `${prefix}orders_`);
      expect(tables.length).toBeGreaterThan(0);
    } finally {
      await admin.destroy();
    }
  });
});
