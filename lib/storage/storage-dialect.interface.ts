import type { DataSource, QueryRunner } from 'typeorm';
import type { MessagingTableNames } from './messaging-table-names';

/**
 * What the rest of the library asks of a database: the statements of each table, how to read its
 * errors, and how to handle its driver's connections. One implementation per folder
 * (`storage/mysql/`, `storage/postgres/`); nothing outside `storage/` writes SQL.
 *
 * Statements take their parameters in the order their doc comment lists them. Durations are
 * milliseconds, on the database's clock.
 */
export interface StorageDialect {
  /** As the README and errors name it. */
  readonly name: string;
  /** The TypeORM data source types it speaks. */
  readonly dataSourceTypes: readonly string[];
  statements(tables: MessagingTableNames): MessagingStatements;
  readonly testTables: TestTableStatements;
  readonly errors: DatabaseErrors;
  readonly connections: DriverConnections;
}

export interface MessagingStatements {
  outbox: OutboxStatements;
  inbox: InboxStatements;
  subscriptions: SubscriptionStatements;
  deadLetters: DeadLetterStatements;
  ordering: OrderingStatements;
  schema: SchemaStatements;
}

/**
 * The outbox. Rows read back have the columns `id, message_id, message_type, destination, payload,
 * headers` unless said otherwise. "Pending" is neither dispatched nor flagged undeliverable.
 */
export interface OutboxStatements {
  /** `rows` rows of (message_id, message_type, destination, payload, headers, origin_endpoint, causation_id, correlation_id). */
  insert(rows: number): string;
  /** (...message ids): marks those still undispatched dispatched now. */
  markDispatched(ids: number): string;
  /** (problem, message id): flags a row that can never be dispatched. */
  readonly flagUndeliverable: string;
  /** (min age ms, after id, limit): pending rows locked FOR UPDATE SKIP LOCKED, in id order. */
  readonly claimPending: string;
  /** (): `lag_ms` of the oldest pending row, no row when none is pending. */
  readonly dispatchLag: string;
  /** (): every row, in id order, with `dispatched` (true or 1 when dispatched). */
  readonly all: string;
  /** (): `pending`, how many. */
  readonly countPending: string;
  /** (causation id, origin endpoint): pending rows an endpoint wrote while handling one message. */
  readonly pendingCausedBy: string;
  /** (): `until`, the database's clock as text it reads back. */
  readonly clock: string;
  /** (since as Unix seconds, until[, origin endpoint]): makes up to `limit` dispatched rows pending again. */
  redispatchSince(limit: number, byEndpoint: boolean): string;
  /** (older than ms, limit): deletes dispatched rows; the result is read by `affectedRows`. */
  readonly deleteDispatched: string;
  /** Admin reads: summaries have the outbox's columns but `payload` and `headers`. */
  readonly admin: AdminOutboxStatements;
}

/** The filters of the admin's outbox list; those with a value take it as a parameter. */
export type AdminOutboxFilter =
  | 'afterId'
  | 'pending'
  | 'dispatched'
  | 'undeliverable'
  | 'type'
  | 'correlationId'
  | 'createdFrom'
  | 'createdTo';

export interface AdminOutboxStatements {
  /** (the filters' values in the order given, limit): summaries in id order. */
  list(filters: AdminOutboxFilter[]): string;
  /** (max chars, message id): summary columns, `payload` cut, `payload_bytes`, `headers`. */
  readonly detail: string;
  /** (...message ids): summary columns with `payload` and `headers`, in id order. */
  messages(ids: number): string;
  /** (): `pending`, `dispatched`, `undeliverable`. */
  readonly counts: string;
  /** (): `created_at` and `lag_ms` of the oldest pending row. */
  readonly oldestPending: string;
  /** (correlation id, limit): summaries and `headers` in id order. */
  readonly byCorrelation: string;
}

