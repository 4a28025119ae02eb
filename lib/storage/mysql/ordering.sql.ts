import { affectedRows } from '../affected-rows';
import type { MessagingTableNames } from '../messaging-table-names';
import type { KeyPosition, OrderingStatements } from '../storage-dialect.interface';
import { blockedKeysSql, parkedWithPosition, releasablePredicate } from '../ordering-predicates';

/** mysql2's answer to an INSERT: `insertId` is what LAST_INSERT_ID(expr) was set to. */
interface InsertAnswer {
  insertId?: number | string;
  affectedRows?: number;
}

const KEY = 'endpoint = ? AND origin_endpoint = ? AND ordering_key = ?';

/** The position `lockPosition` and `advancePosition` encode in the insert id (0 for a new one). */
function positionOf(result: unknown): KeyPosition {
  const encoded = Number((result as InsertAnswer).insertId ?? 0);
  return { last: Math.floor(encoded / 2), parked: encoded % 2 };
}

/**
 * The upserts answer in one round trip through `LAST_INSERT_ID(expr)`, which sets the insert id
 * of the statement's answer: the key's new last sequence for a sender, and `last * 2 + (parked
 * > 0)` of a receiver's position before the statement (an update that writes `updated_at`, so that
 * the row is locked and the expression evaluated).
 */
export function mysqlOrderingStatements(tables: MessagingTableNames): OrderingStatements {
  const sequences = `\`${tables.orderingSequences}\``;
  const positions = `\`${tables.orderingPositions}\``;
  const parked = `\`${tables.orderingParked}\``;
  const olderThan = (column: string) => `${column} < NOW(3) - INTERVAL (? * 1000) MICROSECOND`;
  return {
    nextSequence: `INSERT INTO ${sequences} (origin_endpoint, destination, ordering_key, last_sequence)
       VALUES (?, ?, ?, LAST_INSERT_ID(?))
       ON DUPLICATE KEY UPDATE last_sequence = LAST_INSERT_ID(last_sequence + ?), updated_at = NOW(3)`,
    sequenceOf: (result) => {
      const answer = result as InsertAnswer;
      return { last: Number(answer.insertId), created: answer.affectedRows === 1 };
    },
    lockPosition: `INSERT INTO ${positions} (endpoint, origin_endpoint, ordering_key, last_sequence)
       VALUES (?, ?, ?, LAST_INSERT_ID(0))
       ON DUPLICATE KEY UPDATE
         updated_at = IF(LAST_INSERT_ID(last_sequence * 2 + (parked > 0)) >= 0, NOW(3), NOW(3))`,
    positionOf,
    // The first assignment reads the row before the second moves it.
    advancePosition: `INSERT INTO ${positions} (endpoint, origin_endpoint, ordering_key, last_sequence)
       VALUES (?, ?, ?, IF(LAST_INSERT_ID(0), 0, ?))
       ON DUPLICATE KEY UPDATE
         updated_at = IF(LAST_INSERT_ID(last_sequence * 2 + (parked > 0)) >= 0, NOW(3), NOW(3)),
         last_sequence = IF(parked = 0 AND last_sequence BETWEEN ? AND ?, ?, last_sequence)`,
    advancedOf: positionOf,
    setPosition: `UPDATE ${positions} SET last_sequence = ?, parked = parked + ?, updated_at = NOW(3) WHERE ${KEY}`,
    park: `INSERT IGNORE INTO ${parked}
       (endpoint, origin_endpoint, ordering_key, sequence, previous, message_id, envelope)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    parkedRows: affectedRows,
    unpark: `DELETE FROM ${parked} WHERE ${KEY} AND sequence = ?`,
    lastHandled: `SELECT last_sequence FROM ${positions} WHERE ${KEY}`,
    anyParked: `SELECT 1 AS parked FROM ${parked} WHERE ${KEY} LIMIT 1`,
    successor: `SELECT envelope FROM ${parked} WHERE ${KEY} AND previous IN (?, 0)
       ORDER BY previous DESC, sequence LIMIT 1`,
    releasable: `SELECT p.envelope, k.last_sequence FROM ${parkedWithPosition(parked, positions)}
       WHERE p.endpoint = ? AND ${olderThan('p.parked_at')} AND ${releasablePredicate(parked)}
       ORDER BY p.parked_at LIMIT ?`,
    blockedKeys: blockedKeysSql(parked, positions),
    waitingFor: `SELECT MIN(previous) AS waiting_for FROM ${parked} WHERE ${KEY} AND previous > ?`,
    deleteIdleSequences: `DELETE FROM ${sequences} WHERE ${olderThan('updated_at')}
       ORDER BY updated_at LIMIT ?`,
    deleteIdlePositions: `DELETE FROM ${positions} WHERE ${olderThan('updated_at')} AND parked = 0
       ORDER BY updated_at LIMIT ?`,
  };
}
