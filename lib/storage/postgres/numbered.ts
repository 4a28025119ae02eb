/**
 * PostgreSQL numbers its parameters (`$1, $2`): the statements here are written with `?` as the
 * MySQL ones are, so lists of any length are built the same way, and numbered last.
 */
export function numbered(sql: string): string {
  let next = 0;
  return sql.replace(/\?/g, () => `$${++next}`);
}

/** A duration in milliseconds as the statement's parameter. */
export const MS = "(?::float8 * interval '1 millisecond')";

/** A count of characters as the statement's parameter: `LEFT` takes an int, callers may ask for more. */
export const CHARS = 'LEAST(?::bigint, 2147483647)::int';
