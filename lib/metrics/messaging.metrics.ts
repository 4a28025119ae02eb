import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { OutboxStore } from '../outbox/outbox.store';
import { InFlightMessages } from './in-flight-messages';

/** What this process counted since it started. */
export interface MessagingCounters {
  /** Messages whose handlers ran and committed (core) or succeeded (output layer). */
  handled: number;
  /** Copies of messages already handled, dropped by the inbox. */
  duplicates: number;
  /** Keyed messages that came before their predecessor was handled, parked until it is. */
  parked: number;
  /** Outbox messages added to their destination queues (after commit or by the sweeper). */
  dispatched: number;
  /** Attempts that failed and will be retried. */
  failedAttempts: number;
  /** Messages given up on: bad input, or every attempt failed. */
  deadLettered: number;
  /** Events dispatched while their type had no subscriber at all: they went to nobody. */
  withoutSubscribers: number;
  /** Dispatches of events held back because Redis had lost their subscriptions (see README, "Redis data loss"). */
  held: number;
  /** Outbox rows flagged as undeliverable (an id or destination BullMQ refuses) and skipped. */
  undeliverable: number;
}

export type MessagingCounter = keyof MessagingCounters;

export interface MessagingMetricsSnapshot extends MessagingCounters {
  endpoint: string;
  /** Age of the oldest undispatched outbox row, in ms (0 when none). */
  dispatchLagMs: number;
  /** Messages this process is handling now. */
  inFlight: number;
  /** How long the oldest of them has been in progress, in ms (0 when none). */
  oldestInFlightMs: number;
}

/** Durations the library measures, one observation per message, for histograms. */
export interface MessagingObservation {
  /**
   * `handlingMs`: one attempt at a message of this endpoint, from its start to its outcome (inbox,
   * handlers, commit, dispatch of what they sent), whatever the outcome.
   * `dispatchLagMs`: from a message's recording in the outbox to its job being added to Redis
   * (right after commit, or by the sweeper).
   */
  name: 'handlingMs' | 'dispatchLagMs';
  endpoint: string;
  messageType: string;
  ms: number;
}

export type MessagingObservationListener = (observation: MessagingObservation) => void;

export type MessagingCounterListener = (
  counter: MessagingCounter,
  amount: number,
  endpoint: string,
) => void;

/**
 * Counters, durations and the dispatch-lag and in-flight gauges, kept without any metrics library:
 * read `snapshot()`, or `onIncrement()` and `onObserve()` to feed prom-client, OpenTelemetry or
 * StatsD (see README, "Metrics").
 */
@Injectable()
export class MessagingMetrics {
  private readonly counters: MessagingCounters = {
    handled: 0,
    duplicates: 0,
    parked: 0,
    dispatched: 0,
    failedAttempts: 0,
    deadLettered: 0,
    withoutSubscribers: 0,
    held: 0,
    undeliverable: 0,
  };
  private readonly listeners: MessagingCounterListener[] = [];
  private readonly observers: MessagingObservationListener[] = [];

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    private readonly outbox: OutboxStore,
    private readonly inFlight: InFlightMessages,
  ) {}

  increment(counter: MessagingCounter, amount = 1): void {
    this.counters[counter] += amount;
    for (const listener of this.listeners) listener(counter, amount, this.options.endpoint);
  }

  /** Calls `listener` on every increment, in the incrementing code's path: keep it cheap. */
  onIncrement(listener: MessagingCounterListener): void {
    this.listeners.push(listener);
  }

  /** Whether anything listens to observations: measuring is skipped otherwise. */
  get observed(): boolean {
    return this.observers.length > 0;
  }

  observe(name: MessagingObservation['name'], messageType: string, ms: number): void {
    const observation = { name, endpoint: this.options.endpoint, messageType, ms };
    for (const observer of this.observers) observer(observation);
  }

  /** Calls `listener` with every duration measured, in the measuring code's path: keep it cheap. */
  onObserve(listener: MessagingObservationListener): void {
    this.observers.push(listener);
  }

  async snapshot(): Promise<MessagingMetricsSnapshot> {
    const dispatchLagMs = await this.outbox.dispatchLagMs();
    return {
      endpoint: this.options.endpoint,
      ...this.counters,
      dispatchLagMs,
      inFlight: this.inFlight.count,
      oldestInFlightMs: this.inFlight.oldestAgeMs(),
    };
  }
}
