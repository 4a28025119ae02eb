import { HARNESS_DATABASES, type HarnessDatabase } from './harness.config';

export interface HarnessOptions {
  /** The database of every endpoint: MariaDB/MySQL or PostgreSQL. */
  db: HarnessDatabase;
  seed: number;
  /** Seconds of fault injection. */
  durationS: number;
  /** Business processes started through A. */
  processes: number;
  bWorkers: number;
  cWorkers: number;
  /** Seconds to wait for quiescence once the faults stop. */
  quiescenceTimeoutS: number;
  /** Print every fault as it is injected. */
  verbose: boolean;
  /** Only these kinds of fault (names as in the report); every kind when undefined. */
  faultKinds?: string[];
  /** B and C handle keyed messages as they come: per-key ordering broken on purpose. */
  noOrderingGate: boolean;
}

const flags =
  '[--db mariadb|postgres] [--seed N] [--duration S] [--processes N] [--b-workers N] ' +
  '[--c-workers N] [--quiescence-timeout S] [--verbose] [--faults "kind,kind"] [--no-ordering-gate]';
const usage = `harness ${flags} (--help explains them)`;

/** What `--help` prints. */
export const HARNESS_HELP = `usage: npm run harness -- ${flags}
  --db mariadb|postgres   the database of the chain (default mariadb): MariaDB/MySQL at DB_HOST,
                          DB_PORT (127.0.0.1:3306), or PostgreSQL at PG_HOST, PG_PORT
                          (127.0.0.1:5432); on PostgreSQL "MySQL KILL" is pg_terminate_backend and
                          "MySQL lock wait timeout" a LOCK TABLE … IN SHARE MODE (no gap locks)
  --seed N                replay a run: the seed the report printed (default random)
  --duration S            seconds of fault injection (default 60)
  --processes N           business processes started through A (default 500)
  --b-workers N, --c-workers N
                          worker processes of endpoints B and C (default 2 each)
  --quiescence-timeout S  how long to wait for the system to drain after the faults (default 90)
  --verbose               print every fault as it is injected
  --faults "kind,kind"    only these kinds of fault, named as in the report
  --no-ordering-gate      B and C handle keyed messages as they come (per-key ordering broken on
                          purpose, to see the per-key order invariants catch it)`;

/** Parses `--name value` flags; unknown flags are an error. */
export function parseHarnessOptions(argv: string[]): HarnessOptions {
  const options: HarnessOptions = {
    db: 'mariadb',
    seed: Math.floor(Math.random() * 2 ** 31),
    durationS: 60,
    processes: 500,
    bWorkers: 2,
    cWorkers: 2,
    quiescenceTimeoutS: 90,
    verbose: false,
    noOrderingGate: false,
  };
  const numeric: Record<string, keyof HarnessOptions> = {
    '--seed': 'seed',
    '--duration': 'durationS',
    '--processes': 'processes',
    '--b-workers': 'bWorkers',
    '--c-workers': 'cWorkers',
    '--quiescence-timeout': 'quiescenceTimeoutS',
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === '--verbose' || flag === '--no-ordering-gate') {
      options[flag === '--verbose' ? 'verbose' : 'noOrderingGate'] = true;
      continue;
    }
    const [name, inline] = flag.split('=', 2);
    if (name === '--db') {
      const db = inline ?? argv[++index];
      if (!HARNESS_DATABASES.includes(db as HarnessDatabase))
        throw new Error(`--db: ${HARNESS_DATABASES.join(' or ')} (got "${db}"); ${usage}`);
      options.db = db as HarnessDatabase;
      continue;
    }
    if (name === '--faults') {
      options.faultKinds = (inline ?? argv[++index] ?? '').split(',').map((kind) => kind.trim());
      continue;
    }
    const field = numeric[name];
    const value = Number(inline ?? argv[++index]);
    if (!field || !Number.isFinite(value)) throw new Error(`bad argument "${flag}"; ${usage}`);
    Object.assign(options, { [field]: value });
  }
  return options;
}
