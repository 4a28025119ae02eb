import { InvalidMessagingOptionsError } from './errors/invalid-messaging-options.error';
import type {
  ConsistentMessagingModuleOptions,
  ResolvedMessagingOptions,
} from './interfaces/consistent-messaging-options.interface';
import { ENDPOINT_NAME, endpointNameProblem, MAX_ENDPOINT_LENGTH } from './messages/message-rules';
import type { ConnectionPool } from './storage/storage-dialect.interface';

const TABLE_PREFIX = /^[A-Za-z0-9_]*$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_CONCURRENCY = 16;
/**
 * Pool connections the library needs beside its handlers' transactions: one for the sweeper's claim
 * transaction, one shared by the dispatched marks, retention and health checks.
 */
const CONNECTIONS_KEPT_FOR_THE_RELAY = 2;

/**
 * Applies defaults and checks every option; throws one error that lists all problems. Without
 * `concurrency`, as many messages are handled at once as the pool allows, at most 16.
 */
export function resolveMessagingOptions(
  options: ConsistentMessagingModuleOptions | undefined,
  pool?: ConnectionPool,
  extras?: Partial<Record<keyof typeof MODULE_EXTRAS, unknown>>,
): ResolvedMessagingOptions {
  const given = options ?? ({} as ConsistentMessagingModuleOptions);
  const resolved: ResolvedMessagingOptions = {
    endpoint: given.endpoint,
    redis: given.redis,
    tablePrefix: given.tablePrefix ?? 'cm_',
    createTables: given.createTables ?? false,
    queuePrefix: given.queuePrefix ?? 'cm',
    consume: given.consume ?? true,
    concurrency: given.concurrency ?? defaultConcurrency(pool),
    batchSize: given.batchSize ?? 1,
    attemptTimeoutMs: given.attemptTimeoutMs ?? 30000,
    unknownTypeWaitMs: given.unknownTypeWaitMs ?? 10 * 60 * 1000,
    subscriptionRefreshMs: given.subscriptionRefreshMs ?? 5000,
    redisStartupTimeoutMs: given.redisStartupTimeoutMs ?? 30000,
    retry: {
      attempts: given.retry?.attempts ?? 5,
      backoff: given.retry?.backoff ?? { type: 'exponential', delay: 1000 },
    },
    lockDurationMs: given.lockDurationMs ?? 30000,
    keepCompletedJobs: given.keepCompletedJobs ?? 1000,
    keepFailedJobs: given.keepFailedJobs ?? 1000,
    relay: {
      sweepIntervalMs: given.relay?.sweepIntervalMs ?? 1000,
      sweepBatchSize: given.relay?.sweepBatchSize ?? 500,
      sweepDelayMs: given.relay?.sweepDelayMs ?? 5000,
      markBatchSize: given.relay?.markBatchSize ?? 200,
      markIntervalMs: given.relay?.markIntervalMs ?? 20,
      subscriptionCacheMs: given.relay?.subscriptionCacheMs ?? 2000,
      dispatchWaitMs: given.relay?.dispatchWaitMs ?? 1000,
    },
    retention: {
      enabled: given.retention?.enabled ?? true,
      outboxMs: given.retention?.outboxMs ?? DAY_MS,
      inboxMs: given.retention?.inboxMs ?? 7 * DAY_MS,
      intervalMs: given.retention?.intervalMs ?? 60000,
      batchSize: given.retention?.batchSize ?? 1000,
      deadLettersMs: given.retention?.deadLettersMs ?? 14 * DAY_MS,
      orderingKeysMs: given.retention?.orderingKeysMs ?? 30 * DAY_MS,
    },
    faultHooks: given.faultHooks ?? {},
  };
  const problems = [
    ...unknownOptions(given, resolved),
    ...misplacedExtras(given, extras),
    ...findProblems(resolved),
    ...poolProblems(resolved, pool),
  ];
  if (problems.length > 0) throw new InvalidMessagingOptionsError(problems);
  return resolved;
}

