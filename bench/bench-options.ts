export const SCENARIOS = [
  'throughput',
  'latency',
  'backlog',
  'table-size',
  'memory',
  'batching',
  'joining',
  'dead-letters',
  'ordering',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const DATABASES = ['mariadb', 'postgres'] as const;
export type DatabaseName = (typeof DATABASES)[number];

export interface BenchOptions {
  quick: boolean;
  /** The database both systems use (and the bench's own connections). */
  db: DatabaseName;
  scenarios: ScenarioName[];
  /** Throughput: messages pre-loaded per run. */
  messages: number;
  concurrencies: number[];
  /** Throughput: rounds of the three systems per concurrency (the median counts). */
  rounds: number;
  /** Latency: how long messages are fed, and at what rate (default: half the measured maximum). */
  latencySeconds: number;
  latencyRate?: number;
  /** Backlog: committed undispatched outbox rows to drain. */
  backlogRows: number;
  /** Table size: old rows in the outbox and in the inbox. */
  tableRows: number;
  /** Messages per run of the table-size, batching and joining scenarios. */
  shortRunMessages: number;
  /** Memory: messages through each pipeline. */
  memoryMessages: number;
  output: string;
  /** Random UUIDs as message ids instead of the library's time-ordered ones. */
  randomIds: boolean;
}

const FULL = {
  messages: 20_000,
  latencySeconds: 15,
  backlogRows: 100_000,
  tableRows: 1_000_000,
  shortRunMessages: 5_000,
  memoryMessages: 100_000,
  rounds: 3,
};

const QUICK: typeof FULL = {
  messages: 3_000,
  latencySeconds: 5,
  backlogRows: 20_000,
  tableRows: 100_000,
  shortRunMessages: 3_000,
  memoryMessages: 10_000,
  rounds: 1,
};

export const USAGE = `npm run bench -- [options]

  --db NAME               database of both systems: ${DATABASES.join(' or ')} (default mariadb)
  --quick                 CI size: ${QUICK.messages} messages, ${QUICK.backlogRows} backlog rows, ${QUICK.tableRows} old rows...
  --scenario NAME         run only this scenario (repeatable or comma-separated):
                          ${SCENARIOS.join(', ')}
  --messages N            throughput messages per run (default ${FULL.messages}); also caps the
                          table-size, batching, joining and memory runs
  --rounds N              rounds of the three systems per throughput point, median reported
                          (default ${FULL.rounds}, ${QUICK.rounds} with --quick)
  --rate N                latency: feed rate in messages/s (default: half the consistent
                          throughput at concurrency 16, measured in this run or calibrated)
  --latency-seconds N     latency: how long to feed (default ${FULL.latencySeconds})
  --backlog-rows N        backlog: rows to drain (default ${FULL.backlogRows})
  --table-rows N          table size: old outbox and inbox rows (default ${FULL.tableRows}, max 1000000)
  --memory-messages N     memory: messages through each pipeline (default ${FULL.memoryMessages})
  --random-ids            random UUIDs as message ids instead of the library's time-ordered ones
                          (UUIDv7), in the feeder, the handler's follow-ups and the bulk rows
  --out FILE              results file (default bench-results/latest.json)
`;

/** Parses the command line; throws with the usage text on anything unknown. */
export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const sizes = quick ? QUICK : FULL;
  const options: BenchOptions = {
    quick,
    db: 'mariadb',
    scenarios: [...SCENARIOS],
    ...sizes,
    concurrencies: [1, 16, 64],
    output: 'bench-results/latest.json',
    randomIds: false,
  };
  const scenarios: ScenarioName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--db':
        options.db = databaseName(value());
        break;
      case '--scenario':
        scenarios.push(...value().split(',').map(scenarioName));
        break;
      case '--messages':
        options.messages = positive(flag, value());
        options.shortRunMessages = Math.min(sizes.shortRunMessages, options.messages);
        options.memoryMessages = Math.min(sizes.memoryMessages, options.messages);
        break;
      case '--rounds':
        options.rounds = positive(flag, value());
        break;
      case '--rate':
        options.latencyRate = positive(flag, value());
        break;
      case '--latency-seconds':
        options.latencySeconds = positive(flag, value());
        break;
      case '--backlog-rows':
        options.backlogRows = positive(flag, value());
        break;
      case '--table-rows':
        options.tableRows = Math.min(1_000_000, positive(flag, value()));
        break;
      case '--memory-messages':
        options.memoryMessages = positive(flag, value());
        break;
      case '--random-ids':
        options.randomIds = true;
        break;
      case '--out':
        options.output = value();
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n\n${USAGE}`);
    }
  }
  if (scenarios.length > 0) options.scenarios = SCENARIOS.filter((s) => scenarios.includes(s));
  return options;
}

function databaseName(name: string): DatabaseName {
  const found = DATABASES.find((database) => database === name.trim().toLowerCase());
  if (!found)
    throw new Error(`--db: unknown database "${name}": ${DATABASES.join(', ')}\n\n${USAGE}`);
  return found;
}

function scenarioName(name: string): ScenarioName {
  const found = SCENARIOS.find((scenario) => scenario === name.trim());
  if (!found) throw new Error(`unknown scenario "${name}": ${SCENARIOS.join(', ')}`);
  return found;
}

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag}: a positive integer`);
  return value;
}
