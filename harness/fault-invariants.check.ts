import { readDeadLetters } from './dead-letters.read';
import type { FaultRecord } from './faults/fault.record';
import type { InvariantResult } from './invariants.check';
import type { DatabaseAdmin } from './database.admin';
import type { OutboxCall, OutboxCalls } from './outbox-calls';

/** A call that started this long before a pause ended and ended after it waited the pause out. */
const WAITED_OUT_MS = 2500;

function verdict(name: string, offenders: string[], summary: string): InvariantResult {
  const sample = offenders.slice(0, 5).join('; ');
  return {
    name,
    ok: offenders.length === 0,
    detail:
      offenders.length === 0 ? summary : `${offenders.length} violation(s): ${sample}; ${summary}`,
  };
}

/** Flagged rows are exactly the injected bad ones, and none of those was marked dispatched. */
export async function badRowsFlagged(
  db: DatabaseAdmin,
  prefix: string,
  record: FaultRecord,
): Promise<InvariantResult> {
  // The flagged rows, and the bad ones whether flagged or not.
  // Booleans on PostgreSQL, 1 or 0 on MySQL: Number() of either is 1 or 0.
  const rows = await db.query<{ message_id: string; flagged: unknown; dispatched: unknown }>(
    `SELECT message_id, dispatch_error IS NOT NULL AS flagged,
       dispatched_at IS NOT NULL AS dispatched
     FROM ${db.name(`${prefix}outbox`)} WHERE dispatch_error IS NOT NULL OR message_id IN (:...bad)`,
    { bad: [...record.badRows, ''] },
  );
  const flagged = new Set(
    rows.filter((row) => Number(row.flagged) === 1).map((row) => row.message_id),
  );
  const offenders = [
    ...[...record.badRows].filter((id) => !flagged.has(id)).map((id) => `${id} not flagged`),
    ...[...flagged].filter((id) => !record.badRows.has(id)).map((id) => `${id} (good) flagged`),
    ...rows
      .filter((row) => record.badRows.has(row.message_id) && Number(row.dispatched) === 1)
      .map((row) => `${row.message_id} marked dispatched`),
  ];
  return verdict(
    'every bad-id outbox row is flagged, no good row is',
    offenders,
    `${record.badRows.size} bad row(s) injected`,
  );
}

/**
 * The dead letters are the garbage jobs and nothing else, each failed with its parse error, read
 * from the dead-letter table, so those written before a Redis data loss count too. A garbage job
 * written shortly before a data loss may be gone with it before it was read.
 */
export async function deadLettersAreGarbage(
  db: DatabaseAdmin,
  prefix: string,
  record: FaultRecord,
): Promise<InvariantResult> {
  const rows = await readDeadLetters(db, prefix);
  const byKey = new Map(rows.map((row) => [`${row.queue}/${row.id}`, row]));
  const garbage = new Set(record.garbageJobs.map((job) => `${job.queue}/${job.id}`));
  const offenders: string[] = [];
  let lost = 0;
  for (const job of record.garbageJobs) {
    const dead = byKey.get(`${job.queue}/${job.id}`);
    if (!dead && record.lostYoung(job)) lost++;
    else if (!dead) offenders.push(`${job.queue}/${job.id} (garbage) not dead-lettered`);
    else if (!/JSON/i.test(dead.reason))
      offenders.push(`${job.queue}/${job.id} (garbage) failed with "${dead.reason.slice(0, 120)}"`);
  }
  for (const [key, row] of byKey)
    if (!garbage.has(key)) offenders.push(`${key} dead-lettered: ${row.reason.slice(0, 160)}`);
  return verdict(
    'dead letters are exactly the garbage jobs, each with its parse error',
    offenders,
    `${byKey.size} dead letter(s) (kept across ${record.dataLosses.length} Redis data loss(es)), ` +
      `${record.garbageJobs.length} garbage job(s) injected, ${lost} lost with Redis data`,
  );
}

/** Attempts that overlapped the pause, and those that waited it out. */
function againstPauses(calls: OutboxCall[], record: FaultRecord) {
  const during = calls.filter((call) =>
    record.pauses.some((pause) => call.startMs < pause.untilMs && call.endMs > pause.fromMs),
  );
  const waited = during.filter((call) =>
    record.pauses.some(
      (pause) => call.startMs <= pause.untilMs - WAITED_OUT_MS && call.endMs >= pause.untilMs,
    ),
  );
  return { during, waited };
}

/** No @Outbox() call of A waited for a paused Redis to answer again. */
export function outboxCallsBounded(calls: OutboxCalls, record: FaultRecord): InvariantResult {
  const { during, waited } = againstPauses(calls.calls, record);
  const worst = during.reduce((ms, call) => Math.max(ms, call.endMs - call.startMs), 0);
  const offenders = waited.map(
    (call) => `a call of ${call.endMs - call.startMs} ms ended ${record.offset(call.endMs)}`,
  );
  return verdict(
    "A's @Outbox() calls don't wait out a Redis CLIENT PAUSE",
    offenders,
    `${record.pauses.length} pause(s), ${during.length} call(s) during them, longest ${worst} ms`,
  );
}

/** No @Outbox() attempt of A failed as a MySQL deadlock victim. */
export function noDeadlockVictims(calls: OutboxCalls, record: FaultRecord): InvariantResult {
  const victims = calls.calls.filter((call) => call.deadlock);
  return verdict(
    'no @Outbox() call was a deadlock victim',
    victims.map((call) => `${record.offset(call.startMs)} ${call.error ?? 'deadlock'}`),
    `${victims.length} of ${calls.calls.length} attempt(s) were`,
  );
}
