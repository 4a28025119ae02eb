import { redispatchOutboxSince } from '../../lib';
import type { Fault } from './fault.interface';
import { setTimeout as sleep } from 'timers/promises';

/** Longer than any dispatch in flight at the loss takes to mark its rows (relay.dispatchWaitMs). */
const IN_FLIGHT_MARKS_MS = 2000;

/** How far back the operator re-dispatches: what was dispatched earlier has long been handled. */
const REDISPATCH_WINDOW_MS = 60_000;

/**
 * Restarts the run's Redis without its data (AOF and RDB deleted): queued jobs, kept jobs, dead
 * letters and subscriptions are gone. Then the operator's disaster recovery: every outbox row
 * dispatched since a minute before the loss goes back to pending, for the sweepers to dispatch
 * again; the receivers' inboxes drop what they had handled already. Dead letters are kept in the
 * database, so the invariants still see those written before the loss.
 */
export const redisDataLoss: Fault = async (target) => {
  const { redisServer, dataSource, prefix, startedAt, record } = target;
  const lostAt = Date.now();
  record.dataLosses.push(lostAt);
  await redisServer.restartEmpty();
  // As an operator would: later than the dispatches in flight at the loss, which mark their rows
  // dispatched only after their jobs reached the old Redis.
  await sleep(IN_FLIGHT_MARKS_MS);
  const since = new Date(Math.max(lostAt - REDISPATCH_WINDOW_MS, startedAt));
  const reset = await redispatchOutboxSince(dataSource, { tablePrefix: prefix, since });
  const back = ((lostAt - since.getTime()) / 1000).toFixed(0);
  return `Redis restarted empty; ${reset} row(s) dispatched in the last ${back} s re-dispatched`;
};
