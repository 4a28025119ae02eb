import type { Fault } from './fault.interface';

let rows = 0;

/** Ids and destinations BullMQ refuses: a custom id with one ':', an integer, a queue with ':'. */
const badShapes: ((n: number) => { id: string; destination: string | null })[] = [
  (n) => ({ id: `order:${n}`, destination: null }),
  (n) => ({ id: `12345${n}`, destination: null }),
  (n) => ({ id: `bad-destination-${n}`, destination: `b:v${n}` }),
];

/**
 * Writes straight into the outbox one row of A's that no relay can dispatch, with the payload and
 * headers of a real row (so a relay that somehow sent it would make a second B row for that key).
 */
export const badOutboxRow: Fault = async ({ random, db, prefix, record }) => {
  const outbox = db.name(`${prefix}outbox`);
  const [real] = await db.query<{ payload: string; headers: string; correlation_id: string }>(
    `SELECT payload, headers, correlation_id FROM ${outbox}
     WHERE origin_endpoint = 'a' AND message_type = 'harness.ProcessStarted'
     ORDER BY id DESC LIMIT 1`,
  );
  if (!real) return undefined;
  const { id, destination } = random.pick(badShapes)(++rows);
  await db.query(
    `INSERT INTO ${outbox} (message_id, message_type, destination, payload, headers,
       origin_endpoint, causation_id, correlation_id)
     VALUES (:id, 'harness.ProcessStarted', :destination, :payload, :headers, 'a', NULL,
       :correlation)`,
    { id, destination, ...real, correlation: real.correlation_id },
  );
  record.badRows.add(id);
  return `outbox row ${id}${destination ? ` to "${destination}"` : ''} inserted`;
};
