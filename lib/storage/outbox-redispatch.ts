import type { DataSource } from 'typeorm';
import { messagingTableNames } from './messaging-schema';

export interface RedispatchSinceOptions {
  /** The messaging tables' prefix (the module's `tablePrefix`). Default `cm_`. */
  tablePrefix?: string;
  /** Rows dispatched at or after this moment are dispatched again. */
  since: Date;
  /** Only rows this endpoint wrote; every endpoint whose rows are in these tables when omitted. */
  endpoint?: string;
}

/** Rows updated per statement, so a large recovery never holds many locks at once. */
const BATCH = 5000;

/**
 * Disaster recovery after Redis lost jobs (a restart without persistence, a flush, a failover that
 * lost writes): makes the outbox rows dispatched since `since` pending again, and the endpoint's
 * sweepers dispatch them again. Receivers' inboxes drop what they already handled; rows the
 * retention has deleted are gone. Returns how many rows it made pending.
 */
export async function redispatchOutboxSince(
  dataSource: DataSource,
  options: RedispatchSinceOptions,
): Promise<number> {
  const { since, endpoint } = options;
  if (!(since instanceof Date) || Number.isNaN(since.getTime()))
    throw new TypeError('redispatchOutboxSince: `since` must be a valid Date');
  const table = `\`${messagingTableNames(options.tablePrefix ?? 'cm_').outbox}\``;
  // Rows the sweepers mark again while this runs are dispatched after `until`: not taken twice.
  const [{ until }]: { until: Date }[] = await dataSource.query('SELECT NOW(3) AS until');
  const byEndpoint = endpoint === undefined ? '' : ' AND origin_endpoint = ?';
  const parameters = endpoint === undefined ? [since, until] : [since, until, endpoint];
  let total = 0;
  for (;;) {
    const result: { affectedRows?: number } = await dataSource.query(
      `UPDATE ${table} SET dispatched_at = NULL
       WHERE dispatched_at >= ? AND dispatched_at < ? AND dispatch_error IS NULL${byEndpoint}
       LIMIT ${BATCH}`,
      parameters,
    );
    const changed = result.affectedRows ?? 0;
    total += changed;
    if (changed < BATCH) return total;
  }
}
