import type { MessagingTableNames } from '../messaging-table-names';
import { blockedKeysSql, parkedWithPosition, releasablePredicate } from '../ordering-predicates';
import type { OrderingStatements } from '../storage-dialect.interface';
import { MS, numbered } from './numbered';

const KEY = 'endpoint = ? AND origin_endpoint = ? AND ordering_key = ?';

/**
 * The upserts answer with RETURNING; `xmax = 0` tells a row the INSERT made from one the
 * conflict updated. A conflict whose update's WHERE fails returns no row but still locks it. The position's lock rewrites no indexed column, so its new row version is a
 * HOT update. No DELETE … LIMIT: batches are chosen by row address.
 */
export function postgresOrderingStatements(tables: MessagingTableNames): OrderingStatements {
  const sequences = `"${tables.orderingSequences}"`;
  const positions = `"${tables.orderingPositions}"`;
  const parked = `"${tables.orderingParked}"`;
  const deleteOldest = (table: string, extra = '') =>
    numbered(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE updated_at < clock_timestamp() - ${MS} ${extra}
       ORDER BY updated_at LIMIT ?))`);
  return {
    nextSequence: numbered(`INSERT INTO ${sequences} AS s
       (origin_endpoint, destination, ordering_key, last_sequence) VALUES (?, ?, ?, ?)
       ON CONFLICT (origin_endpoint, destination, ordering_key) DO UPDATE
       SET last_sequence = s.last_sequence + ?, updated_at = clock_timestamp()
       RETURNING last_sequence, (xmax = 0) AS created`),
    sequenceOf: (result) => {
      const [row] = result as { last_sequence: string; created: boolean }[];
      return { last: Number(row.last_sequence), created: row.created };
    },
    lockPosition: numbered(`INSERT INTO ${positions} AS k (endpoint, origin_endpoint, ordering_key)
       VALUES (?, ?, ?)
       ON CONFLICT (endpoint, origin_endpoint, ordering_key) DO UPDATE
       SET parked = k.parked
       RETURNING last_sequence, parked`),
    positionOf: (result) => {
      const [row] = result as { last_sequence: string; parked: number }[];
      return { last: Number(row.last_sequence), parked: Number(row.parked) };
    },
    advancePosition: `INSERT INTO ${positions} AS k
       (endpoint, origin_endpoint, ordering_key, last_sequence) VALUES ($1, $2, $3, $4)
       ON CONFLICT (endpoint, origin_endpoint, ordering_key) DO UPDATE
       SET last_sequence = $7, updated_at = clock_timestamp()
       WHERE k.parked = 0 AND k.last_sequence BETWEEN $5 AND $6
       RETURNING last_sequence`,
    // Not xmax: a row this transaction inserted shows 0 after its update too. Sequences start at 1.
    advancedOf: (result) => {
      const [row] = result as { last_sequence: string }[];
      if (!row) return undefined;
      return Number(row.last_sequence) === 0 ? { last: 0, parked: 0 } : 'advanced';
    },
    setPosition: numbered(
      `UPDATE ${positions} SET last_sequence = ?, parked = parked + ?, updated_at = clock_timestamp() WHERE ${KEY}`,
    ),
    park: numbered(`INSERT INTO ${parked}
       (endpoint, origin_endpoint, ordering_key, sequence, previous, message_id, envelope)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING sequence`),
    parkedRows: (result) => (Array.isArray(result) ? result.length : 0),
    unpark: numbered(`DELETE FROM ${parked} WHERE ${KEY} AND sequence = ?`),
    lastHandled: numbered(`SELECT last_sequence FROM ${positions} WHERE ${KEY}`),
    anyParked: numbered(`SELECT 1 AS parked FROM ${parked} WHERE ${KEY} LIMIT 1`),
    successor: numbered(`SELECT envelope FROM ${parked} WHERE ${KEY} AND previous IN (?, 0)
       ORDER BY previous DESC, sequence LIMIT 1`),
    releasable:
      numbered(`SELECT p.envelope, k.last_sequence FROM ${parkedWithPosition(parked, positions)}
       WHERE p.endpoint = ? AND p.parked_at < clock_timestamp() - ${MS}
         AND ${releasablePredicate(parked)}
       ORDER BY p.parked_at LIMIT ?`),
    blockedKeys: numbered(blockedKeysSql(parked, positions)),
    waitingFor: numbered(
      `SELECT MIN(previous) AS waiting_for FROM ${parked} WHERE ${KEY} AND previous > ?`,
    ),
    deleteIdleSequences: deleteOldest(sequences),
    deleteIdlePositions: deleteOldest(positions, 'AND parked = 0'),
  };
}
