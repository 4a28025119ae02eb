/** Rows per statement of a bulk load. */
export const BULK_CHUNK = 50_000;
/** The most rows one load may hold (the loads number rows from a 1000 x 1000 cross join). */
export const BULK_MAX_ROWS = 1_000_000;
/** `sentAt` of the loaded messages' headers. */
export const BULK_SENT_AT = '2025-01-01T00:00:00.000Z';

/**
 * Loads many outbox or inbox rows with `INSERT ... SELECT`, 50,000 rows per statement, one
 * implementation per database (`databases/*.bulk-rows.ts`). Ids are UUID-shaped strings from MD5
 * digits: time-ordered like the library's ids, or random in index order with `--random-ids`;
 * `salt` keeps loads of different runs apart. Secondary indexes are dropped during the load and
 * rebuilt after it (sorted builds are many times faster than a million random inserts into a buffer
 * pool that can't hold them); the table ends up as the library made it.
 */
export interface BulkRows {
  /**
   * Outbox rows to `sink`: pending (committed a minute ago, never dispatched) or dispatched two
   * hours ago (old, but inside the default retention of a day: what a busy table holds).
   */
  outbox(count: number, options: { dispatched: boolean; salt: string }): Promise<void>;
  /** Inbox records of endpoint `work`, processed two hours ago. */
  inbox(count: number, salt: string): Promise<void>;
}

/** Runs `insert` for each chunk of `count` rows. */
export async function inChunks(
  count: number,
  insert: (from: number, size: number) => Promise<unknown>,
): Promise<void> {
  if (count > BULK_MAX_ROWS) throw new Error('bulk loads are limited to 1,000,000 rows');
  for (let from = 0; from < count; from += BULK_CHUNK) {
    await insert(from, Math.min(BULK_CHUNK, count - from));
  }
}
