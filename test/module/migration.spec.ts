import { spawn } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { DataSource } from 'typeorm';
import { createMessagingMigration, messagingTableNames } from '../../lib';
import { db, onPostgres } from '../support/services';
import { CURRENT_SCHEMA, ident, list, sql } from '../support/sql';
import { cleanUp, uniquePrefix } from '../support/test-endpoint';

const ROOT = resolve(__dirname, '../..');

/**
 * The exported migration, run by `migrationsRun` and by the TypeORM CLI, for short and long table
 * prefixes; run again it changes nothing, and it brings an earlier version's tables up to date.
 */
describe('createMessagingMigration', () => {
  const base = uniquePrefix('mig');
  const prefixes = [`${base}`, `${base}orders_`, `${base}a_much_longer_prefix_2_`];
  let admin: DataSource;

  beforeAll(async () => {
    admin = new DataSource({ ...db });
    await admin.initialize();
  });

  afterAll(async () => {
    await admin?.destroy();
    await cleanUp(base);
  });

  async function tablesOf(prefix: string): Promise<string[]> {
    const names = Object.values(messagingTableNames(prefix));
    const rows: { name: string }[] = await admin.query(
      sql(`SELECT TABLE_NAME AS name FROM information_schema.TABLES
           WHERE TABLE_SCHEMA = ${CURRENT_SCHEMA} AND TABLE_NAME IN (${list(names)})`),
      names,
    );
    return rows.map((row) => row.name).sort();
  }

  const allTables = (prefix: string) => Object.values(messagingTableNames(prefix)).sort();

  async function runMigrations(prefix: string, migrationsTableName: string): Promise<void> {
    const dataSource = new DataSource({
      ...db,
      migrations: [createMessagingMigration(prefix)],
      migrationsTableName,
      migrationsRun: true,
    });
    await dataSource.initialize();
    await dataSource.destroy();
  }

  it.each(prefixes)(
    'creates every table through migrationsRun, prefix %s, and runs once',
    async (prefix) => {
      const migrationsTable = `${prefix}migrations`;
      await runMigrations(prefix, migrationsTable);
      expect(await tablesOf(prefix)).toEqual(allTables(prefix));
      await runMigrations(prefix, migrationsTable);
      const runs: { name: string }[] = await admin.query(
        `SELECT name FROM ${ident(migrationsTable)}`,
      );
      expect(runs).toHaveLength(1);
      expect(runs[0].name).toMatch(
        new RegExp(`^CreateConsistentMessagingTables_${prefix}_\\d{13}$`),
      );
    },
  );

  it("brings an earlier version's tables up to date", async () => {
    const prefix = `${base}old_`;
    const { subscriptions, deadLetters, outbox } = messagingTableNames(prefix);
    const migrationsTable = `${prefix}migrations`;
    await runMigrations(prefix, migrationsTable);
    // As the first version left them: no subscriptions or dead letters, no dispatch_error (MySQL
    // only: the first PostgreSQL tables already had the column, and nothing adds it there).
    await admin.query(`DROP TABLE ${ident(subscriptions)}, ${ident(deadLetters)}`);
    if (!onPostgres) await admin.query(`ALTER TABLE ${ident(outbox)} DROP COLUMN dispatch_error`);
    await admin.query(
      `UPDATE ${ident(migrationsTable)} SET name = 'CreateConsistentMessagingTables1764201600000_${prefix}'`,
    );
    await runMigrations(prefix, migrationsTable);
    expect(await tablesOf(prefix)).toEqual(allTables(prefix));
    const columns: unknown[] = await admin.query(
      sql(`SELECT 1 FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = ${CURRENT_SCHEMA} AND TABLE_NAME = ? AND COLUMN_NAME = 'dispatch_error'`),
      [outbox],
    );
    expect(columns).toHaveLength(1);
  });

  it('runs through the TypeORM CLI (migration:run, then migration:revert)', async () => {
    const prefix = `${base}cli_orders_`;
    // Inside the project (not node_modules, which ts-node leaves alone), so that the data source
    // file resolves typeorm as an application's would.
    mkdirSync(join(ROOT, '.test-results'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.test-results/migration-cli-'));
    try {
      const file = join(dir, 'data-source.ts');
      writeFileSync(
        file,
        [
          `import { DataSource } from 'typeorm';`,
          `import { createMessagingMigration } from ${JSON.stringify(join(ROOT, 'lib'))};`,
          `export default new DataSource(${JSON.stringify(db).replace(
            /}$/,
            '',
          )}, migrations: [createMessagingMigration(${JSON.stringify(prefix)})], migrationsTableName: ${JSON.stringify(`${prefix}migrations`)} });`,
        ].join('\n'),
      );
      const cli = join(ROOT, 'node_modules/typeorm/cli-ts-node-commonjs.js');
      const run = await typeormCli(cli, ['migration:run', '-d', file]);
      if (run.code !== 0) throw new Error(`typeorm migration:run failed:\n${run.output}`);
      expect(run.output).toMatch(
        /CreateConsistentMessagingTables_.*has been {1,2}executed successfully/,
      );
      expect(await tablesOf(prefix)).toEqual(allTables(prefix));
      expect(await typeormCli(cli, ['migration:revert', '-d', file])).toMatchObject({ code: 0 });
      expect(await tablesOf(prefix)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

function typeormCli(cli: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}
