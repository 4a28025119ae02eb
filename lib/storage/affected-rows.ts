/** How many rows a DELETE or UPDATE changed: pg answers `[rows, count]` through TypeORM, mysql2 `{ affectedRows }`. */
export function affectedRows(result: unknown): number {
  if (Array.isArray(result)) return Number(result[1]) || 0;
  return (result as { affectedRows?: number } | undefined)?.affectedRows ?? 0;
}