function findProblems(options: ResolvedMessagingOptions): string[] {
  const problems: string[] = [];
  if (typeof options.endpoint !== 'string' || endpointNameProblem(options.endpoint)) {
    problems.push(
      `endpoint: give this endpoint's name, letters, digits, ".", "_" or "-", at most ${MAX_ENDPOINT_LENGTH} characters (got ${show(options.endpoint)})`,
    );
  }
  if (typeof options.redis !== 'object' || options.redis === null) {
    problems.push(
      `redis: give the Redis connection, e.g. { host: '127.0.0.1', port: 6379 } (got ${show(options.redis)})`,
    );
  }
  if (!TABLE_PREFIX.test(options.tablePrefix)) {
    problems.push(`tablePrefix: letters, digits and "_" only (got ${show(options.tablePrefix)})`);
  }
  if (!ENDPOINT_NAME.test(options.queuePrefix)) {
    problems.push(
      `queuePrefix: letters, digits, ".", "_" or "-" (got ${show(options.queuePrefix)})`,
    );
  }
  /** Name, value, least and (optional) greatest allowed. */
  const integers: [string, number, number, number?][] = [
    ['concurrency', options.concurrency, 1],
    ['batchSize', options.batchSize, 1],
    ['attemptTimeoutMs', options.attemptTimeoutMs, 100],
    ['unknownTypeWaitMs', options.unknownTypeWaitMs, 0],
    ['subscriptionRefreshMs', options.subscriptionRefreshMs, 100],
    ['redisStartupTimeoutMs', options.redisStartupTimeoutMs, 0],
    ['retry.attempts', options.retry.attempts, 1],
    ['retry.backoff.delay', options.retry.backoff?.delay, 0],
    ['lockDurationMs', options.lockDurationMs, 1000],
    ['keepCompletedJobs', options.keepCompletedJobs, 0],
    ['keepFailedJobs', options.keepFailedJobs, 0],
    ['relay.sweepIntervalMs', options.relay.sweepIntervalMs, 10],
    ['relay.sweepBatchSize', options.relay.sweepBatchSize, 1],
    ['relay.sweepDelayMs', options.relay.sweepDelayMs, 0],
    ['relay.markBatchSize', options.relay.markBatchSize, 1],
    ['relay.markIntervalMs', options.relay.markIntervalMs, 0],
    ['relay.subscriptionCacheMs', options.relay.subscriptionCacheMs, 0],
    ['relay.dispatchWaitMs', options.relay.dispatchWaitMs, 0, 60000],
    ['retention.outboxMs', options.retention.outboxMs, 0],
    ['retention.inboxMs', options.retention.inboxMs, 0],
    ['retention.intervalMs', options.retention.intervalMs, 100],
    ['retention.batchSize', options.retention.batchSize, 1],
    // A dead letter is a message nobody handled yet: kept an hour at least, to be seen and retried.
    ['retention.deadLettersMs', options.retention.deadLettersMs, 3_600_000],
    ['retention.orderingKeysMs', options.retention.orderingKeysMs, 0],
  ];
  for (const [name, value, min, max = Number.MAX_SAFE_INTEGER] of integers) {
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(
        `${name}: an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''} (got ${show(value)})`,
      );
  }
  for (const [name, value] of [
    ['createTables', options.createTables],
    ['consume', options.consume],
  ] as const) {
    if (typeof value !== 'boolean') problems.push(`${name}: true or false (got ${show(value)})`);
  }
  if (options.concurrency >= 1 && options.batchSize > options.concurrency) {
    problems.push(
      `batchSize: at most concurrency (${show(options.concurrency)}), since a batch is made of messages handled at once (got ${show(options.batchSize)})`,
    );
  }
  problems.push(...retentionProblems(options));
  if (!['exponential', 'fixed'].includes(options.retry.backoff?.type)) {
    problems.push(
      `retry.backoff.type: 'exponential' or 'fixed' (got ${show(options.retry.backoff?.type)})`,
    );
  }
  return problems;
}

/** Read when the module is defined (ConsistentMessagingExtras); Nest leaves them in the options. */
const MODULE_EXTRAS = { isGlobal: true, dataSource: true, admin: true, queues: true };

/** Options given that don't exist (a typo, or one that was removed), each with what to do. */
function unknownOptions(
  given: ConsistentMessagingModuleOptions,
  resolved: ResolvedMessagingOptions,
): string[] {
  const problems: string[] = [];
  const check = (object: unknown, known: object, path: string) => {
    if (typeof object !== 'object' || object === null) return;
    for (const key of Object.keys(object)) {
      if (key in known) continue;
      const hint =
        key === 'ambientUnitOfWork'
          ? "no longer an option: handlers' units of work are always ambient, so that the " +
            'repositories and managers the application injects write in them (remove it)'
          : `not an option${closest(key, Object.keys(known), path)} (remove it)`;
      problems.push(`${path}${key}: ${hint}`);
    }
  };
  check(given, { ...resolved, ...MODULE_EXTRAS }, '');
  check(given.relay, resolved.relay, 'relay.');
  check(given.retention, resolved.retention, 'retention.');
  check(given.retry, resolved.retry, 'retry.');
  return problems;
}

