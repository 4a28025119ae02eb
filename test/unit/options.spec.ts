import { resolveMessagingOptions } from '../../lib/consistent-messaging.options';
import { InvalidMessagingOptionsError, type ConsistentMessagingModuleOptions } from '../../lib';

const valid: ConsistentMessagingModuleOptions = {
  endpoint: 'orders',
  redis: { host: '127.0.0.1', port: 6379 },
};

describe('module options', () => {
  it('applies the documented defaults', () => {
    expect(resolveMessagingOptions(valid)).toMatchObject({
      endpoint: 'orders',
      tablePrefix: 'cm_',
      queuePrefix: 'cm',
      createTables: false,
      consume: true,
      concurrency: 16,
      batchSize: 1,
      retry: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
      lockDurationMs: 30000,
      keepCompletedJobs: 1000,
      relay: {
        sweepIntervalMs: 1000,
        sweepBatchSize: 500,
        sweepDelayMs: 5000,
        markBatchSize: 200,
        markIntervalMs: 20,
        subscriptionCacheMs: 2000,
      },
      retention: {
        enabled: true,
        outboxMs: 24 * 60 * 60 * 1000,
        inboxMs: 7 * 24 * 60 * 60 * 1000,
        intervalMs: 60000,
        batchSize: 1000,
        deadLettersMs: 14 * 24 * 60 * 60 * 1000,
      },
    });
  });

  it('keeps inbox records at least as long as any redelivery', () => {
    expect(() =>
      resolveMessagingOptions({
        ...valid,
        retention: { outboxMs: 10_000_000, inboxMs: 5_000_000 },
      }),
    ).toThrow(/retention\.inboxMs: at least retention\.outboxMs/);
    // 5 attempts x 30 s lock + 1 + 2 + 4 + 8 s backoff = 165 s
    expect(() =>
      resolveMessagingOptions({ ...valid, retention: { outboxMs: 0, inboxMs: 100_000 } }),
    ).toThrow(/retention\.inboxMs: at least the longest redelivery, 165000 ms/);
    expect(() =>
      resolveMessagingOptions({ ...valid, retention: { batchSize: 0, intervalMs: 5 } }),
    ).toThrow(/retention\.intervalMs[\s\S]*retention\.batchSize/);
    // Dead letters are messages nobody handled yet: not deleted within the hour.
    expect(() => resolveMessagingOptions({ ...valid, retention: { deadLettersMs: 0 } })).toThrow(
      /retention\.deadLettersMs: an integer >= 3600000/,
    );
  });

  it('takes batches no larger than the messages handled at once', () => {
    expect(resolveMessagingOptions({ ...valid, concurrency: 16, batchSize: 8 }).batchSize).toBe(8);
    expect(() => resolveMessagingOptions({ ...valid, concurrency: 4, batchSize: 8 })).toThrow(
      /batchSize: at most concurrency \(4\)/,
    );
    expect(() => resolveMessagingOptions({ ...valid, batchSize: 0 })).toThrow(
      /batchSize: an integer >= 1 \(got 0\)/,
    );
  });

  it('bounds the wait for Redis after commit', () => {
    expect(resolveMessagingOptions(valid).relay.dispatchWaitMs).toBe(1000);
    expect(
      resolveMessagingOptions({ ...valid, relay: { dispatchWaitMs: 0 } }).relay.dispatchWaitMs,
    ).toBe(0);
    expect(() => resolveMessagingOptions({ ...valid, relay: { dispatchWaitMs: 600000 } })).toThrow(
      /relay\.dispatchWaitMs: an integer >= 0 and <= 60000 \(got 600000\)/,
    );
  });

  it('says what to fix when required options are missing', () => {
    expect(() => resolveMessagingOptions(undefined)).toThrow(InvalidMessagingOptionsError);
    expect(() => resolveMessagingOptions({} as ConsistentMessagingModuleOptions)).toThrow(
      /endpoint: give this endpoint's name[\s\S]*redis: give the Redis connection/,
    );
  });

  it('refuses options that do not exist, with the one that was probably meant', () => {
    const attempt = () =>
      resolveMessagingOptions({
        ...valid,
        concurency: 4,
        relay: { sweepIntervalMS: 100 },
      } as ConsistentMessagingModuleOptions);
    expect(attempt).toThrow(/concurency: not an option; did you mean concurrency\? \(remove it\)/);
    expect(attempt).toThrow(
      /relay.sweepIntervalMS: not an option; did you mean relay.sweepIntervalMs\?/,
    );
    expect(() =>
      resolveMessagingOptions({
        ...valid,
        ambientUnitOfWork: false,
      } as ConsistentMessagingModuleOptions),
    ).toThrow(/ambientUnitOfWork: no longer an option/);
  });

  it('takes endpoint names as long as the inbox key holds (191 characters), no longer', () => {
    expect(resolveMessagingOptions({ ...valid, endpoint: 'e'.repeat(191) }).endpoint).toHaveLength(
      191,
    );
    expect(() => resolveMessagingOptions({ ...valid, endpoint: 'e'.repeat(192) })).toThrow(
      /at most 191 characters/,
    );
  });

  it('lists every wrong value at once', () => {
    const attempt = () =>
      resolveMessagingOptions({
        ...valid,
        endpoint: 'bad name',
        tablePrefix: 'x-;',
        concurrency: 0,
        attemptTimeoutMs: 50,
        retry: { attempts: 1.5, backoff: { type: 'linear' as 'fixed', delay: -1 } },
      });
    try {
      attempt();
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMessagingOptionsError);
      expect(
        (error as InvalidMessagingOptionsError).problems.map((problem) => problem.split(':')[0]),
      ).toEqual([
        'endpoint',
        'tablePrefix',
        'concurrency',
        'attemptTimeoutMs',
        'retry.attempts',
        'retry.backoff.delay',
        'retry.backoff.type',
      ]);
    }
  });
});
