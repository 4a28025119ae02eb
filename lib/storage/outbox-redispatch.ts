import type { DataSource, QueryRunner } from 'typeorm';
import { messagingTableNames } from './messaging-schema';
import { inReadCommitted } from './own-transaction';

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
  return markForRedispatch(() => dataSource.createQueryRunner(), options);
}

/**
 * `redispatchOutboxSince` on query runners from `newQueryRunner`, one READ COMMITTED transaction
 * per batch (`inReadCommitted`): no gap locks, and rows other transactions hold are skipped, so the
 * application's inserts into the outbox never wait on it.
 */
export async function markForRedispatch(
  newQueryRunner: () => QueryRunner,
  options: RedispatchSinceOptions,
): Promise<number> {
  const { since, endpoint } = options;
  if (!(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError('redispatchOutboxSince: `since` must be a valid Date');
  const table = `\`${messagingTableNames(options.tablePrefix ?? 'cm_').outbox}\``;
  // Rows the sweepers mark again while this runs are dispatched after `until`: not taken twice.
  // Both ends are the database's clock, as `dispatched_at` is, whatever the time zones.
  const [{ until }] = await inReadCommitted(
    newQueryRunner,
    (queryRunner): Promise<{ until: string }[]> =>
      queryRunner.query('SELECT CAST(NOW(3) AS CHAR) AS until'),
  );
  const byEndpoint = endpoint === undefined ? '' : ' AND origin_endpoint = ?';
  const parameters = [since.getTime() / 1000, until, ...(endpoint === undefined ? [] : [endpoint])];
  let total = 0;
  for (;;) {
    const result = await inReadCommitted(
      newQueryRunner,
      (queryRunner): Promise<{ affectedRows?: number }> =>
        queryRunner.query(
          `UPDATE ${table} SET dispatched_at = NULL
           WHERE dispatched_at >= FROM_UNIXTIME(?) AND dispatched_at < ?
             AND dispatch_error IS NULL${byEndpoint}
           LIMIT ${BATCH}`,
          parameters,
        ),
    );
    const changed = result.affectedRows ?? 0;
    total += changed;
    if (changed < BATCH) return total;
  }
}
