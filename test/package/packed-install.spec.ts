import { spawn } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join, relative, resolve } from 'path';
import { DataSource } from 'typeorm';
import { messagingTableNames } from '../../lib';
import { describeOnMariaDb } from '../support/databases';
import { db, redis } from '../support/services';
import { ident } from '../support/sql';
import { cleanUp, uniquePrefix } from '../support/test-endpoint';

/**
 * `npm pack` the library, install the tarball into a separate Nest 11 app (test/package/consumer-app)
 * and check that its typings type-check under strict from the package root and that the app runs
 * one message through the real MySQL and Redis.
 *
 * `npm pack` builds dist/ through the prepare script, as it does in a fresh clone. The app's
 * dependencies are installed at the versions in this project's node_modules, --prefer-offline, so
 * the npm cache serves them. KEEP_CONSUMER_APP=1 keeps the temporary directory for a look.
 */
jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '../..');
const CONSUMER_SOURCE = join(__dirname, 'consumer-app');
const PACKAGE_NAME = 'nestjs-consistent-messaging';
const ENDPOINT = 'consumer-orders';

/** What the consumer app installs beside the tarball (its package.json lists the same). */
const CONSUMER_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/typeorm',
  'typeorm',
  'mysql2',
  'bullmq',
  'ioredis',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
];

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface ConsumerResult {
  ok: boolean;
  orderId: string;
  messageId: string;
  messageType: string;
  handled: {
    orderId: string;
    messageId: string;
    messageType: string;
    correlationId: string;
    causationId: string | null;
    originEndpoint: string;
    ordersInTransaction: number;
  };
  elapsedMs: number;
}

