import { randomUUID } from 'crypto';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Message, type MessageEnvelope } from '../../lib';
import { newMessageId as libraryMessageId } from '../../lib/messages/message-id';

/** The incoming message of every scenario. */
@Message('bench.Work')
export class Work {
  constructor(
    readonly n: number,
    readonly amountCents: number,
    readonly note: string,
  ) {}
}

/** The follow-up each handled Work sends to the `sink` queue. */
@Message('bench.Followup')
export class Followup {
  constructor(
    readonly n: number,
    readonly amountCents: number,
  ) {}
}

/** The business row each handled Work inserts (table `<prefix>row`). */
@Entity('row')
export class BenchRow {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'message_id', type: 'varchar', length: 64 })
  messageId!: string;

  @Column({ name: 'amount_cents', type: 'int' })
  amountCents!: number;
}

export const WORK_QUEUE = 'work';
export const SINK_QUEUE = 'sink';

let random = false;

/**
 * `--random-ids`: random UUIDs instead of the library's time-ordered ids (UUIDv7), in everything the
 * bench creates and in the handler's follow-ups: what tables cost when senders pick random ids.
 */
export function useRandomIds(on: boolean): void {
  random = on;
}

export function randomIds(): boolean {
  return random;
}

/** A message id as the library makes one (UUIDv7), or a random UUID with `--random-ids`. */
export function newMessageId(): string {
  return random ? randomUUID() : libraryMessageId();
}

/** A message envelope as the library puts it in a job, from a sender named `bench-feeder`. */
export function envelopeOf(message: Work | Followup, causationId: string | null): MessageEnvelope {
  const id = newMessageId();
  return {
    id,
    type: message instanceof Work ? 'bench.Work' : 'bench.Followup',
    payload: JSON.stringify(message),
    headers: {
      correlationId: causationId ?? id,
      causationId,
      originEndpoint: 'bench-feeder',
      sentAt: new Date().toISOString(),
    },
  };
}

/**
 * The n-th Work message. With `keys`, it carries ordering key `k<n mod keys>` and the place a sender
 * would have given it at the `work` endpoint: the messages of a key numbered in feed order.
 */
export function workEnvelope(n: number, keys?: number): MessageEnvelope {
  const envelope = envelopeOf(new Work(n, 1000 + (n % 5000), `order ${n}`), null);
  if (!keys) return envelope;
  const sequence = Math.floor(n / keys) + 1;
  envelope.headers.orderingKey = `k${n % keys}`;
  envelope.headers.orderingSequences = JSON.stringify({ [WORK_QUEUE]: [sequence, sequence - 1] });
  return envelope;
}

/** Job options the library's dispatcher uses with default options; the naive worker uses them too. */
export function jobOptions(jobId: string) {
  return {
    jobId,
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: 1000,
    removeOnFail: false,
  };
}