export interface InboxStatements {
  /** `rows` rows of (endpoint, message id, message type); skips or fails on those recorded already (`recorded`). */
  insert(rows: number): string;
  /** How many rows an `insert` recorded, from what it answered. */
  recorded(result: unknown): number;
  /** (older than ms, limit): deletes old records; read by `affectedRows`. */
  readonly deleteProcessed: string;
  /** (endpoint, message id): `endpoint, message_id, message_type, processed_at`. */
  readonly get: string;
  /** `pairs` pairs of (endpoint, message id): the records of those that exist. */
  processed(pairs: number): string;
  /** (endpoint): `records`, `oldest`. */
  readonly stats: string;
}

export interface SubscriptionStatements {
  /** (message type): `endpoint` of each remembered subscriber. */
  readonly subscribersOf: string;
  /** `endpoints` pairs of (message type, endpoint): remembers them, those known already left as they are. */
  remember(endpoints: number): string;
  /** (message type, ...endpoints). */
  forget(endpoints: number): string;
}

export interface DeadLetterStatements {
  /** (endpoint, message id, type, envelope, envelope bytes, truncated, unreadable, headers, error, stack, attempts): a message dead-lettered again replaces its row. */
  readonly write: string;
  /** (): `packet`, the largest statement in bytes; none when statements have no such bound. */
  readonly largestStatement: string | undefined;
  /** (endpoint): `n`. */
  readonly count: string;
  /** (endpoint, before id, limit): summaries newest first, the error cut to `errorChars`. */
  page(errorChars: number): string;
  /** (max envelope chars, endpoint, message id): the summary with `envelope`, `envelope_truncated`, `unreadable`, `headers`, `stack`. */
  readonly get: string;
  /** (endpoint, ...message ids): their `id, message_id, message_type, envelope_truncated, unreadable`, locked. */
  lock(ids: number): string;
  /** (endpoint, after id, up to id, limit): as `lock`, the next rows in id order. */
  readonly lockNext: string;
  /** (id): `envelope`. */
  readonly envelopeOf: string;
  /** (...ids). */
  delete(ids: number): string;
  /** (endpoint, message id). */
  readonly deleteMessage: string;
  /** (older than ms, endpoint, limit). */
  readonly deleteOlderThan: string;
  /** (endpoint, limit): `message_id, headers, error` of the newest dead letters with an ordering key. */
  readonly keyed: string;
}

/** Where a receiving endpoint stands on one ordering key: what it handled last, how many wait. */
export interface KeyPosition {
  /** Sequence of the last message handled; 0 before the first. */
  last: number;
  /** Whether messages are parked until their predecessor is handled (MySQL answers 0 or 1, not how many). */
  parked: number;
}

/**
 * Per-key ordering (see `ordering/`). A key is (origin endpoint, ordering key): senders number each
 * key's messages per destination, receivers keep their position on each key and park early
 * messages.
 */
