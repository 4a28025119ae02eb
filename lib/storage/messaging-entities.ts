import { EntitySchema } from 'typeorm';
import { messagingTableNames } from './messaging-table-names';

/** A row of the outbox table, for reading it with TypeORM. */
export interface OutboxRecord {
  id: string;
  messageId: string;
  messageType: string;
  destination: string | null;
  payload: string;
  headers: string;
  originEndpoint: string;
  causationId: string | null;
  correlationId: string;
  createdAt: Date;
  dispatchedAt: Date | null;
  /** Why the row can never be dispatched (the relay skips it); null for every other row. */
  dispatchError: string | null;
}

/** A row of the inbox table: one message handled by one endpoint. */
export interface InboxRecord {
  endpoint: string;
  messageId: string;
  messageType: string;
  processedAt: Date;
}

/** A row of the dead-letter table: a message one endpoint gave up on. */
export interface DeadLetterRecord {
  id: string;
  endpoint: string;
  messageId: string;
  messageType: string;
  /** The job's data as JSON text (or as stored, when `unreadable`). */
  envelope: string;
  envelopeBytes: string;
  /** Only the start of the envelope is kept: it was larger than one statement may carry. */
  envelopeTruncated: boolean;
  unreadable: boolean;
  headers: string | null;
  error: string;
  stack: string | null;
  attempts: number;
  failedAt: Date;
}

/**
 * TypeORM entities mapping the tables, to query them with repositories, on any of the supported
 * databases (the column types are those both drivers read the same way). Optional: the library
 * itself uses plain SQL on its hot path. Create the tables with the migration, not `synchronize`.
 */
export function createMessagingEntities(tablePrefix = 'cm_'): {
  OutboxRecord: EntitySchema<OutboxRecord>;
  InboxRecord: EntitySchema<InboxRecord>;
  DeadLetterRecord: EntitySchema<DeadLetterRecord>;
} {
  const tables = messagingTableNames(tablePrefix);
  return {
    OutboxRecord: new EntitySchema<OutboxRecord>({
      name: `${tablePrefix}OutboxRecord`,
      tableName: tables.outbox,
      synchronize: false,
      columns: {
        id: { type: 'bigint', primary: true, generated: 'increment', unsigned: true },
        messageId: { name: 'message_id', type: 'varchar', length: 64 },
        messageType: { name: 'message_type', type: 'varchar', length: 255 },
        destination: { type: 'varchar', length: 255, nullable: true },
        payload: { type: 'text' },
        headers: { type: 'text' },
        originEndpoint: { name: 'origin_endpoint', type: 'varchar', length: 255 },
        causationId: { name: 'causation_id', type: 'varchar', length: 64, nullable: true },
        correlationId: { name: 'correlation_id', type: 'varchar', length: 64 },
        createdAt: { name: 'created_at', type: 'timestamp', precision: 3 },
        dispatchedAt: { name: 'dispatched_at', type: 'timestamp', precision: 3, nullable: true },
        dispatchError: { name: 'dispatch_error', type: 'text', nullable: true },
      },
    }),
    InboxRecord: new EntitySchema<InboxRecord>({
      name: `${tablePrefix}InboxRecord`,
      tableName: tables.inbox,
      synchronize: false,
      columns: {
        endpoint: { type: 'varchar', length: 191, primary: true },
        messageId: { name: 'message_id', type: 'varchar', length: 64, primary: true },
        messageType: { name: 'message_type', type: 'varchar', length: 255 },
        processedAt: { name: 'processed_at', type: 'timestamp', precision: 3 },
      },
    }),
    DeadLetterRecord: new EntitySchema<DeadLetterRecord>({
      name: `${tablePrefix}DeadLetterRecord`,
      tableName: tables.deadLetters,
      synchronize: false,
      columns: {
        id: { type: 'bigint', primary: true, generated: 'increment', unsigned: true },
        endpoint: { type: 'varchar', length: 191 },
        messageId: { name: 'message_id', type: 'varchar', length: 191 },
        messageType: { name: 'message_type', type: 'varchar', length: 255 },
        envelope: { type: 'text' },
        envelopeBytes: { name: 'envelope_bytes', type: 'bigint', unsigned: true },
        envelopeTruncated: { name: 'envelope_truncated', type: 'boolean' },
        unreadable: { type: 'boolean' },
        headers: { type: 'text', nullable: true },
        error: { type: 'text' },
        stack: { type: 'text', nullable: true },
        attempts: { type: 'int', unsigned: true },
        failedAt: { name: 'failed_at', type: 'timestamp', precision: 3 },
      },
    }),
  };
}
