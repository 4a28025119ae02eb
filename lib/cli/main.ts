#!/usr/bin/env node
/**
 * The library's command line. One command today, the disaster recovery after Redis lost its jobs:
 *
 *   consistent-messaging redispatch --since 2026-12-01T10:00:00Z --url mysql://user:pw@host:3306/db
 *     [--endpoint orders] [--table-prefix cm_]
 *
 * (`postgres://…` for PostgreSQL.)
 *
 * It needs the database only: the rows become pending, and the endpoints' running sweepers
 * dispatch them again. `--url` may come from DATABASE_URL instead.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { redispatchOutboxSince } from '../storage/outbox-redispatch';

const USAGE =
  'usage: consistent-messaging redispatch --since <ISO 8601 date> --url mysql://user:password@host:port/database (or postgres://…) [--endpoint <name>] [--table-prefix cm_]';

/** The TypeORM data source type of a database URL's scheme. */
const URL_TYPES: Record<string, 'mysql' | 'mariadb' | 'postgres'> = {
  'mysql:': 'mysql',
  'mariadb:': 'mariadb',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
};

interface RedispatchArguments {
  since: Date;
  url: string;
  type: 'mysql' | 'mariadb' | 'postgres';
  endpoint?: string;
  tablePrefix: string;
}

class UsageError extends Error {}

function parseArguments(argv: string[]): RedispatchArguments | 'help' {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || rest.includes('--help'))
    return 'help';
  if (command !== 'redispatch') throw new UsageError(`unknown command "${command ?? ''}"`);
  const flags = new Map<string, string>();
  for (let index = 0; index < rest.length; index += 2) {
    const [name, value] = [rest[index], rest[index + 1]];
    if (!['--since', '--url', '--endpoint', '--table-prefix'].includes(name) || value === undefined)
      throw new UsageError(`bad argument "${name}"`);
    flags.set(name, value);
  }
  const since = new Date(flags.get('--since') ?? '');
  if (Number.isNaN(since.getTime()) || since.getTime() > Date.now())
    throw new UsageError('--since: an ISO 8601 date in the past, e.g. 2026-12-01T10:00:00Z');
  const url = flags.get('--url') ?? process.env.DATABASE_URL;
  if (!url) throw new UsageError('--url (or DATABASE_URL): the database of the outbox');
  const type = URL_TYPES[url.slice(0, url.indexOf(':') + 1).toLowerCase()];
  if (!type)
    throw new UsageError(
      `--url: a mysql://, mariadb:// or postgres:// URL, not "${url.split(':')[0]}:"`,
    );
  return {
    since,
    url,
    type,
    endpoint: flags.get('--endpoint'),
    tablePrefix: flags.get('--table-prefix') ?? 'cm_',
  };
}

async function redispatch(args: RedispatchArguments): Promise<void> {
  const dataSource = new DataSource({ type: args.type, url: args.url });
  await dataSource.initialize();
  try {
    const pending = await redispatchOutboxSince(dataSource, args);
    const whose = args.endpoint ? ` of endpoint "${args.endpoint}"` : '';
    process.stdout.write(
      `${pending} outbox row(s)${whose} dispatched since ${args.since.toISOString()} are pending again; ` +
        "the endpoints' sweepers dispatch them, receivers drop what they already handled.\n",
    );
  } finally {
    await dataSource.destroy();
  }
}

async function main(): Promise<number> {
  let args: RedispatchArguments | 'help';
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  await redispatch(args);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`consistent-messaging: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