/**
 * Extras are read when the module is defined: returned by a `forRootAsync` factory they would be
 * ignored (an admin that silently stays off). With `forRoot` they are the same values.
 */
function misplacedExtras(
  given: ConsistentMessagingModuleOptions,
  extras: Partial<Record<keyof typeof MODULE_EXTRAS, unknown>> | undefined,
): string[] {
  if (!extras) return [];
  return (Object.keys(MODULE_EXTRAS) as (keyof typeof MODULE_EXTRAS)[])
    .filter(
      (key) => key in given && (given as unknown as Record<string, unknown>)[key] !== extras[key],
    )
    .map(
      (key) =>
        `${key}: read when the module is defined, so a forRootAsync factory can't set it: ` +
        `give it beside useFactory, ConsistentMessagingModule.forRootAsync({ ${key}: …, useFactory })`,
    );
}

/** "; did you mean x?" for a known name at most two edits away, else "". */
function closest(key: string, known: string[], path: string): string {
  const near = known.find((name) => editDistance(key.toLowerCase(), name.toLowerCase()) <= 2);
  return near ? `; did you mean ${path}${near}?` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

function defaultConcurrency(pool: ConnectionPool | undefined): number {
  if (!pool?.size) return DEFAULT_CONCURRENCY;
  return Math.max(1, Math.min(DEFAULT_CONCURRENCY, pool.size - CONNECTIONS_KEPT_FOR_THE_RELAY));
}

/**
 * Each message handled at once holds a pooled connection for its transaction, and the relay needs
 * its own: with more, handlers and the relay queue for connections.
 */
function poolProblems(
  options: ResolvedMessagingOptions,
  pool: ConnectionPool | undefined,
): string[] {
  if (!pool?.size || !options.consume || !Number.isInteger(options.concurrency)) return [];
  const needed = options.concurrency + CONNECTIONS_KEPT_FOR_THE_RELAY;
  if (needed <= pool.size) return [];
  const fits = pool.size - CONNECTIONS_KEPT_FOR_THE_RELAY;
  return [
    `concurrency: ${options.concurrency} messages at once need ${options.concurrency} pooled connections, ` +
      `plus ${CONNECTIONS_KEPT_FOR_THE_RELAY} for the relay, but the pool has ${pool.size}: raise ${pool.setting} ` +
      `to at least ${needed}` +
      (fits >= 1 ? `, or lower concurrency to ${fits}` : ''),
  ];
}

/**
 * The inbox must remember a message as long as a copy can still arrive: through retries (backoff and
 * stalled-job redelivery) and through re-dispatch of any outbox row still kept; and ordering keys as
 * long as the inbox.
 */
function retentionProblems(options: ResolvedMessagingOptions): string[] {
  const { inboxMs, outboxMs, orderingKeysMs } = options.retention;
  if (!Number.isInteger(inboxMs) || !Number.isInteger(outboxMs)) return [];
  const problems: string[] = [];
  if (Number.isInteger(orderingKeysMs) && orderingKeysMs < inboxMs) {
    problems.push(
      `retention.orderingKeysMs: at least retention.inboxMs (${inboxMs}), so a key is not started afresh while copies of its messages may still arrive (got ${orderingKeysMs})`,
    );
  }
  if (inboxMs < outboxMs) {
    problems.push(
      `retention.inboxMs: at least retention.outboxMs (${outboxMs}), so a re-dispatched outbox row is still deduplicated (got ${inboxMs})`,
    );
  }
  const retrySpan = retrySpanMs(options);
  if (Number.isFinite(retrySpan) && inboxMs < retrySpan) {
    problems.push(
      `retention.inboxMs: at least the longest redelivery, ${retrySpan} ms for these retry and lock settings (got ${inboxMs})`,
    );
  }
  return problems;
}

/** Upper bound of the time between the first and the last attempt of one message. */
export function retrySpanMs(options: ResolvedMessagingOptions): number {
  const { attempts, backoff } = options.retry;
  let span = attempts * Math.max(options.lockDurationMs, options.attemptTimeoutMs);
  for (let attempt = 1; attempt < attempts; attempt++) {
    span += backoff.type === 'exponential' ? backoff.delay * 2 ** (attempt - 1) : backoff.delay;
  }
  return span;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
