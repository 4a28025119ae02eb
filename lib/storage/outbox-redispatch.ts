import type { DataSource, QueryRunner } from 'typeorm';
import { affectedRows } from './affected-rows';
import { messagingTableNames } from './messaging-table-names';
import { inReadCommitted } from './own-transaction';
import type { StorageDialect } from './storage-dialect.interface';
import { dialectOf } from './storage-dialects';

export interface RedispatchSinceOptions {
  /** The messaging tables' prefix (the module's `tablePrefix`). Default `cm_`. */
  tablePrefix?: string;
  /** Rows dispatched at or after this moment (by the database's clock) are dispatched again. */
  since: Date;
  /** Only rows this endpoint wrote; every endpoint whose rows are in these tables when omitted. */
  endpoint?: string;
}

/** Rows updated per transaction, so a large recovery never holds many locks at once. */
const BATCH = 5000;

/**
 * Disaster recovery after Redis lost jobs (a restart without persistence, a flush, a failover that
 * lost writes): makes the outbox rows dispatched since `since` pending again, and the endpoints'
 * sweepers dispatch them again. Receivers' inboxes drop what they already handled; rows the
 * retention has deleted are gone. Returns how many rows it made pending.
 */
export function redispatchOutboxSince(
  dataSource: DataSource,
  options: RedispatchSinceOptions,
): Promise<number> {
  return markForRedispatch(dialectOf(dataSource), () => dataSource.createQueryRunner(), options);
}

/**
 * `redispatchOutboxSince` on query runners from `newQueryRunner`, one READ COMMITTED transaction
 * per batch (`inReadCommitted`): no gap locks, and rows other transactions hold are skipped, so the
 * application's inserts into the outbox never wait on it.
 */
export async function markForRedispatch(
  dialect: StorageDialect,
  newQueryRunner: () => QueryRunner,
  options: RedispatchSinceOptions,
): Promise<number> {
  const { since, endpoint } = options;
  if (!(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError('redispatchOutboxSince: `since` must be a valid Date');
  const sql = dialect.statements(messagingTableNames(options.tablePrefix ?? 'cm_')).outbox;
  // Rows the sweepers mark again while this runs are dispatched after `until`: not taken twice.
  // Both ends are the database's clock, as `dispatched_at` is, whatever the time zones.
  const [{ until }] = await inReadCommitted(
    dialect,
    newQueryRunner,
    (queryRunner): Promise<{ until: string }[]> => queryRunner.query(sql.clock),
  );
  const redispatch = sql.redispatchSince(BATCH, endpoint !== undefined);
  const parameters = [since.getTime() / 1000, until, ...(endpoint === undefined ? [] : [endpoint])];
  let total = 0;
  for (;;) {
    const result: unknown = await inReadCommitted(dialect, newQueryRunner, (queryRunner) =>
      queryRunner.query(redispatch, parameters),
    );
    const changed = affectedRows(result);
    total += changed;
    if (changed < BATCH) return total;
  }
}
