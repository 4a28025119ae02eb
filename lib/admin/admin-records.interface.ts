import type { MessageHeaders } from '../interfaces/message-envelope.interface';

/** One outbox row as the admin shows it in lists (no payload). */
export interface OutboxSummary {
  id: number;
  messageId: string;
  type: string;
  destination: string | null;
  originEndpoint: string;
  causationId: string | null;
  correlationId: string;
  createdAt: Date;
  dispatchedAt: Date | null;
  /** Why the row can never be dispatched (it is skipped), or null. */
  dispatchError: string | null;
}

/** One outbox row with its payload (parsed JSON when it parses) and headers. */
export interface OutboxDetail extends OutboxSummary {
  /** The payload; null when it is larger than the admin's `maxPayloadBytes` (see `preview`). */
  payload: unknown;
  /** Size of the payload in bytes. */
  size: number;
  /** The payload is larger than `maxPayloadBytes`: `preview` holds that many of its bytes. */
  truncated: boolean;
  preview?: string;
  headers: MessageHeaders;
}

export interface OutboxFilter {
  status: 'pending' | 'dispatched' | 'undeliverable' | 'all';
  type?: string;
  correlationId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  after: number;
  limit: number;
}

export interface OutboxStats {
  pending: number;
  dispatched: number;
  /** Rows flagged as undeliverable: never dispatched, skipped by the relay. */
  undeliverable: number;
  oldestPendingAt: Date | null;
  /** Age of the oldest pending row in ms: how far dispatch is behind. 0 when nothing is pending. */
  lagMs: number;
}

/** A message of a conversation: its outbox row, what caused it and what it caused. */
export interface ConversationMessage extends OutboxSummary {
  depth: number;
  causedBy: string | null;
  caused: string[];
}
