import type { DatabaseAdmin } from './database.admin';

/** A dead letter of one endpoint (its queue) and why it failed. */
export interface DeadLetterRow {
  queue: string;
  id: string;
  reason: string;
}

/** Every endpoint's dead letters, from the dead-letter table: a Redis data loss can't take them. */
export async function readDeadLetters(db: DatabaseAdmin, prefix: string): Promise<DeadLetterRow[]> {
  return db.query<DeadLetterRow>(
    `SELECT endpoint AS queue, message_id AS id, LEFT(error, 300) AS reason
     FROM ${db.name(`${prefix}dead_letters`)}`,
  );
}
