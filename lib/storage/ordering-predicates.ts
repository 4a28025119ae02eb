/** Parked messages `p` joined to their key's position `k`. */
export function parkedWithPosition(parkedTable: string, positionsTable: string): string {
  return `${parkedTable} p JOIN ${positionsTable} k
         ON k.endpoint = p.endpoint AND k.origin_endpoint = p.origin_endpoint
         AND k.ordering_key = p.ordering_key`;
}

/** (endpoint, limit): the keys with parked messages, as `OrderingStatements.blockedKeys` says. */
export function blockedKeysSql(parkedTable: string, positionsTable: string): string {
  return `SELECT p.origin_endpoint, p.ordering_key, k.last_sequence, COUNT(*) AS parked,
         MIN(CASE WHEN p.previous > k.last_sequence THEN p.previous END) AS waiting_for,
         MIN(p.parked_at) AS since
       FROM ${parkedWithPosition(parkedTable, positionsTable)}
       WHERE p.endpoint = ?
       GROUP BY p.origin_endpoint, p.ordering_key, k.last_sequence
       ORDER BY since LIMIT ?`;
}

/**
 * A parked message `p` whose turn has come on its key's position `k`: its predecessor was handled,
 * or it starts a new run of the key (previous 0) and nothing else of the key is parked.
 */
export function releasablePredicate(parkedTable: string): string {
  return `(p.previous = k.last_sequence OR (p.previous = 0 AND NOT EXISTS (
      SELECT 1 FROM ${parkedTable} q WHERE q.endpoint = p.endpoint
        AND q.origin_endpoint = p.origin_endpoint AND q.ordering_key = p.ordering_key
        AND q.sequence <> p.sequence)))`;
}
