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
