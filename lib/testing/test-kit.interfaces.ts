import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { MessageHeaders } from '../interfaces/message-envelope.interface';

/** A message an endpoint recorded in its outbox, as the test kit reads it back. */
export interface RecordedMessage {
  id: string;
  type: string;
  /** The endpoint a command was sent to; null for an event. */
  destination: string | null;
  /** The payload, parsed from the JSON text the outbox keeps. */
  payload: unknown;
  headers: MessageHeaders;
  /** Whether it has been added to its queue(s). */
  dispatched: boolean;
}

/** One attempt at a message in this process: what `handle()` returns. */
export interface Handling {
  /** `parked`: a keyed message ahead of its predecessor waits for it (see README, "Ordering"). */
  outcome: 'handled' | 'duplicate' | 'parked' | 'failed';
  /** Why the attempt failed (outcome `failed`). */
  error?: Error;
  /** What the endpoint recorded while handling this message (its id is their causation id). */
  recorded: RecordedMessage[];
}

/** A message delivered through its queue and worker, retries included: what `deliver()` returns. */
export interface Delivery {
  outcome: 'handled' | 'duplicate' | 'parked' | 'dead-lettered';
  attempts: number;
  /** The last failure's text (outcome `dead-lettered`). */
  error?: string;
  recorded: RecordedMessage[];
}

/** Where a message comes from, when the kit builds its envelope. */
export interface TestMessageOptions {
  /** Endpoint that receives it; the kit's first application's by default. */
  endpoint?: string;
  /** Its id; a new one by default. Give the same id twice to deliver a copy. */
  messageId?: string;
  /** Custom headers, as a sender's `publish(message, { headers })` would set them. */
  headers?: Record<string, string>;
}

export interface DeliverOptions extends TestMessageOptions {
  /** Longest wait for the message to be handled or dead-lettered (default 30 s). */
  timeoutMs?: number;
}

export interface DrainOptions {
  /** Longest wait for quiet (default 30 s); the error then lists what is still pending. */
  timeoutMs?: number;
}

/** What `verifyConsistency` compares, and the state each of its runs starts from. */
export interface ConsistencyOptions {
  /** Endpoint whose handler is checked; the kit's first application's by default. */
  endpoint?: string;
  /**
   * Entities whose tables are emptied before each run and compared after it. Default: every entity
   * of the data source, the library's own tables excepted.
   */
  entities?: EntityTarget<ObjectLiteral>[];
  /** Seeds the state every run starts from, after the tables were emptied (an order to pay, say). */
  arrange?: () => Promise<void> | void;
  /**
   * State outside the database to compare too, read after each run: a fake mailer's sent list,
   * say. `arrange` resets it.
   */
  effects?: Record<string, () => unknown>;
  /**
   * Columns left out of the comparison: `column` in any table, or `table.column` (database names).
   * Create-date, update-date and generated columns (auto-increment, UUID) are always left out.
   */
  ignoreColumns?: string[];
  /**
   * Payload fields of outgoing messages left out of the comparison: `field` in any message, or
   * `type.field` (the full message type name); top-level fields. For a value that differs between
   * equal runs by design, such as an auto-increment id passed on.
   */
  ignoreFields?: string[];
  /** Headers of the message, as for `handle()`. */
  headers?: Record<string, string>;
  /**
   * For an `@IdempotentHandler()` (output layer), required: the idempotency keys your fake
   * external system received, read after each run. Every attempt at one message must send the
   * same key, so that the external system can drop the repeats.
   */
  idempotencyKeys?: () => string[];
}

/** One fault `verifyConsistency` runs the handler under. */
export type ConsistencyScenario =
  | 'duplicate delivery, one after the other'
  | 'duplicate delivery at the same time'
  | 'crash before commit, then redelivery'
  | "transient error in one of the handler's statements, then retry"
  | 'crash after commit, before dispatch'
  | 'partial dispatch'
  | 'lock expiry, redelivered to a second worker';

export interface ScenarioResult {
  scenario: ConsistencyScenario;
  /** False when the fault could not happen for this message (a partial dispatch of one message). */
  applies: boolean;
  /** How the outcome differs from one clean delivery; empty when it is the same. */
  differences: string[];
}

export interface ConsistencyReport {
  messageType: string;
  consistent: boolean;
  scenarios: ScenarioResult[];
}