export interface OrderingStatements {
  /**
   * (origin, destination, key, first sequence of a new key, count): takes the key's next `count`
   * sequence numbers and locks its row until the transaction ends; read by `sequenceOf`.
   */
  readonly nextSequence: string;
  /** The last sequence number taken, and whether the key's row was new. */
  sequenceOf(result: unknown): { last: number; created: boolean };
  /** (endpoint, origin, key): locks the receiver's position on the key (made at 0); read by `positionOf`. */
  readonly lockPosition: string;
  positionOf(result: unknown): KeyPosition;
  /**
   * (endpoint, origin, key, last of a new position, low, high, sequence): locks the position, as
   * `lockPosition` does, and moves it to `sequence` when nothing is parked and its last is within
   * [low, high] (the message's turn), all in one round trip; read by `advancedOf`.
   */
  readonly advancePosition: string;
  /**
   * The position before the statement (MySQL); else (PostgreSQL) `'advanced'`, the position of a
   * key new here, or undefined when it did not move (the row is locked: `lockPosition` reads it).
   */
  advancedOf(result: unknown): KeyPosition | 'advanced' | undefined;
  /** (last, change of parked, endpoint, origin, key). */
  readonly setPosition: string;
  /** (endpoint, origin, key, sequence, previous, message id, envelope): skips one parked already. */
  readonly park: string;
  /** How many rows a `park` wrote (0 or 1). */
  parkedRows(result: unknown): number;
  /** (endpoint, origin, key, sequence): deletes its parked row; read by `affectedRows`. */
  readonly unpark: string;
  /** (endpoint, origin, key): `last_sequence` of the position, without locking it; no row when none. */
  readonly lastHandled: string;
  /** (endpoint, origin, key): a row when any message of the key is parked. */
  readonly anyParked: string;
  /**
   * (endpoint, origin, key, previous): `envelope` of the parked message that follows `previous`,
   * else of the first one parked as the start of a new run (previous 0).
   */
  readonly successor: string;
  /**
   * (endpoint, parked longer than ms, limit): `envelope` and the key's `last_sequence` of parked
   * messages whose predecessor was handled, or that start a new run of a key with nothing else
   * parked (a release lost to a crash).
   */
  readonly releasable: string;
  /**
   * (endpoint, limit): the keys of the endpoint with parked messages, longest waiting first:
   * `origin_endpoint, ordering_key, last_sequence, parked` (how many), `waiting_for` (the sequence
   * the earliest of them waits for; null when none waits for a given one), `since` (oldest parked).
   */
  readonly blockedKeys: string;
  /** (endpoint, origin, key, last): `waiting_for`, as in `blockedKeys`, of one key. */
  readonly waitingFor: string;
  /** (idle longer than ms, limit): deletes senders' key rows; read by `affectedRows`. */
  readonly deleteIdleSequences: string;
  /** (idle longer than ms, limit): deletes receivers' positions with nothing parked; read by `affectedRows`. */
  readonly deleteIdlePositions: string;
}

/** A column added since the tables were first created, with the statement that adds it. */
export interface AddedColumn {
  table: string;
  column: string;
  sql: string;
}

export interface SchemaStatements {
  /** CREATE TABLE IF NOT EXISTS (with its indexes) of each table, in the order to run them. */
  readonly create: { table: string; sql: string[] }[];
  readonly drop: string[];
  readonly addedColumns: AddedColumn[];
  /** (...table names): `name` of those that exist in the data source's database or schema. */
  existingTables(tables: number): string;
  /** (...table names): `table_name`, `column_name` of their columns. */
  columnsOf(tables: number): string;
}

/** Statements on any tables, for the test kit. */
export interface TestTableStatements {
  /** Empties these tables and resets their id counters; `after` runs whatever happened. */
  empty(tables: string[]): { statements: string[]; after: string[] };
  /** Every row of a table. */
  selectAll(table: string): string;
}

/** How a database answers when something goes wrong. */
export interface DatabaseErrors {
  /** A unique key refused an insert. */
  isDuplicateKey(error: unknown): boolean;
  /** The message id a duplicate key on the outbox's message id names. */
  duplicateOutboxId(error: unknown): string | undefined;
  /** A deadlock or lock timeout in the library's own statements: nothing changed, retry. */
  isTransient(error: unknown): boolean;
  /**
   * The failure ended the transaction (or, where `level` is `'savepoint'`, only the innermost
   * savepoint) on the server: a COMMIT after it must not be taken for one.
   */
  abortOf(error: unknown): { reason: string; level: 'transaction' | 'savepoint' } | undefined;
  /** What statements the code ran after catching such a failure did, for TransactionRolledBackError. */
  readonly afterAbort: string;
  /** The server could not be reached or the connection was lost. */
  isConnectionError(error: unknown): boolean;
}

/** The size of the pool the handlers' transactions share. */
export interface ConnectionPool {
  /** Connections; 0 when unbounded. */
  size: number;
  /** The option that sets it, to say what to change. */
  setting: string;
}

export interface DriverConnections {
  poolOf(dataSource: DataSource): ConnectionPool;
  /** Keeps the driver's late error events on a lost connection from ending the process. */
  guard(dataSource: DataSource): void;
  /** Closes the connection at once and keeps it out of the pool; the server rolls back. */
  destroy(queryRunner: QueryRunner): void;
  /**
   * Ends the connection on the server through `own` (released after), so that the statement
   * running on it stops now; resolves once the client saw it closed.
   */
  kill(queryRunner: QueryRunner, own: QueryRunner): Promise<void>;
}