/** The environment without what `npm test` sets for this project, so nested npm runs stay in their directory. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/.test(name)) continue;
    if (['npm_config_local_prefix', 'npm_command', 'INIT_CWD', 'NODE_ENV'].includes(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function describeRun(what: string, result: RunResult): string {
  const tail = (text: string) => text.trim().split('\n').slice(-40).join('\n');
  return (
    `${what}: exit ${result.code ?? result.signal} after ${result.ms} ms\n` +
    `--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`
  );
}

async function mustSucceed(
  what: string,
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const result = await run(command, args, cwd, timeoutMs, env);
  if (result.code !== 0) throw new Error(describeRun(what, result));
  return result;
}

/** `name@version` as installed in this project, so the npm cache already holds it. */
function installedSpec(name: string): string {
  const manifest = join(ROOT, 'node_modules', name, 'package.json');
  if (existsSync(manifest)) {
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    return `${name}@${version}`;
  }
  const consumer = JSON.parse(readFileSync(join(CONSUMER_SOURCE, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const range = consumer.dependencies?.[name] ?? consumer.devDependencies?.[name];
  return range ? `${name}@${range}` : name;
}

/** Lines of `tsc` output that are errors, e.g. `src/main.ts(3,1): error TS2305: ...`. */
function tscErrors(output: string): string[] {
  return output.split('\n').filter((line) => /error TS\d+/.test(line));
}

// The consumer app is a MySQL application (mysql2, type 'mysql'): with TEST_DB=postgres it is skipped.
describeOnMariaDb('the packed package in a separate Nest 11 app', () => {
  const prefix = uniquePrefix('pkg');
  const queuePrefix = prefix.replace(/_+$/, '');
  let workDir: string;
  let appDir: string;
  let packed: PackResult;
  let tarball: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'cm-packed-install-'));
    appDir = join(workDir, 'app');

    // `npm pack` builds dist/ afresh itself (the prepare script), as from a fresh clone.
    const pack = await mustSucceed(
      'npm pack',
      'npm',
      ['pack', '--json', '--pack-destination', workDir],
      ROOT,
      180_000,
    );
    // npm prints the JSON array last; lifecycle scripts may print before it.
    const json = pack.stdout.slice(pack.stdout.search(/^\[/m));
    packed = (JSON.parse(json) as PackResult[])[0];
    tarball = join(workDir, basename(packed.filename));

    cpSync(CONSUMER_SOURCE, appDir, {
      recursive: true,
      filter: (source) =>
        !['node_modules', 'dist', 'package-lock.json'].includes(
          relative(CONSUMER_SOURCE, source).split(/[\\/]/)[0],
        ),
    });
    await mustSucceed(
      'npm install',
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        tarball,
        ...CONSUMER_DEPENDENCIES.map(installedSpec),
      ],
      appDir,
      180_000,
    );
  }, 240_000);

  afterAll(async () => {
    await cleanUp(prefix);
    if (!workDir) return;
    if (process.env.KEEP_CONSUMER_APP) {
      console.log(`consumer app kept in ${appDir}`);
    } else {
      rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('packs the built library only', () => {
    const files = packed.files.map((file) => file.path).sort();
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts']),
    );
    if (existsSync(join(ROOT, 'README.md'))) expect(files).toContain('README.md');
    // package.json, README and LICENSE are always packed; everything else comes from dist/.
    expect(
      files.filter(
        (file) => !/^(dist\/.+|package\.json|README(\.md)?|LICENSE(\.md)?)$/i.test(file),
      ),
    ).toEqual([]);
    expect(files.filter((file) => /\.ts$/.test(file) && !/\.d\.ts$/.test(file))).toEqual([]);
    expect(
      files.filter((file) => /(^|\/)(test|lib|sample-app|node_modules|scripts|\.ci)\//.test(file)),
    ).toEqual([]);
    expect(files.filter((file) => /\.spec\.(js|d\.ts)$/.test(file))).toEqual([]);
  });

  it('installs with main, types and exports pointing at packed files', () => {
    const installed = join(appDir, 'node_modules', PACKAGE_NAME);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      exports?: Record<string, unknown>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      dependencies?: Record<string, string>;
    };
    expect(existsSync(join(installed, manifest.main))).toBe(true);
    expect(existsSync(join(installed, manifest.types))).toBe(true);
    expect(manifest.exports?.['.']).toEqual({
      types: './dist/index.d.ts',
      default: './dist/index.js',
    });
    expect(manifest.exports?.['./testing']).toEqual({
      types: './dist/testing/index.d.ts',
      default: './dist/testing/index.js',
    });
    expect(existsSync(join(installed, 'dist', 'testing', 'index.d.ts'))).toBe(true);
    // Nest, TypeORM, BullMQ and ioredis come from the app (peers), never a nested private copy;
    // of the optional peers (the database drivers), this MySQL app has mysql2 only.
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    const required = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => !manifest.peerDependenciesMeta?.[peer]?.optional,
    );
    expect(required).toEqual(expect.arrayContaining(['typeorm', 'bullmq', 'ioredis']));
    for (const peer of [...required, 'mysql2'])
      expect(existsSync(join(appDir, 'node_modules', peer, 'package.json'))).toBe(true);
    expect(manifest.peerDependenciesMeta).toEqual({
      mysql2: { optional: true },
      pg: { optional: true },
    });
    // Shipped source maps must not point at sources that are not in the package.
    const maps = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.js.map'),
    );
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(
        readFileSync(join(installed, 'dist', map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: (string | null)[] };
      const missing = sources.filter((source, index) => {
        if (typeof sourcesContent?.[index] === 'string') return false;
        return !existsSync(resolve(join(installed, 'dist', map), '..', source));
      });
      expect({ map, missing }).toEqual({ map, missing: [] });
    }
  });

  it('satisfies every peer dependency with Nest 11 (npm ls)', async () => {
    const ls = await run('npm', ['ls', PACKAGE_NAME, '--all'], appDir, 60_000);
    expect({ code: ls.code, problems: ls.stderr.trim() }).toEqual({ code: 0, problems: '' });
  });

  it('resolves the package root and its testing entry only', async () => {
    const probe = [
      `require.resolve(${JSON.stringify(PACKAGE_NAME)});`,
      `require.resolve(${JSON.stringify(`${PACKAGE_NAME}/testing`)});`,
      `require.resolve(${JSON.stringify(`${PACKAGE_NAME}/package.json`)});`,
      `try { require.resolve(${JSON.stringify(`${PACKAGE_NAME}/dist/publisher/message.publisher`)}); process.exit(2); }`,
      `catch (e) { if (e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e; }`,
    ].join('\n');
    await mustSucceed('resolve probe', process.execPath, ['-e', probe], appDir, 30_000);
  });

  it('type-checks the app under strict against the typings from the package root', async () => {
    const tsc = join(appDir, 'node_modules', 'typescript', 'bin', 'tsc');
    // With skipLibCheck off, so errors in the package's own declarations count too.
    const check = await run(
      process.execPath,
      [tsc, '--noEmit', '-p', '.', '--skipLibCheck', 'false', '--listFiles'],
      appDir,
      120_000,
    );
    const errors = tscErrors(check.stdout + check.stderr);
    const ours = errors.filter(
      (line) => line.startsWith('src/') || line.includes(`node_modules/${PACKAGE_NAME}/`),
    );
    expect(ours).toEqual([]);
    // Errors only inside other packages' declarations do not concern this library.
    if (errors.length === 0) expect(check.code).toBe(0);
    expect(check.stdout).toContain(
      join(appDir, 'node_modules', PACKAGE_NAME, 'dist', 'index.d.ts'),
    );
  });

  it('builds with tsc and runs one message end to end against MySQL and Redis', async () => {
    const tsc = join(appDir, 'node_modules', 'typescript', 'bin', 'tsc');
    await mustSucceed('tsc -p .', process.execPath, [tsc, '-p', '.'], appDir, 120_000);

    const env = childEnv({
      CM_TABLE_PREFIX: prefix,
      CM_QUEUE_PREFIX: queuePrefix,
      DB_HOST: db.host,
      DB_PORT: String(db.port),
      DB_USER: db.username,
      DB_PASSWORD: db.password,
      DB_NAME: db.database,
      REDIS_HOST: redis.host,
      REDIS_PORT: String(redis.port),
    });
    const app = await run(process.execPath, ['dist/main.js'], appDir, 60_000, env);
    if (app.code !== 0) throw new Error(describeRun('node dist/main.js', app));
    const line = app.stdout
      .trim()
      .split('\n')
      .reverse()
      .find((text) => text.startsWith('{'));
    if (!line) throw new Error(describeRun('no JSON result line from node dist/main.js', app));
    const result = JSON.parse(line) as ConsumerResult;

    expect(result).toMatchObject({
      ok: true,
      drained: true,
      messageType: 'consumer.OrderPlaced',
      handled: {
        orderId: result.orderId,
        messageId: result.messageId,
        messageType: 'consumer.OrderPlaced',
        correlationId: result.messageId,
        causationId: null,
        originEndpoint: ENDPOINT,
        ordersInTransaction: 1,
      },
    });

    // The tables were created under the given prefix; the message went out and came in once.
    const { outbox, inbox } = messagingTableNames(prefix);
    const dataSource = new DataSource({ ...db });
    await dataSource.initialize();
    try {
      const sent: { message_id: string; dispatched: number }[] = await dataSource.query(
        `SELECT message_id, dispatched_at IS NOT NULL AS dispatched FROM ${ident(outbox)}`,
      );
      const received: { endpoint: string; message_id: string }[] = await dataSource.query(
        `SELECT endpoint, message_id FROM ${ident(inbox)}`,
      );
      const orders: { id: string }[] = await dataSource.query(
        `SELECT id FROM ${ident(`${prefix}order`)}`,
      );
      expect(sent.map((row) => ({ ...row, dispatched: Number(row.dispatched) }))).toEqual([
        { message_id: result.messageId, dispatched: 1 },
      ]);
      expect(received).toEqual([{ endpoint: ENDPOINT, message_id: result.messageId }]);
      expect(orders).toEqual([{ id: result.orderId }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
