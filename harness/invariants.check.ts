import { failsAtStart } from './chain.keys';
import {
  badRowsFlagged,
  deadLettersAreGarbage,
  noDeadlockVictims,
  outboxCallsBounded,
} from './fault-invariants.check';
import type { FaultRecord } from './faults/fault.record';
import type { DatabaseAdmin } from './database.admin';
import type { OutboxCalls } from './outbox-calls';
import type { StartOutcome } from './producer.app';
import { PENDING_ROW } from './quiescence.wait';

export interface InvariantResult {
  name: string;
  ok: boolean;
  /** Counts, and up to 5 offending keys when it fails. */
  detail: string;
}

type Counts = Map<string, number>;

async function countsByKey(db: DatabaseAdmin, table: string): Promise<Counts> {
  const key = db.name('key');
  const rows = await db.query<{ key: string; n: string }>(
    `SELECT ${key}, COUNT(*) AS n FROM ${db.name(table)} GROUP BY ${key}`,
  );
  return new Map(rows.map((row) => [row.key, Number(row.n)]));
}

function result(name: string, offenders: string[], total: number, what: string): InvariantResult {
  const sample = offenders.slice(0, 5).join(', ');
  return {
    name,
    ok: offenders.length === 0,
    detail:
      offenders.length === 0
        ? `${total} ${what} checked`
        : `${offenders.length} of ${total} ${what} violate it, e.g. ${sample}`,
  };
}

export interface InvariantInputs {
  db: DatabaseAdmin;
  prefix: string;
  outcomes: Map<string, StartOutcome>;
  /** What was still busy when the wait for quiescence gave up, if it did. */
  quiescence: string | undefined;
  record: FaultRecord;
  calls: OutboxCalls;
}

/**
 * Per ordering group, what B and C handled (rows in id order) is the group's versions 1 to the
 * last A committed, each once, in that order. Offenders name the first place each goes wrong.
 */
async function keyedOrderHeld(db: DatabaseAdmin, prefix: string): Promise<InvariantResult[]> {
  const groups = await db.query<{ name: string; version: number | string }>(
    `SELECT ${db.name('name')}, ${db.name('version')} FROM ${db.name(`${prefix}order_group`)}`,
  );
  const results: InvariantResult[] = [];
  for (const [label, table] of [
    ['B', 'b_ordered'],
    ['C', 'c_ordered'],
  ]) {
    const rows = await db.query<{ orderGroup: string; version: number | string }>(
      `SELECT ${db.name('orderGroup')}, ${db.name('version')} FROM ${db.name(`${prefix}${table}`)}
       ORDER BY ${db.name('id')}`,
    );
    const seen = new Map<string, number[]>();
    for (const row of rows)
      seen.set(row.orderGroup, [...(seen.get(row.orderGroup) ?? []), Number(row.version)]);
    const offenders = groups.flatMap(({ name, version }) => {
      const handled = seen.get(name) ?? [];
      const wrong = handled.findIndex((value, index) => value !== index + 1);
      if (wrong >= 0) return [`${name}: #${wrong + 1} was version ${handled[wrong]}`];
      return handled.length === Number(version) ? [] : [`${name}: ${handled.length} of ${version}`];
    });
    results.push(
      result(
        `per-key order: ${label} handled each group's versions once, in A's commit order`,
        offenders,
        groups.length,
        `groups (${rows.length} ${label} rows)`,
      ),
    );
  }
  return results;
}

/** Checks the chain's invariants by counting rows once the system is quiet. */
export async function checkInvariants(inputs: InvariantInputs): Promise<InvariantResult[]> {
  const { db, prefix, outcomes, quiescence, record, calls } = inputs;
  const [a, b, c] = await Promise.all(
    ['a_change', 'b_step', 'c_step'].map((table) => countsByKey(db, `${prefix}${table}`)),
  );
  const keys = [...outcomes.keys()];
  const aKeys = [...a.keys()];
  const count = (counts: Counts, key: string) => counts.get(key) ?? 0;
  const [{ pending }] = await db.query<{ pending: string }>(
    `SELECT COUNT(*) AS pending FROM ${db.name(`${prefix}outbox`)} WHERE ${PENDING_ROW}`,
  );
  const rolledBack = keys.filter(failsAtStart);
  const causal = await Promise.all(
    ['b_step', 'c_step'].map((table) =>
      db.query<{ key: string }>(
        `SELECT ${db.name('key')} FROM ${db.name(`${prefix}${table}`)}
         WHERE NOT ${db.name('causeVisible')}`,
      ),
    ),
  );
  const stepRows = [...b.values(), ...c.values()].reduce((sum, n) => sum + n, 0);
  return [
    {
      name: 'quiescence reached',
      ok: quiescence === undefined,
      detail: quiescence === undefined ? 'outbox and queues drained' : `still ${quiescence}`,
    },
    result(
      'every started process has exactly one A row',
      keys.filter((key) => !failsAtStart(key) && count(a, key) !== 1),
      keys.length - rolledBack.length,
      'keys',
    ),
    result(
      'every A row has exactly one B row',
      aKeys.filter((key) => count(b, key) !== 1).map((key) => `${key}=${count(b, key)}`),
      aKeys.length,
      'A rows',
    ),
    result(
      'every A row has exactly one C row',
      aKeys.filter((key) => count(c, key) !== 1).map((key) => `${key}=${count(c, key)}`),
      aKeys.length,
      'A rows',
    ),
    result(
      'rolled-back changes left no row and no message (no ghost)',
      [
        ...rolledBack.filter((key) => a.has(key)).map((key) => `${key} has an A row`),
        ...new Set(
          [...b.keys(), ...c.keys()]
            .filter((key) => !a.has(key))
            .map((key) => `${key} has B/C rows without A`),
        ),
      ],
      rolledBack.length,
      'rolled-back keys',
    ),
    result(
      "causal order: each B and C row saw its cause's row committed",
      causal.flatMap((rows, index) => rows.map((row) => `${'BC'[index]} ${row.key}`)),
      stepRows,
      'B and C rows',
    ),
    {
      name: 'outbox drained (0 pending)',
      ok: Number(pending) === 0,
      detail: `${pending} pending`,
    },
    ...(await keyedOrderHeld(db, prefix)),
    await badRowsFlagged(db, prefix, record),
    await deadLettersAreGarbage(db, prefix, record),
    outboxCallsBounded(calls, record),
    noDeadlockVictims(calls, record),
  ];
}
